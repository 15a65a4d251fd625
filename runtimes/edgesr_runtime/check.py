"""Parity check of a bundle: run each artifact on the golden inputs and compare with the PyTorch outputs.

The same code gates artifacts at export time on the host and re-checks them on the device
(``python -m edgesr_runtime check BUNDLE``), from golden.npz alone: no torch.

Tolerances, per precision, against the PyTorch FP32 output (values in [0, 1]; 1/255 = 3.9e-3 is
one 8-bit grey level). Every artifact runs on every golden input it accepts and NaN/Inf anywhere
fails it; the error bounds apply to the inputs named below:

* fp32, all inputs: max |err| <= 1e-3 and PSNR >= 100 dB. ONNX Runtime and LiteRT only re-order
  FP32 sums. Over all 1185 models (Full-HD ONNX on ORT, x86) the worst max |err| was 7.1e-5 (one
  pixel of the random input of an eSR-CNN, where softmax(key^2) nears a tie) and the lowest PSNR
  124 dB. Another CPU sums in another order, so the bound leaves >10x / >20 dB room while still
  meaning "the same 8-bit image" (1/4 grey level); a real conversion bug lands far below 100 dB.
* fp16, real-image inputs: PSNR >= 55 dB, no max |err| bound. FP16 weights (TFLite) measured
  65-78 dB; true FP16 arithmetic (PyTorch .half(), the proxy for TensorRT FP16) 62-77 dB on
  Full-HD image mosaics. Isolated outliers are inherent to FP16 softmax attention (eSR-TR_s2_K7_C16:
  max |err| 0.095 at 62 dB), so the bound is on error energy: 55 dB stays >20 dB below the models'
  own error (30-37 dB against ground truth), a PSNR change of under 0.05 dB. Uniform-noise inputs
  (down to 47 dB in FP16) are reported, not judged.
* int8, real-image inputs: PSNR >= 30 dB, no max |err| bound (one output step is ~4e-3 and
  saturated pixels are legitimate). Random noise lies outside the calibration data by construction.
  Below 30 dB the quantization error is as large as the model's own reconstruction error: the
  artifact is no longer the same model (full-INT8 eSR-TM: under 20 dB). The PSNR *drop* against
  the ground truth is measured separately at export (``quantization.psnr``).

A bundle carries the tolerance of each artifact (``parity.tolerance``); the device uses it.
"""

import collections
import json
import math
import os
import time

import numpy as np

from . import bundle as bundle_io
from .errors import EdgesrError, MissingBackendError
from .runners.base import first_line

Tolerance = collections.namedtuple("Tolerance", "max_abs_err min_psnr_db inputs")
Tolerance.__doc__ = """Error bounds (None = unbounded) and the golden inputs they apply to: "all" or "images"."""

TOLERANCES = {
    "fp32": Tolerance(1e-3, 100.0, "all"),
    "fp16": Tolerance(None, 55.0, "images"),
    "int8": Tolerance(None, 30.0, "images"),
}

PASS, FAIL, ERROR, SKIP = "PASS", "FAIL", "ERROR", "SKIP"


# -- comparing arrays ----------------------------------------------------------------------------


class Comparison(object):
    """Running error statistics over several (reference, actual) pairs."""

    def __init__(self):
        self.max_abs_err = 0.0
        self.sum_abs = self.sum_sq = 0.0
        self.count = 0
        self.nan_or_inf = False
        self.worst = None

    def add(self, reference, actual, label=None):
        reference = np.asarray(reference, dtype=np.float32)
        actual = np.asarray(actual, dtype=np.float32)
        if reference.shape != actual.shape:
            raise EdgesrError("output shape %s differs from the golden output %s" % (actual.shape, reference.shape),
                              "re-export the bundle")
        diff = np.abs(actual - reference).ravel()  # float32 differences of nearby values are exact
        if not np.isfinite(diff).all():
            self.nan_or_inf = True
            diff = diff[np.isfinite(diff)]
        if diff.size:
            worst = float(diff.max())
            if worst >= self.max_abs_err:
                self.max_abs_err, self.worst = worst, label
            diff = diff.astype(np.float64)
            self.sum_abs += float(diff.sum())
            self.sum_sq += float(np.dot(diff, diff))
        self.count += int(reference.size)
        return self

    @property
    def mean_abs_err(self):
        return self.sum_abs / self.count if self.count else 0.0

    @property
    def psnr_db(self):
        """PSNR against the reference with peak 1.0; None when the outputs are identical."""
        mse = self.sum_sq / self.count if self.count else 0.0
        return None if mse == 0 else 10.0 * math.log10(1.0 / mse)

    def as_dict(self):
        return {"max_abs_err": self.max_abs_err, "mean_abs_err": self.mean_abs_err, "psnr_db": self.psnr_db,
                "nan_or_inf": self.nan_or_inf, "worst_sample": self.worst}


