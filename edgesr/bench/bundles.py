"""The bundle a host benchmark runs: export it (or reuse a complete one) and sort its artifacts by runtime."""

from edgesr_runtime import bundle as bundle_io
from edgesr_runtime.errors import EdgesrError

from edgesr_export.exporter import complete_bundle

from edgesr.exporting import describe, export_zoo_models


def ensure_bundle(model_id, target, out_dir, resolution, weights_dir=None, log=None):
    """(BundleReport, manifest) of ``out_dir/<model_id>-<target>``: reused when complete and valid for
    these options, else exported now. EdgesrError when the export fails."""
    options = {"resolution": resolution}
    # Checked before export_zoo_models, whose preflight imports every converter (seconds) even to skip.
    bundle = complete_bundle(describe(model_id), target, out_dir, options)
    if bundle is None:
        report = export_zoo_models([model_id], target, out_dir, options, weights_dir=weights_dir, progress=False,
                                   log=log or (lambda message: None))
        bundle = report.bundles[0]
    if bundle.status == "failed":
        raise EdgesrError("exporting %s for target %s failed: %s" % (model_id, target, bundle.error),
                          "run `edgesr export --target %s --model %s` for the full log" % (target, model_id))
    return bundle, bundle_io.load_manifest(bundle.path)
