"""Export many models for one target: checks up front, progress, resume, failures kept and reported."""

import importlib
import time
from dataclasses import dataclass, field
from typing import List

from edgesr_runtime.errors import EdgesrError, MissingBackendError

from edgesr_export.capture import quiet
from edgesr_export.exporter import BundleReport, bundle_name, export_bundle
from edgesr_export.resolution import input_size
from edgesr_export.targets import get_target, resolve_options, select_artifacts
from edgesr_export.tflite_export import INSTALL_HINT as TFLITE_HINT

HOST_MODULES = {"onnx": "pip install onnx==1.23.2", "onnxruntime": "pip install onnxruntime==1.31.1",
                "litert_torch": TFLITE_HINT, "ai_edge_quantizer": TFLITE_HINT}


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


def preflight(model_ids, target, options):
    """Raise before any work: bad target/options, a resolution some scale cannot divide, a missing converter."""
    from edgesr.models import get_config

    target = get_target(target)
    resolved = resolve_options(target, options)
    for scale in sorted({get_config(m).scale for m in model_ids}):
        input_size(resolved["resolution"], scale)
    needed = ["onnx", "onnxruntime"]
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


def export_models(model_ids, target, out_dir, options=None, weights_dir=None, force=False, store=None,
                  progress=True, log=print):
    """Export every id; returns a BatchReport. Bundles already complete and valid are skipped (resume)."""
    started = time.time()
    target, _ = preflight(model_ids, target, options)
    report = BatchReport(target.name, str(out_dir))
    bar = None
    if progress and len(model_ids) > 1:
        from tqdm import tqdm

        bar = tqdm(total=len(model_ids), unit="model", desc="export %s" % target.name, dynamic_ncols=True)
        log = bar.write
    try:
        for model_id in model_ids:
            if bar is not None:
                bar.set_postfix_str(model_id, refresh=False)
            report.bundles.append(_one(model_id, target.name, out_dir, options, weights_dir, force, log))
            if store is not None:
                _store_rows(store, report.bundles[-1])
            if bar is not None:
                bar.update()
    finally:
        if bar is not None:
            bar.close()
    report.seconds = round(time.time() - started, 1)
    return report


def _one(model_id, target, out_dir, options, weights_dir, force, log):
    path = "%s/%s" % (out_dir, bundle_name(model_id, target))
    try:
        return export_bundle(model_id, target, out_dir, options, weights_dir=weights_dir, force=force,
                             log=lambda message: log("%s: %s" % (model_id, message.strip())))
    except EdgesrError as err:
        error = str(err)
    except Exception as err:  # noqa: BLE001 - one broken model must not end a 1185-model run
        error = "%s: %s" % (type(err).__name__, str(err).strip().splitlines()[0][:300] if str(err).strip() else "")
    log("%s: FAILED: %s" % (model_id, error))
    return BundleReport(model_id, target, path, "failed", error=error)
