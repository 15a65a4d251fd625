"""Choosing the runtime of a bundle: which artifacts may be timed, and ``runtime auto``.

An artifact is a candidate only when it passed parity against PyTorch, its file is present and its
runtime is installed. ``choose`` times every candidate briefly and keeps the fastest by median
latency. ``measure_bundle`` is its one caller (device bench, device sweep, host bench and sweep).
"""

import os

from .. import bundle as bundle_io
from .. import stats
from ..errors import EdgesrError
from ..runners import RUNTIMES


def choose(candidates, excluded, time_briefly, probe):
    """The ``auto`` record. ``time_briefly(runtime)`` returns the per-iteration trace (ms) of a brief run
    with the settings of the MeasureRequest ``probe``.

    A candidate that errors while loading or running joins ``excluded``; EdgesrError when none is left.
    """
    measured, excluded = {}, dict(excluded)
    for runtime, artifact in candidates.items():
        try:
            trace = time_briefly(runtime)
        except EdgesrError as err:
            excluded[runtime] = "brief run failed: %s" % err
            continue
        measured[runtime] = {"median_ms": stats.summarize(trace)["median"], "iterations": len(trace),
                             "artifact": artifact["file"], "precision": artifact.get("precision")}
    if not measured:
        raise EdgesrError("no runtime could run this bundle: %s" % "; ".join(
            "%s: %s" % item for item in sorted(excluded.items())),
            "install onnxruntime or ai-edge-litert, or re-export with `edgesr export --force`")
    chosen = min(measured, key=lambda runtime: measured[runtime]["median_ms"])
    return {"chosen": chosen, "by": "median latency of a brief run", "candidates": measured, "excluded": excluded,
            "probe": {"warmup_ms": probe.warmup_ms, "duration_s": probe.duration_s,
                      "min_iterations": probe.iterations}}


def rejection(bundle_dir, artifact):
    """Why an artifact cannot be timed (None when it can): failed export or parity, pending build, missing file."""
    status = bundle_io.artifact_status(artifact)
    name = artifact.get("name", artifact.get("file"))
    if status == "failed":
        return "%s: the exporter could not make it (%s)" % (name, artifact.get("error", "?"))
    if status == "pending":
        return "%s: not built yet (%s)" % (name, artifact.get("build", "build it on the device"))
    if status == "unchecked":
        return "%s: never checked against PyTorch (re-export the bundle with `edgesr export`)" % name
    if status != "valid":
        parity = artifact.get("parity") or {}
        return "%s: failed parity against PyTorch (%s)" % (
            name, parity.get("reason") or "max |err| %s" % parity.get("max_abs_err"))
    if not os.path.isfile(bundle_io.artifact_file(bundle_dir, artifact)):
        return "%s: %s is missing from the bundle" % (name, artifact["file"])
    return None


def runtime_artifacts(manifest, bundle_dir, installed):
    """({runtime: artifact} that passed parity, fp32 first; {runtime: reason} for every other runtime).

    ``installed`` maps runtime -> (ok, detail) as ``available_runtimes()`` reports it. Artifacts
    that failed parity are never returned.
    """
    candidates, excluded = {}, {}
    for runtime in RUNTIMES:
        artifacts = [a for a in manifest.get("artifacts", []) if a.get("runtime") == runtime]
        passed = [a for a in artifacts if rejection(bundle_dir, a) is None]
        ok, detail = installed.get(runtime, (False, "unknown runtime"))
        if not artifacts:
            excluded[runtime] = "no %s artifact in the %s bundle" % (runtime, manifest.get("target"))
        elif not passed:
            excluded[runtime] = "; ".join(rejection(bundle_dir, a) for a in artifacts)
        elif not ok:
            excluded[runtime] = "not installed here (fix: %s)" % detail
        else:
            candidates[runtime] = sorted(passed, key=lambda a: a.get("precision") != "fp32")[0]
    return candidates, excluded


def format_choice(record):
    """The auto record as text lines: each candidate's brief median, the choice, the exclusions."""
    probe = record["probe"]
    lines = ["auto: brief runs (warm-up %g ms, >= %d iterations and %g s each), fastest median wins:" % (
        probe["warmup_ms"], probe["min_iterations"], probe["duration_s"])]
    for runtime, entry in sorted(record["candidates"].items(), key=lambda item: item[1]["median_ms"]):
        lines.append("  %-12s %10.3f ms  (%s, %d iterations)%s" % (
            runtime, entry["median_ms"], entry["artifact"], entry["iterations"],
            "  <- chosen" if runtime == record["chosen"] else ""))
    for runtime, reason in sorted(record["excluded"].items()):
        lines.append("  %-12s excluded: %s" % (runtime, reason))
    return lines
