"""Export targets as data: each target lists its device profile, artifacts, precisions and options.

One table drives validation, the exporter and the bundle README (cf. Ultralytics' export_formats()).
Unknown targets or options get did-you-mean errors; an option a target cannot honour is refused,
never silently dropped.
"""

import difflib
from dataclasses import dataclass, field
from typing import Callable, Optional, Tuple

from edgesr_runtime.errors import EdgesrError

from edgesr_export import int8_recipes
from edgesr_export.resolution import parse_resolution


@dataclass(frozen=True)
class Profile:
    """The device a target is meant for, and how to install the runtime there."""

    name: str
    device: str
    software: str
    python: str
    install: Tuple[str, ...]
    notes: str = ""


@dataclass(frozen=True)
class ArtifactSpec:
    """One file of a bundle. ``producer`` names the exporter step that writes it."""

    name: str
    file: str
    format: str  # onnx | tflite | tensorrt | filterbank (only for models that are a filter bank)
    runtime: str  # onnxruntime | litert | tensorrt | opencv
    precision: str  # fp32 | fp16 | int8
    producer: str
    always: bool = False  # shipped whatever --precision selects (the source of an on-device build)
    requires: Tuple[str, ...] = ()  # artifacts it is made from (added when it is selected)
    on_device: bool = False  # built on the device by `edgesr build-engine`
    host_modules: Tuple[str, ...] = ()  # Python modules the host needs to produce it


@dataclass(frozen=True)
class OptionSpec:
    """An export option: its default, how to parse the CLI text, and what it means."""

    name: str
    default: object
    help: str
    parse: Callable = str
    choices: Optional[Tuple] = None


@dataclass(frozen=True)
class Target:
    name: str
    description: str
    profile: Profile
    artifacts: Tuple[ArtifactSpec, ...]
    default_precisions: Tuple[str, ...]
    options: Tuple[str, ...]
    aliases: Tuple[str, ...] = ()
    checks: Tuple[str, ...] = ()  # extra host checks, e.g. "fp16_range"
    defaults: dict = field(default_factory=dict)  # per-target option defaults

    @property
    def precisions(self):
        return tuple(dict.fromkeys(a.precision for a in self.artifacts if not a.always))


def _positive_int(text):
    value = int(text)
    if value < 1:
        raise ValueError("must be >= 1")
    return value


def _bool(value):
    if isinstance(value, bool):
        return value
    return str(value).lower() in ("1", "true", "yes", "on")


def _precision_list(value):
    items = value if isinstance(value, (list, tuple)) else str(value).split(",")
    return tuple(dict.fromkeys(str(v).strip().lower() for v in items if str(v).strip()))


def _upper(text):
    return str(text).upper()


OPTIONS = {
    o.name: o
    for o in (
        OptionSpec("resolution", (1920, 1080), "output size WxH (default 1920x1080: Full HD); must be divisible "
                   "by the scale", parse_resolution),
        OptionSpec("graph", "optimised", "optimised: each module's exact deployment form where it offers one "
                   "(faster on the runtime, proven by the same parity gate); reference: the literal module",
                   str.lower, ("optimised", "reference")),
        OptionSpec("dynamic", False, "dynamic input height/width in the ONNX (static by default)", _bool),
        OptionSpec("opset", 17, "ONNX opset for the legacy TorchScript exporter (17: newest TensorRT 8.5 parses)",
                   int, tuple(range(11, 18))),
        OptionSpec("precision", None, "comma-separated subset of the target's precisions", _precision_list),
        OptionSpec("layout", "NHWC", "TFLite I/O layout (NHWC is native to LiteRT)", _upper, ("NHWC", "NCHW")),
        OptionSpec("golden", 1, "golden image mosaics from Set5+Set14 (one random input is always added)",
                   _positive_int),
        OptionSpec("calibration", 8, "T91 luma mosaics for INT8 calibration (jetson: extra inputs of the FP16 "
                   "range check, default 2)", _positive_int),
        OptionSpec("validation", 4, "Set5+Set14 mosaics for the INT8 PSNR drop against FP32", _positive_int),
        OptionSpec("int8_recipes", int8_recipes.DEFAULT_RECIPES, "INT8 recipes tried in this order, the first within "
                   "--int8-max-drop is kept: static (int8 compute and I/O), dynamic (int8 weights, activations "
                   "quantised at run time), weight_only (int8 weights, float compute); *_exp_float keep the softmax "
                   "logits float, *_gptq round the conv weights error-compensated (docs/int8.md)",
                   int8_recipes.parse_recipes),
        OptionSpec("int8_max_drop", int8_recipes.DEFAULT_MAX_DROP_DB, "largest PSNR drop (dB) against FP32 an INT8 "
                   "artifact may cost; above it with every recipe, the artifact is refused", float),
    )
}

