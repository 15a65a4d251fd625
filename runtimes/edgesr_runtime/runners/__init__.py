"""Runners: one interface (load / infer / close) over ONNX Runtime, LiteRT and TensorRT.

    from edgesr_runtime.runners import open_runner
    with open_runner(None, "model.onnx", threads=4) as runner:
        y = runner.infer(x)            # x: N×1×H×W float32 in [0, 1] -> N×1×sH×sW

Every runtime is imported lazily; a missing one raises MissingBackendError with the install command.
"""

from .base import LAYOUTS, Runner, TensorMeta
from .registry import RUNTIMES, artifact_options, available_runtimes, open_runner, options_for, runtime_for_path

__all__ = ["LAYOUTS", "RUNTIMES", "Runner", "TensorMeta", "artifact_options", "available_runtimes", "open_runner",
           "options_for", "runtime_for_path"]
