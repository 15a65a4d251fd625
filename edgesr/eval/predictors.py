"""Run a model on one LR luma array with a chosen runtime: ``open_predictor(runtime, model_id)``.

A predictor maps an H×W float32 array in [0, 1] to the sH×sW float32 model output (unclamped).
``torch`` runs the module; ``onnxruntime`` runs a dynamic-H/W ONNX export of it; ``litert`` runs
static-shape FP32 TFLite files, one per LR input size, converted on first use and cached on disk.
"""

import hashlib
import importlib.util
import os
import tempfile
from importlib.metadata import PackageNotFoundError, version

import numpy as np
import torch

import edgesr
from edgesr.exporting import build, describe
from edgesr.models import create_model
from edgesr_export.capture import quiet
from edgesr_export.onnx_export import export_onnx, metadata_props
from edgesr_export.tflite_export import convert_fp32
from edgesr_runtime import files
from edgesr_runtime.errors import EdgesrError, MissingBackendError
from edgesr_runtime.runners import open_runner

RUNTIMES = ("torch", "onnxruntime", "litert")
PRECISION = "fp32"
LITERT_MODULES = ("litert_torch", "ai_edge_litert")  # the converter, and the interpreter the runner uses
LITERT_INSTALL_HINT = 'pip install -e "./export[tflite]"'
LITERT_LAYOUT = "NHWC"  # the exporter's default TFLite layout, i.e. the artifact devices run


class TorchPredictor:
    """The PyTorch module on the CPU, one thread per process (set by the caller)."""

    runtime = "torch"
    precision = PRECISION

    def __init__(self, model_id, weights_dir=None):
        self.module = create_model(model_id, pretrained=True, weights_dir=weights_dir)

    def __call__(self, lr):
        with torch.inference_mode():
            out = self.module(torch.from_numpy(np.ascontiguousarray(lr, dtype=np.float32))[None, None])
        return out[0, 0].numpy()


class OnnxPredictor:
    """A dynamic-H/W ONNX export of the model, run by onnxruntime on the CPU with one thread."""

    runtime = "onnxruntime"
    precision = PRECISION

    def __init__(self, model_id, weights_dir=None, cache_dir=None):
        cache_dir = cache_dir or os.path.join(tempfile.gettempdir(), "edgesr-eval-onnx")
        path = os.path.join(cache_dir, model_id + ".onnx")
        if not os.path.isfile(path):
            export_dynamic_onnx(model_id, path, weights_dir)
        self._run = open_runner("onnxruntime", path, threads=1).infer

    def __call__(self, lr):
        x = np.ascontiguousarray(lr, dtype=np.float32)[None, None]
        return self._run(x)[0, 0]


class LiteRTPredictor:
    """FP32 .tflite files of the model, one per LR size (litert-torch converts static shapes only), each
    converted on first use with the exporter's ``convert_fp32``, cached in ``cache_dir`` and run by
    edgesr_runtime's LiteRT runner with one thread."""

    runtime = "litert"
    precision = PRECISION

    def __init__(self, model_id, weights_dir=None, cache_dir=None):
        self.model_id = model_id
        self.cache_dir = cache_dir or os.path.join(tempfile.gettempdir(), "edgesr-eval-litert")
        self.module = create_model(model_id, pretrained=True, weights_dir=weights_dir)
        self._key = _litert_cache_key(self.module)
        self._runners = {}

    def path(self, height, width):
        """The cache file for one LR size: model id, size, layout, edgesr/litert-torch versions, weights digest."""
        name = "%s_%dx%d_%s_%s.tflite" % (self.model_id, height, width, LITERT_LAYOUT, self._key)
        return os.path.join(self.cache_dir, name)

    def _runner(self, height, width):
        runner = self._runners.get((height, width))
        if runner is None:
            path = self.path(height, width)
            if not os.path.isfile(path):
                convert_tflite(self.module, path, height, width)
            with quiet():  # the interpreter's "Created TensorFlow Lite XNNPACK delegate" line on fd 2
                runner = open_runner("litert", path, layout=LITERT_LAYOUT, threads=1)
            self._runners[height, width] = runner
        return runner

    def __call__(self, lr):
        x = np.ascontiguousarray(lr, dtype=np.float32)[None, None]
        return self._runner(*lr.shape).infer(x)[0, 0]


def _litert_cache_key(module):
    """'edgesr-<v>_litert-torch-<v>_w<digest>': a new version or other weights never reuse a cached file."""
    try:
        converter = version("litert-torch")
    except PackageNotFoundError:
        converter = "unknown"
    digest = hashlib.sha1()
    for name, tensor in sorted(module.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return "edgesr-%s_litert-torch-%s_w%s" % (edgesr.__version__, converter, digest.hexdigest()[:10])


def _write_atomically(path, write):
    """``write(scratch_path)`` in a scratch folder beside ``path``, then the file put in place atomically."""
    folder = os.path.dirname(os.path.abspath(path))
    files.ensure_folder(folder)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".edgesr-") as scratch:
        tmp = os.path.join(scratch, os.path.basename(path))
        write(tmp)
        with open(tmp, "rb") as handle:
            files.write_bytes(path, handle.read())
    return path


def convert_tflite(module, path, height, width):
    """Write the FP32 static-shape .tflite of ``module`` for an LR input of height×width, atomically."""
    return _write_atomically(path, lambda tmp: convert_fp32(module, tmp, height, width, module.config.scale,
                                                            layout=LITERT_LAYOUT))


def export_dynamic_onnx(model_id, path, weights_dir=None):
    """Write a dynamic-H/W opset-17 ONNX file of ``model_id`` with the project's exporter (metadata
    included), atomically."""
    description = describe(model_id)
    module = build(description, weights_dir)
    return _write_atomically(path, lambda tmp: export_onnx(module, tmp, 32, 32, description.scale,
                                                           metadata_props(description), dynamic=True))


def check_runtime(runtime):
    """EdgesrError unless ``runtime`` can evaluate quality in this build."""
    if runtime not in RUNTIMES:
        raise EdgesrError("unknown runtime %r" % runtime, "use one of %s" % ", ".join(RUNTIMES))
    if runtime == "litert":
        missing = [name for name in LITERT_MODULES if importlib.util.find_spec(name) is None]
        if missing:
            raise MissingBackendError("%s (TFLite conversion for --runtime litert)" % ", ".join(missing),
                                      LITERT_INSTALL_HINT)


def open_predictor(runtime, model_id, weights_dir=None, cache_dir=None):
    """The predictor of ``model_id`` on ``runtime``."""
    check_runtime(runtime)
    if runtime == "torch":
        return TorchPredictor(model_id, weights_dir)
    if runtime == "litert":
        return LiteRTPredictor(model_id, weights_dir, cache_dir)
    return OnnxPredictor(model_id, weights_dir, cache_dir)
