"""The bundle a host benchmark runs: export it (or reuse a complete one) and sort its artifacts by runtime."""

import importlib
import os

from edgesr_runtime import bundle as bundle_io
from edgesr_runtime.errors import EdgesrError, MissingBackendError


def import_exporter(module="batch"):
    """``edgesr_export.<module>``; MissingBackendError with the install hint when edgesr-export is absent."""
    try:
        return importlib.import_module("edgesr_export." + module)
    except ImportError as err:
        if (err.name or "").startswith("edgesr_export"):
            from edgesr.cli.export_cmd import EXPORT_HINT

            raise MissingBackendError("edgesr-export", EXPORT_HINT) from None
        raise


def _complete(model_id, target, out_dir, resolution):
    """The BundleReport of a complete, valid bundle made with these options (the exporter's resume test), else None.

    Checked before ``export_models``, whose preflight imports every converter (seconds) even to skip.
    """
    from edgesr import __version__

    exporter, targets = import_exporter("exporter"), import_exporter("targets")
    spec = targets.get_target(target)
    folder = os.path.join(str(out_dir), exporter.bundle_name(model_id, spec.name))
    if exporter.is_done(folder, targets.resolve_options(spec, {"resolution": resolution}), __version__):
        return exporter.BundleReport(model_id, spec.name, folder, "skipped", valid=True)
    return None


def ensure_bundle(model_id, target, out_dir, resolution, weights_dir=None, log=None):
    """(BundleReport, manifest) of ``out_dir/<model_id>-<target>``: reused when complete and valid for
    these options, else exported now (edgesr_export). EdgesrError when the export fails."""
    bundle = _complete(model_id, target, out_dir, resolution)
    if bundle is None:
        report = import_exporter().export_models([model_id], target, out_dir, {"resolution": resolution},
                                                 weights_dir=weights_dir, progress=False,
                                                 log=log or (lambda message: None))
        bundle = report.bundles[0]
    if bundle.status == "failed":
        raise EdgesrError("exporting %s for target %s failed: %s" % (model_id, target, bundle.error),
                          "run `edgesr export --target %s --model %s` for the full log" % (target, model_id))
    return bundle, bundle_io.load_manifest(bundle.path)
