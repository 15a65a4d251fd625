"""Running one artifact on its golden samples: a check result with status PASS, FAIL, ERROR or SKIP."""

import time

from .. import bundle as bundle_io
from ..errors import EdgesrError, MissingBackendError
from ..runners import artifact_options, open_runner
from ..runners.base import first_line
from ..tensorrt_engine import check_engine
from .compare import Comparison, judge, tolerance_for

PASS, FAIL, ERROR, SKIP = "PASS", "FAIL", "ERROR", "SKIP"


def check_result(artifact, status, reason=None, **fields):
    """The result dict of one artifact: its names, the status, the reason and any statistics."""
    result = {"artifact": artifact.get("name"), "file": artifact.get("file"), "runtime": artifact.get("runtime"),
              "precision": artifact.get("precision"), "status": status, "reason": reason}
    result.update(fields)
    return result


def samples_for(artifact, samples):
    """The golden samples whose shape the artifact accepts (all of them for a dynamic model)."""
    shape = artifact.get("input_shape")
    return [s for s in samples if shape is None or bundle_io.fits(shape, s.shape)]


def _preflight(path, artifact):
    """Checks that must run before a runtime touches the file (engine platform and hash)."""
    if artifact.get("runtime") == "tensorrt":
        check_engine(path)


def check_artifact(bundle_dir, artifact, samples, threads=None):
    """Run one artifact on its golden samples; returns a result dict (status PASS/FAIL/ERROR/SKIP)."""
    status = artifact.get("status")
    if status == "pending":
        return check_result(artifact, SKIP, "not built yet: run `python3 -m edgesr_runtime build-engine BUNDLE` here")
    if status == "failed":
        return check_result(artifact, SKIP, "the exporter could not make it: %s" % artifact.get("error", "?"))
    path = bundle_io.artifact_file(bundle_dir, artifact)
    todo = samples_for(artifact, samples)
    if not todo:
        return check_result(artifact, ERROR, "no golden sample fits input shape %s" % artifact.get("input_shape"))
    tolerance = tolerance_for(artifact)
    if tolerance.inputs == "images" and not any(s.kind == "image" for s in todo):
        return check_result(artifact, ERROR, "no real-image golden sample to judge a %s artifact on" % artifact["precision"])
    started = time.time()
    judged, everything = Comparison(), Comparison()
    try:
        _preflight(path, artifact)
        with open_runner(artifact["runtime"], path, layout=artifact.get("layout"), threads=threads,
                         precision=artifact.get("precision"), name=artifact.get("file"),
                         **artifact_options(artifact)) as runner:
            version = runner.describe().get("version")
            for sample in todo:
                for n in range(sample.input.shape[0]):  # static models take one frame at a time
                    reference, actual = sample.reference(n), runner.infer(sample.input[n:n + 1])
                    everything.add(reference, actual, sample.source)
                    if tolerance.inputs == "all" or sample.kind == "image":
                        judged.add(reference, actual, sample.source)
    except MissingBackendError as err:
        return check_result(artifact, SKIP, str(err))
    except EdgesrError as err:
        return check_result(artifact, ERROR, str(err))
    except Exception as err:  # noqa: BLE001 - a runtime crashing on one artifact must not hide the others
        return check_result(artifact, ERROR, "%s failed in %s: %s: %s" % (artifact.get("file"), artifact.get("runtime"),
                                                                     type(err).__name__, first_line(err)))
    stats = judged.as_dict()
    stats["nan_or_inf"] = everything.nan_or_inf
    if tolerance.inputs != "all":
        stats["all_inputs"] = {k: v for k, v in everything.as_dict().items() if k != "nan_or_inf"}
    reasons = judge(stats, tolerance)
    return check_result(artifact, FAIL if reasons else PASS, "; ".join(reasons) or None, samples=len(todo),
                   tolerance=tolerance._asdict(), runtime_version=version, seconds=round(time.time() - started, 3),
                   **stats)


def parity_record(result):
    """The ``parity`` entry the exporter stores in the manifest for one check result."""
    keys = ("max_abs_err", "mean_abs_err", "psnr_db", "nan_or_inf", "worst_sample", "samples", "tolerance",
            "all_inputs", "runtime_version")
    record = {k: result[k] for k in keys if k in result}
    record["passed"] = result["status"] == PASS
    if result.get("reason"):
        record["reason"] = result["reason"]
    return record
