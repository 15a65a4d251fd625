"""Export many described models for one target: checks up front, progress, resume, failures kept and reported."""

import importlib
import time
from dataclasses import dataclass, field
from typing import List

from edgesr_runtime.errors import EdgesrError, MissingBackendError
from edgesr_runtime.progress import Progress

from edgesr_export.capture import quiet
from edgesr_export.exporter import BundleReport, bundle_name, complete_bundle, export_bundle
from edgesr_export.resolution import input_size
from edgesr_export.targets import get_target, resolve_options, select_artifacts
from edgesr_export.tflite_export import INSTALL_HINT as TFLITE_HINT

# The optional converters a target's artifacts need (onnx and onnxruntime are dependencies of edgesr-export).
HOST_MODULES = {"litert_torch": TFLITE_HINT, "ai_edge_quantizer": TFLITE_HINT}


@dataclass
class BatchReport:
    target: str
    out_dir: str
    bundles: List[BundleReport] = field(default_factory=list)
    seconds: float = 0.0

    def having(self, status):
        return [b for b in self.bundles if b.status == status]

    @property
    def invalid(self):
        return [b for b in self.bundles if b.status == "exported" and not b.valid]

    @property
    def ok(self):
        return not self.having("failed") and not self.invalid


def preflight(descriptions, target, options):
    """Raise before any work: bad target/options, a resolution some scale cannot divide, a missing converter."""
    target = get_target(target)
    resolved = resolve_options(target, options)
    for scale in sorted({d.scale for d in descriptions}):
        input_size(resolved["resolution"], scale)
    needed = []
    for spec in select_artifacts(target, resolved["precision"]):
        needed += [m for m in spec.host_modules if m not in needed]
    for module in needed:
        try:
            with quiet():
                importlib.import_module(module)
        except ImportError:
            raise MissingBackendError("%s (needed for target %s)" % (module.replace("_", "-"), target.name),
                                      HOST_MODULES[module]) from None
    return target, resolved


def _store_rows(store, report):
    """One ``export`` row per shipped artifact, one ``failure`` row per failed bundle or artifact."""
    if report.status == "failed":
        store.put("failure", report.model_id, report.target, "", {"stage": "export", "target": report.target,
                                                                 "error": report.error}, dataset=report.target,
                  status="failed")
        return
    for artifact in report.artifacts:
        payload = {"target": report.target, "bundle": report.path, "file": artifact["file"],
                   "status": artifact.get("status"), "valid": artifact.get("valid"),
                   "parity": artifact.get("parity"), "error": artifact.get("error")}
        bad = artifact.get("status") == "failed" or artifact.get("valid") is False
        store.put("failure" if bad else "export", report.model_id, artifact["runtime"], artifact["precision"],
                  dict(payload, stage="export"), dataset=report.target, status="failed" if bad else "ok")


def export_models(descriptions, build, target, out_dir, options=None, force=False, store=None, progress=True,
                  log=print):
    """Export every described model; returns a BatchReport.

    ``build(description)`` returns the PyTorch module; it is called once per bundle that is actually
    exported, one module at a time, so a long run never holds more than one. Bundles already complete
    and valid are skipped (resume); one failing model is recorded and the run goes on.
    """
    started = time.time()
    target, _ = preflight(descriptions, target, options)
    report = BatchReport(target.name, str(out_dir))
    bar = Progress(len(descriptions), "export %s" % target.name, enabled=progress and len(descriptions) > 1)
    for description in descriptions:
        bundle = _one(description, build, target.name, out_dir, options, force, log)
        report.bundles.append(bundle)
        if store is not None:
            _store_rows(store, bundle)
        bar.step(description.model_id, _outcome(bundle), always=bundle.status == "failed")
    report.seconds = round(time.time() - started, 1)
    return report


def _outcome(bundle):
    if bundle.status == "exported" and not bundle.valid:
        return "exported, INVALID"
    return bundle.status


def _one(description, build, target, out_dir, options, force, log):
    """The BundleReport of one model: skipped, exported, or failed with the reason."""
    model_id = description.model_id
    try:
        done = None if force else complete_bundle(description, target, out_dir, options)
        if done is not None:
            return done
        return export_bundle(build(description), description, target, out_dir, options, force=True,  # checked above
                             log=lambda message: log("%s: %s" % (model_id, message.strip())))
    except EdgesrError as err:
        error = str(err)
    except Exception as err:  # noqa: BLE001 - one broken model must not end a 1185-model run
        error = "%s: %s" % (type(err).__name__, str(err).strip().splitlines()[0][:300] if str(err).strip() else "")
    log("%s: FAILED: %s" % (model_id, error))
    return BundleReport(model_id, target, "%s/%s" % (out_dir, bundle_name(model_id, target)), "failed", error=error)
