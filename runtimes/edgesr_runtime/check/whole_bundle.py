"""Checking a whole bundle: sha256 of every file, then the selected artifacts against the golden data."""

from .. import bundle as bundle_io
from ..errors import EdgesrError
from .artifacts import ERROR, FAIL, PASS, SKIP, check_artifact, check_result


def select(manifest, names=None, runtimes=None, precisions=None):
    """The artifacts to check, filtered by name, runtime and precision."""
    chosen = []
    for artifact in manifest.get("artifacts", []):
        if names and artifact.get("name") not in names:
            continue
        if runtimes and artifact.get("runtime") not in runtimes:
            continue
        if precisions and artifact.get("precision") not in precisions:
            continue
        chosen.append(artifact)
    if not chosen:
        listing = ", ".join("%s (%s, %s)" % (a.get("name"), a.get("runtime"), a.get("precision"))
                            for a in manifest.get("artifacts", []))
        raise EdgesrError("no artifact matches the filters", "the bundle has: %s" % listing)
    return chosen


def check_bundle(bundle_dir, names=None, runtimes=None, precisions=None, threads=None, verify=True,
                 include_invalid=False):
    """(manifest, results): verify sha256 of every file, then check the selected artifacts."""
    bundle_dir = str(bundle_dir)
    manifest = bundle_io.load_manifest(bundle_dir)
    if verify:
        bundle_io.verify_bundle(bundle_dir, manifest)
    golden = manifest.get("golden", {}).get("file", bundle_io.GOLDEN)
    samples = bundle_io.load_golden(bundle_io.inside_bundle(bundle_dir, golden))
    results = []
    for artifact in select(manifest, names, runtimes, precisions):
        if artifact.get("valid") is False and not include_invalid:
            why = (artifact.get("parity") or {}).get("reason") or artifact.get("error") or "see manifest"
            results.append(check_result(artifact, SKIP, "invalid at export (%s); --all checks it anyway" % why))
            continue
        results.append(check_artifact(bundle_dir, artifact, samples, threads=threads))
    return manifest, results


def exit_code(results, strict=False):
    """0 when something passed and nothing failed (with ``strict``, nothing skipped either), else 1."""
    statuses = [r["status"] for r in results]
    if FAIL in statuses or ERROR in statuses:
        return 1
    if PASS not in statuses or (strict and SKIP in statuses):
        return 1
    return 0
