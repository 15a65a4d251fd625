"""The bundle a host benchmark runs: export it (or reuse a complete one) and sort its artifacts by runtime."""

from edgesr_runtime import bundle as bundle_io
from edgesr_runtime.errors import EdgesrError

from edgesr_export.exporter import complete_bundle

from edgesr.exporting import export_sources
from edgesr.models.source import ModelSource, resolve


def ensure_bundle(model, target, out_dir, resolution, weights_dir=None, log=None, graph="optimised"):
    """(BundleReport, manifest) of ``out_dir/<model_id>-<target>`` for ``model`` (a ModelSource, or a spec
    resolved here): reused when complete and valid for these options, else exported now. EdgesrError when
    the export fails. ``graph``: the export's graph option (optimised | reference)."""
    source = model if isinstance(model, ModelSource) else resolve(model, weights_dir)
    options = {"resolution": resolution, "graph": graph}
    # Checked before export_sources, whose preflight imports every converter (seconds) even to skip.
    bundle = complete_bundle(source.description(), target, out_dir, options)
    if bundle is None:
        report = export_sources([source], target, out_dir, options, progress=False,
                                log=log or (lambda message: None))
        bundle = report.bundles[0]
    if bundle.status == "failed":
        raise EdgesrError("exporting %s for target %s failed: %s" % (source.model_id, target, bundle.error),
                          "run `edgesr export --target %s --model %s` for the full log" % (target, source.spec))
    return bundle, bundle_io.load_manifest(bundle.path)
