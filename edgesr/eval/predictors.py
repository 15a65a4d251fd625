"""Run a model on one LR luma array with a chosen runtime: ``open_predictor(runtime, model)``.

``model`` is a model spec (zoo id, user factory, trained run; ``edgesr.models.source``) or a resolved
ModelSource.

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
from edgesr.models.source import ModelSource, resolve
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


def module_predictor(module):
    """H×W float32 LR → sH×sW float32 output (unclamped) of a PyTorch ``module``, run on the CPU."""

    def predict(lr):
        with torch.inference_mode():
            out = module(torch.from_numpy(np.ascontiguousarray(lr, dtype=np.float32))[None, None])
        return out[0, 0].numpy()

    return predict


class TorchPredictor:
    """The PyTorch module on the CPU, one thread per process (set by the caller)."""

    runtime = "torch"
    precision = PRECISION

    def __init__(self, model, weights_dir=None):
        self.module = source_of(model, weights_dir).build()
        self._predict = module_predictor(self.module)

    def __call__(self, lr):
        return self._predict(lr)


class OnnxPredictor:
    """A dynamic-H/W ONNX export of the model, run by onnxruntime on the CPU with one thread."""

    runtime = "onnxruntime"
    precision = PRECISION

    def __init__(self, model, weights_dir=None, cache_dir=None):
        source = source_of(model, weights_dir)
        cache_dir = cache_dir or os.path.join(tempfile.gettempdir(), "edgesr-eval-onnx")
        path = os.path.join(cache_dir, cache_stem(source) + ".onnx")
        if not os.path.isfile(path):
            export_dynamic_onnx(source, path)
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

    def __init__(self, model, weights_dir=None, cache_dir=None):
        source = source_of(model, weights_dir)
        self.model_id, self.scale = source.model_id, source.scale
        self.cache_dir = cache_dir or os.path.join(tempfile.gettempdir(), "edgesr-eval-litert")
        self.module = source.build()
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
                convert_tflite(self.module, path, height, width, self.scale)
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


def convert_tflite(module, path, height, width, scale):
    """Write the FP32 static-shape .tflite of ``module`` for an LR input of height×width, atomically."""
    return _write_atomically(path, lambda tmp: convert_fp32(module, tmp, height, width, scale, layout=LITERT_LAYOUT))


def source_of(model, weights_dir=None):
    """``model`` when it is a ModelSource, else the source its spec resolves to."""
    return model if isinstance(model, ModelSource) else resolve(model, weights_dir)


def cache_stem(source):
    """The cache file stem: a zoo id as is; a user or trained model's label with its weights digest, so a
    retrained model never reuses an old export."""
    if source.kind == "zoo":
        return source.model_id
    return "%s_%s" % (source.model_id, source.producer_version.rpartition("+")[2])


def export_dynamic_onnx(source, path):
    """Write a dynamic-H/W opset-17 ONNX file of a ModelSource with the project's exporter (metadata
    included), atomically."""
    description = source.description()
    module = source.build()
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


def open_predictor(runtime, model, weights_dir=None, cache_dir=None):
    """The predictor of ``model`` (a spec or a ModelSource) on ``runtime``."""
    check_runtime(runtime)
    if runtime == "torch":
        return TorchPredictor(model, weights_dir)
    if runtime == "litert":
        return LiteRTPredictor(model, weights_dir, cache_dir)
    return OnnxPredictor(model, weights_dir, cache_dir)