def tolerance_for(artifact):
    """The artifact's recorded tolerance, else the default of its precision."""
    recorded = (artifact.get("parity") or {}).get("tolerance")
    if recorded:
        return Tolerance(recorded.get("max_abs_err"), recorded.get("min_psnr_db"), recorded.get("inputs", "all"))
    return TOLERANCES[artifact.get("precision", "fp32")]


def judge(stats, tolerance):
    """Reasons the stats break the tolerance ([] = pass)."""
    reasons = []
    if stats["nan_or_inf"]:
        reasons.append("NaN/Inf in the output")
    if tolerance.max_abs_err is not None and stats["max_abs_err"] > tolerance.max_abs_err:
        reasons.append("max |err| %.2e > %.0e" % (stats["max_abs_err"], tolerance.max_abs_err))
    psnr = stats["psnr_db"]
    if tolerance.min_psnr_db is not None and psnr is not None and psnr < tolerance.min_psnr_db:
        reasons.append("PSNR %.1f dB < %.0f dB" % (psnr, tolerance.min_psnr_db))
    return reasons


# -- running one artifact ------------------------------------------------------------------------


def _result(artifact, status, reason=None, **fields):
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
        from .tensorrt_engine import check_engine

        check_engine(path)


def check_artifact(bundle_dir, artifact, samples, threads=None):
    """Run one artifact on its golden samples; returns a result dict (status PASS/FAIL/ERROR/SKIP)."""
    from .runners import open_runner

    status = artifact.get("status")
    if status == "pending":
        return _result(artifact, SKIP, "not built yet: run `python3 -m edgesr_runtime build-engine BUNDLE` here")
    if status == "failed":
        return _result(artifact, SKIP, "the exporter could not make it: %s" % artifact.get("error", "?"))
    path = bundle_io.artifact_file(bundle_dir, artifact)
    todo = samples_for(artifact, samples)
    if not todo:
        return _result(artifact, ERROR, "no golden sample fits input shape %s" % artifact.get("input_shape"))
    tolerance = tolerance_for(artifact)
    if tolerance.inputs == "images" and not any(s.kind == "image" for s in todo):
        return _result(artifact, ERROR, "no real-image golden sample to judge a %s artifact on" % artifact["precision"])
    started = time.time()
    judged, everything = Comparison(), Comparison()
    try:
        _preflight(path, artifact)
        with open_runner(artifact["runtime"], path, layout=artifact.get("layout"), threads=threads,
                         precision=artifact.get("precision"), name=artifact.get("file")) as runner:
            version = runner.describe().get("version")
            for sample in todo:
                for n in range(sample.input.shape[0]):  # static models take one frame at a time
                    reference, actual = sample.output[n:n + 1], runner.infer(sample.input[n:n + 1])
                    everything.add(reference, actual, sample.source)
                    if tolerance.inputs == "all" or sample.kind == "image":
                        judged.add(reference, actual, sample.source)
    except MissingBackendError as err:
        return _result(artifact, SKIP, str(err))
    except EdgesrError as err:
        return _result(artifact, ERROR, str(err))
    except Exception as err:  # noqa: BLE001 - a runtime crashing on one artifact must not hide the others
        return _result(artifact, ERROR, "%s failed in %s: %s: %s" % (artifact.get("file"), artifact.get("runtime"),
                                                                     type(err).__name__, first_line(err)))
    stats = judged.as_dict()
    stats["nan_or_inf"] = everything.nan_or_inf
    if tolerance.inputs != "all":
        stats["all_inputs"] = {k: v for k, v in everything.as_dict().items() if k != "nan_or_inf"}
    reasons = judge(stats, tolerance)
    return _result(artifact, FAIL if reasons else PASS, "; ".join(reasons) or None, samples=len(todo),
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


# -- a whole bundle ------------------------------------------------------------------------------


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
    samples = bundle_io.load_golden(os.path.join(bundle_dir, golden))
    results = []
    for artifact in select(manifest, names, runtimes, precisions):
        if artifact.get("valid") is False and not include_invalid:
            why = (artifact.get("parity") or {}).get("reason") or artifact.get("error") or "see manifest"
            results.append(_result(artifact, SKIP, "invalid at export (%s); --all checks it anyway" % why))
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


# -- output --------------------------------------------------------------------------------------


def _fmt_err(value):
    return "-" if value is None else "%.2e" % value


def _fmt_psnr(result):
    if "psnr_db" not in result:
        return "-"
    return "inf" if result["psnr_db"] is None else "%.1f" % result["psnr_db"]


def _fmt_tol(result):
    tol = result.get("tolerance")
    if not tol:
        return "-"
    parts = []
    if tol.get("max_abs_err") is not None:
        parts.append("<=%.0e" % tol["max_abs_err"])
    if tol.get("min_psnr_db") is not None:
        parts.append(">=%.0f dB" % tol["min_psnr_db"])
    if tol.get("inputs") == "images":
        parts.append("images")
    return ", ".join(parts)


def format_table(manifest, results, verified=True):
    """A readable report: one line per artifact, then the reasons of whatever did not pass."""
    model = manifest.get("model", {})
    lines = ["bundle %s x%s, target %s (%s)%s" % (
        model.get("id"), model.get("scale"), manifest.get("target"), manifest.get("profile"),
        ": all files match their sha256" if verified else ": sha256 NOT verified")]
    header = ("artifact", "runtime", "prec", "samples", "max|err|", "PSNR dB", "tolerance", "NaN/Inf", "result")
    rows = [(r["artifact"] or "?", r["runtime"] or "?", r["precision"] or "?", str(r.get("samples", "-")),
             _fmt_err(r.get("max_abs_err")), _fmt_psnr(r), _fmt_tol(r),
             "-" if "nan_or_inf" not in r else ("YES" if r["nan_or_inf"] else "no"), r["status"]) for r in results]
    widths = [max(len(row[i]) for row in rows + [header]) for i in range(len(header))]
    for row in [header] + rows:
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    for r in results:
        if r.get("reason"):
            lines.append("  %s %s: %s" % (r["status"], r["artifact"], r["reason"]))
    counts = collections.Counter(r["status"] for r in results)
    lines.append("%d passed, %d failed, %d errors, %d skipped" % (counts[PASS], counts[FAIL], counts[ERROR],
                                                                 counts[SKIP]))
    return "\n".join(lines)


# -- command line --------------------------------------------------------------------------------


def _csv(text):
    return [part.strip() for part in text.split(",") if part.strip()]


def add_arguments(parser):
    """The ``check`` arguments (shared by ``edgesr check`` and ``python -m edgesr_runtime check``)."""
    parser.add_argument("bundle", help="bundle folder written by `edgesr export` (holds manifest.json)")
    parser.add_argument("--artifact", type=_csv, help="only these artifacts, e.g. tflite-fp32,onnx-fp32")
    parser.add_argument("--runtime", type=_csv, help="only these runtimes (onnxruntime, litert, tensorrt)")
    parser.add_argument("--precision", type=_csv, help="only these precisions (fp32, fp16, int8)")
    parser.add_argument("--threads", type=int, help="runtime threads (default: the runtime's choice)")
    parser.add_argument("--all", dest="include_invalid", action="store_true",
                        help="also run artifacts that failed their parity gate at export")
    parser.add_argument("--strict", action="store_true",
                        help="fail when an artifact is skipped (runtime missing, engine not built)")
    parser.add_argument("--no-verify", dest="verify", action="store_false",
                        help="skip the sha256 check of the bundle files (not recommended)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead of a table")


def run(args):
    """Run ``check`` from parsed arguments; returns the exit code."""
    manifest, results = check_bundle(args.bundle, names=args.artifact, runtimes=args.runtime,
                                     precisions=args.precision, threads=args.threads, verify=args.verify,
                                     include_invalid=args.include_invalid)
    if args.json:
        print(json.dumps({"bundle": os.path.abspath(args.bundle), "results": results}, indent=1))
    else:
        print(format_table(manifest, results, verified=args.verify))
    return exit_code(results, strict=args.strict)
