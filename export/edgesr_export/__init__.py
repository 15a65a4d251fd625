"""edgesr-export: ONNX, TensorRT (built on the device) and TFLite bundles of the edge-SR zoo, each
proven against PyTorch on golden data.

    from edgesr_export import export_bundle
    export_bundle("eSR-TM_s2_K7_C16", "rpi", "edgesr-bundles", {"resolution": "1920x1080"})

The command line is ``edgesr export``; targets and options are the table in ``edgesr_export.targets``.
"""

__version__ = "0.1.0"


def export_bundle(*args, **kwargs):
    """See ``edgesr_export.exporter.export_bundle`` (imported lazily: it pulls in torch)."""
    from edgesr_export.exporter import export_bundle as _export_bundle

    return _export_bundle(*args, **kwargs)