JETSON = Profile(
    "jetson-agx-xavier", "NVIDIA Jetson AGX Xavier (Volta GPU, compute capability 7.2)",
    "JetPack 5.1.x (L4T r35), TensorRT 8.5.2, CUDA 11.4", "3.8",
    ("sudo apt install python3-pip python3-libnvinfer",
     "export CUDA_ROOT=/usr/local/cuda PATH=/usr/local/cuda/bin:$PATH",  # pycuda's setup needs nvcc
     'pip3 install "pycuda<2024.2" ./runtimes'),
    "engines are built on the Xavier itself: they do not move between GPUs or TensorRT releases",
)
RPI = Profile(
    "rpi400", "Raspberry Pi 400 (4x Cortex-A72, ARMv8.0: no FP16 arithmetic)", "64-bit Raspberry Pi OS (bookworm)",
    "3.11", ('pip install "./runtimes[litert,onnxruntime,opencv]"',),
    "FP16 files only halve the size on the Pi (computed in FP32); 32-bit Pi OS has no LiteRT/ORT wheels",
)
HOST = Profile("host-cpu", "this machine's CPU", "any OS with Python 3.8+", "3.8+",
               ('pip install "./runtimes[litert,onnxruntime,opencv]"',))

ONNX_FP32 = ArtifactSpec("onnx-fp32", "model.onnx", "onnx", "onnxruntime", "fp32", "onnx")
TFLITE_FP32 = ArtifactSpec("tflite-fp32", "model_fp32.tflite", "tflite", "litert", "fp32", "tflite_fp32",
                           host_modules=("litert_torch",))
TFLITE_FP16 = ArtifactSpec("tflite-fp16", "model_fp16.tflite", "tflite", "litert", "fp16", "tflite_fp16",
                           requires=("tflite-fp32",), host_modules=("litert_torch", "ai_edge_quantizer"))
TFLITE_INT8 = ArtifactSpec("tflite-int8", "model_int8.tflite", "tflite", "litert", "int8", "tflite_int8",
                           requires=("tflite-fp32",), host_modules=("litert_torch", "ai_edge_quantizer"))
TRT_FP16 = ArtifactSpec("tensorrt-fp16", "model_fp16.engine", "tensorrt", "tensorrt", "fp16", "engine_plan",
                        requires=("onnx-fp32",), on_device=True)
TRT_FP32 = ArtifactSpec("tensorrt-fp32", "model_fp32.engine", "tensorrt", "tensorrt", "fp32", "engine_plan",
                        requires=("onnx-fp32",), on_device=True)
OPENCV_FP32 = ArtifactSpec("opencv-fp32", "model.filters.npz", "filterbank", "opencv", "fp32", "filterbank")
JETSON_ONNX = ArtifactSpec("onnx-fp32", "model.onnx", "onnx", "onnxruntime", "fp32", "onnx", always=True)

_TFLITE_OPTIONS = ("resolution", "graph", "opset", "precision", "layout", "golden", "calibration", "validation",
                   "int8_recipes", "int8_max_drop")

