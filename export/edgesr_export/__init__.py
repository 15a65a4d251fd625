"""edgesr-export: ONNX, TensorRT (built on the device) and TFLite bundles of any super-resolution
PyTorch module, each proven against PyTorch on golden data.

    from edgesr_export import ModelDescription, export_bundle
    description = ModelDescription("my-net_s2", "my-net", scale=2, producer_version="1.0")
    export_bundle(module, description, "rpi", "edgesr-bundles", {"resolution": "1920x1080"})

Many models: ``export_models(descriptions, build, target, out_dir)`` builds each module on demand.
The command line is ``edgesr export``; targets and options are the table in ``edgesr_export.targets``.
"""

import importlib

from edgesr_export.description import ModelDescription

__version__ = "0.1.0"

# Entry points that import torch load on first use, so the target table and README helpers stay light.
_LAZY = {"export_bundle": "exporter", "complete_bundle": "exporter", "BundleReport": "exporter",
         "export_models": "batch", "BatchReport": "batch"}

__all__ = ["ModelDescription"] + sorted(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module("edgesr_export." + _LAZY[name]), name)
    raise AttributeError("module 'edgesr_export' has no attribute %r" % name)
