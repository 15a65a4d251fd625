"""Choosing the runtime of a bundle: which artifacts may be timed, and ``runtime auto``.

An artifact is a candidate only when it passed parity against PyTorch, its file is present and its
runtime is installed: per runtime its FP32 artifact (else the one it has) and, where the bundle ships
one that passed its gates (parity and the INT8 PSNR-drop limit), its INT8 artifact too, keyed
``<runtime>/int8``. ``choose`` times every candidate briefly and keeps the fastest by median
latency; the record names the chosen runtime and precision. ``measure_bundle`` is its one caller
(device bench, device sweep, host bench and sweep).
"""

import os

from .. import bundle as bundle_io
from .. import stats
from ..errors import EdgesrError
from ..runners import RUNTIMES


def choose(candidates, excluded, time_briefly, probe):
    """The ``auto`` record. ``candidates`` maps a key (``runtime_artifacts``) to an artifact;
    ``time_briefly(key)`` returns the per-iteration trace (ms) of a brief run
    with the settings of the MeasureRequest ``probe``.

    A candidate that errors while loading or running joins ``excluded``; EdgesrError when none is left.
    """
    measured, excluded = {}, dict(excluded)
    for key, artifact in candidates.items():
        try:
            trace = time_briefly(key)
        except EdgesrError as err:
            excluded[key] = "brief run failed: %s" % err
            continue
        measured[key] = {"median_ms": stats.summarize(trace)["median"], "iterations": len(trace),
                             "artifact": artifact["file"], "precision": artifact.get("precision")}
    if not measured:
        raise EdgesrError("no runtime could run this bundle: %s" % "; ".join(
            "%s: %s" % item for item in sorted(excluded.items())),
            "install onnxruntime or ai-edge-litert, or re-export with `edgesr export --force`")
    chosen = min(measured, key=lambda key: measured[key]["median_ms"])
    artifact = candidates[chosen]
    return {"chosen": artifact.get("runtime", chosen), "chosen_precision": artifact.get("precision"),
            "candidate": chosen, "by": "median latency of a brief run", "candidates": measured, "excluded": excluded,
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
    """({key: artifact} that passed parity, {runtime: reason} for every runtime without one).

    Per installed runtime: key ``<runtime>`` is its FP32 artifact (else its first that passed), and
    ``<runtime>/int8`` its INT8 artifact when that passed too. ``installed`` maps runtime -> (ok, detail)
    as ``available_runtimes()`` reports it. Artifacts that failed parity are never returned.
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
            preferred = sorted(passed, key=lambda a: a.get("precision") != "fp32")
            candidates[runtime] = preferred[0]
            int8 = [a for a in artifacts if a.get("precision") == "int8" and a is not preferred[0]]
            passing = [a for a in int8 if a in passed]
            if passing:
                candidates["%s/int8" % runtime] = passing[0]
            elif int8:
                excluded["%s/int8" % runtime] = "; ".join(rejection(bundle_dir, a) for a in int8)
    return candidates, excluded


def format_choice(record):
    """The auto record as text lines: each candidate's brief median, the choice, the exclusions."""
    probe = record["probe"]
    lines = ["auto: brief runs (warm-up %g ms, >= %d iterations and %g s each), fastest median wins:" % (
        probe["warmup_ms"], probe["min_iterations"], probe["duration_s"])]
    chosen = record.get("candidate", record["chosen"])
    for key, entry in sorted(record["candidates"].items(), key=lambda item: item[1]["median_ms"]):
        lines.append("  %-16s %10.3f ms  (%s, %d iterations)%s" % (
            key, entry["median_ms"], entry["artifact"], entry["iterations"], "  <- chosen" if key == chosen else ""))
    for runtime, reason in sorted(record["excluded"].items()):
        lines.append("  %-16s excluded: %s" % (runtime, reason))
    return lines