TARGETS = {
    t.name: t
    for t in (
        Target("onnx", "plain ONNX (legacy exporter, opset 17), checked on ONNX Runtime CPU", HOST, (ONNX_FP32,),
               ("fp32",), ("resolution", "graph", "dynamic", "opset", "golden")),
        Target("jetson", "Jetson AGX Xavier: ONNX + FP16 TensorRT engine built on the device", JETSON,
               (JETSON_ONNX, TRT_FP16, TRT_FP32), ("fp16",),
               ("resolution", "graph", "opset", "precision", "golden", "calibration"),
               aliases=("xavier", "tensorrt", "trt", "engine"), checks=("fp16_range",), defaults={"calibration": 2}),
        Target("rpi", "Raspberry Pi 400: TFLite FP32/FP16/INT8 (LiteRT) and ONNX (ONNX Runtime CPU)", RPI,
               (ONNX_FP32, TFLITE_FP32, TFLITE_FP16, TFLITE_INT8, OPENCV_FP32), ("fp32", "fp16", "int8"),
               _TFLITE_OPTIONS, aliases=("pi", "rpi400", "raspberrypi")),
        Target("cpu", "this host: ONNX Runtime + LiteRT on the CPU", HOST,
               (ONNX_FP32, TFLITE_FP32, TFLITE_FP16, TFLITE_INT8, OPENCV_FP32), ("fp32",), _TFLITE_OPTIONS,
               aliases=("host",)),
    )
}


def _did_you_mean(word, candidates):
    close = difflib.get_close_matches(str(word), list(candidates), n=2, cutoff=0.5)
    return "; did you mean %s?" % " or ".join(repr(c) for c in close) if close else ""


def get_target(name):
    """The Target called ``name`` (or one of its aliases); EdgesrError with a did-you-mean hint otherwise."""
    key = str(name).strip().lower()
    for target in TARGETS.values():
        if key == target.name or key in target.aliases:
            return target
    names = list(TARGETS) + [a for t in TARGETS.values() for a in t.aliases]
    raise EdgesrError("unknown export target %r%s" % (name, _did_you_mean(key, names)),
                      "use one of: %s" % ", ".join(TARGETS))


def resolve_options(target, given=None):
    """All options of ``target`` with defaults filled in; ``given`` holds only what the user set.

    Unknown option names get a did-you-mean error; options the target does not accept are refused.
    """
    resolved = {name: target.defaults.get(name, OPTIONS[name].default) for name in target.options}
    for name, raw in (given or {}).items():
        if raw is None:
            continue
        if name not in OPTIONS:
            raise EdgesrError("unknown export option %r%s" % (name, _did_you_mean(name, OPTIONS)),
                              "options: %s" % ", ".join(OPTIONS))
        spec = OPTIONS[name]
        if name not in target.options:
            raise EdgesrError("target %s does not take option %r (%s)" % (target.name, name, spec.help),
                              "options of %s: %s" % (target.name, ", ".join(target.options)))
        try:
            value = spec.parse(raw)
        except ValueError as err:
            raise EdgesrError("bad value %r for option %r: %s" % (raw, name, err), spec.help)
        if spec.choices and value not in spec.choices:
            raise EdgesrError("option %r must be one of %s, not %r" % (name, ", ".join(map(str, spec.choices)), raw),
                              spec.help)
        resolved[name] = value
    if "precision" in target.options:
        resolved["precision"] = _check_precisions(target, resolved["precision"] or target.default_precisions)
    else:
        resolved["precision"] = target.default_precisions
    return resolved


def _check_precisions(target, precisions):
    bad = [p for p in precisions if p not in target.precisions]
    if bad:
        raise EdgesrError("target %s has no %s precision%s" % (target.name, ", ".join(bad),
                                                                _did_you_mean(bad[0], target.precisions)),
                          "choose from: %s" % ", ".join(target.precisions))
    return tuple(precisions)


def select_artifacts(target, precisions):
    """The target's artifacts for the chosen precisions, plus the ones they are made from, in table order."""
    by_name = {a.name: a for a in target.artifacts}
    wanted = {a.name for a in target.artifacts if a.always or a.precision in precisions}
    pending = list(wanted)
    while pending:
        for required in by_name[pending.pop()].requires:
            if required not in wanted:
                wanted.add(required)
                pending.append(required)
    return [a for a in target.artifacts if a.name in wanted]
