"""TensorRT engines: the builder's version shim (8.5 on JetPack 5, 10.x elsewhere) and the metadata sidecar.

An engine only runs under the TensorRT version and on the GPU it was built with. Beside every
``<name>.engine`` the builder writes ``<name>.engine.json`` (schema ``edgesr-trt-engine/1``):
the TensorRT version, GPU name and compute capability, and the engine's sha256. ``check_engine``
compares it with this machine *before* TensorRT deserializes the bytes, so a mismatch is refused
with a clear message instead of TensorRT's "Version tag does not match". Runners load engines with
``load_engine_bytes``. The run-side API shim (bindings vs tensor API) is ``runners.tensorrt_api``.

Every function takes the ``tensorrt`` module (or a stand-in) as an argument, so the version logic
is unit-tested without TensorRT.
"""

import json
import os

from . import bundle as bundle_io
from .errors import EdgesrError, MissingBackendError
from .runners._imports import INSTALL_HINTS, import_first
from .runners.base import first_line
from .runners.cuda_memory import CUDA_RUNTIME_MODULES
from .runners.tensorrt_api import parse_version

ENGINE_SCHEMA = "edgesr-trt-engine/1"
SIDECAR_SUFFIX = ".json"
REBUILD_HINT = "rebuild it on this device: python3 -m edgesr_runtime build-engine BUNDLE"
NO_GPU_HINT = ("run on the Jetson / a CUDA machine with the NVIDIA driver; in Docker start the container with "
               "--runtime nvidia")


def import_tensorrt():
    """The tensorrt module, or MissingBackendError with the JetPack install command."""
    try:
        import tensorrt
    except ImportError:
        raise MissingBackendError("TensorRT", INSTALL_HINTS["tensorrt"])
    return tensorrt


# -- builder API differences ---------------------------------------------------------------------


def network_flags(trt):
    """create_network() flags: EXPLICIT_BATCH on TensorRT < 10 (ONNX needs it), 0 on 10+ (always explicit)."""
    if parse_version(trt.__version__)[0] >= 10:
        return 0
    return 1 << int(trt.NetworkDefinitionCreationFlag.EXPLICIT_BATCH)


def set_workspace(trt, config, workspace_mb):
    """Limit the builder workspace: set_memory_pool_limit (8.4+) or max_workspace_size (older)."""
    size = int(workspace_mb) << 20
    if callable(getattr(config, "set_memory_pool_limit", None)) and hasattr(trt, "MemoryPoolType"):
        config.set_memory_pool_limit(trt.MemoryPoolType.WORKSPACE, size)
        return "set_memory_pool_limit"
    config.max_workspace_size = size
    return "max_workspace_size"


def enable_fp16(trt, builder, config):
    """Turn on FP16 kernels; EdgesrError rather than a silent FP32 build when that is impossible."""
    flag = getattr(trt.BuilderFlag, "FP16", None)
    if flag is None:
        raise EdgesrError("TensorRT %s has no BuilderFlag.FP16 (strongly typed networks only)" % trt.__version__,
                          "build with --no-fp16, or use TensorRT 8.5-10.x")
    if not getattr(builder, "platform_has_fast_fp16", True):
        raise EdgesrError("this GPU has no fast FP16 (builder.platform_has_fast_fp16 is False)",
                          "build with --no-fp16 for an FP32 engine")
    config.set_flag(flag)


def disable_tf32(trt, config):
    """Keep an FP32 engine in true FP32: TensorRT turns TF32 on by default (Ampere and newer).

    TF32 rounds matmul/conv inputs to a 10-bit mantissa, far outside the fp32 parity tolerance.
    Returns True when the flag existed and was cleared (TensorRT 7.1+), False on a build without it.
    """
    flag = getattr(trt.BuilderFlag, "TF32", None)
    if flag is None:
        return False
    config.clear_flag(flag)
    return True


def attach_timing_cache(config, cache_bytes):
    """Give the builder a timing cache; returns (reused, note).

    ``reused`` is True when ``cache_bytes`` was accepted. A cache from another TensorRT release or
    GPU can make ``create_timing_cache`` return None or raise, or ``set_timing_cache`` refuse it; then
    the build gets a fresh cache and ``note`` says why (None when nothing was dropped).
    """
    if cache_bytes:
        try:
            cache = config.create_timing_cache(cache_bytes)
            if cache is not None and config.set_timing_cache(cache, False):
                return True, None
            reason = "TensorRT refused it"
        except Exception as err:  # noqa: BLE001 - TensorRT raises RuntimeError/TypeError by version
            reason = first_line(err)
        note = "timing cache ignored (%s: built by another TensorRT or GPU?); starting a fresh one" % reason
    else:
        note = None
    fresh = config.create_timing_cache(b"")
    if fresh is not None:
        config.set_timing_cache(fresh, False)
    return False, note


def serialize_timing_cache(config):
    """The builder's timing cache as bytes (b"" when it has none)."""
    cache = config.get_timing_cache()
    return bytes(memoryview(cache.serialize())) if cache is not None else b""


def parse_onnx(trt, builder, logger, onnx_bytes, network):
    """Fill ``network`` from ONNX bytes; EdgesrError listing the parser errors."""
    parser = trt.OnnxParser(network, logger)
    if parser.parse(onnx_bytes):
        return parser
    errors = [str(parser.get_error(i)) for i in range(parser.num_errors)]
    raise EdgesrError("TensorRT %s cannot parse the ONNX: %s" % (trt.__version__, "; ".join(errors) or "unknown"),
                      "export with the default opset 17 (TensorRT 8.5 supports up to 17)")


def build_serialized(builder, network, config):
    """The serialized engine as bytes; EdgesrError when TensorRT returns nothing."""
    blob = builder.build_serialized_network(network, config)
    if blob is None:
        raise EdgesrError("TensorRT could not build the engine (see its log above)",
                          "try a larger --workspace, or --no-fp16")
    return bytes(memoryview(blob))


# -- the machine ---------------------------------------------------------------------------------


def gpu_properties(device=0):
    """{"gpu": name, "compute_capability": "7.2"} from pycuda, else cuda-python.

    cuda-python is tried as ``cuda.bindings.runtime`` (12.x+) and ``cuda.cudart`` (11.x, JetPack 5).
    MissingBackendError when neither is installed; EdgesrError, never a traceback, when one is
    installed but sees no GPU (e.g. a container started without the NVIDIA runtime).
    """
    failures = []
    for name, query in (("pycuda", _pycuda_properties), ("cuda-python", _cuda_python_properties)):
        try:
            return query(device)
        except MissingBackendError:
            continue
        except Exception as err:  # noqa: BLE001 - cuda.init() raises pycuda's LogicError/RuntimeError etc.
            failures.append("%s: %s" % (name, first_line(err)))
    if not failures:
        raise MissingBackendError("pycuda or cuda-python", INSTALL_HINTS["cuda"])
    raise EdgesrError("CUDA cannot see GPU %d (%s)" % (device, "; ".join(failures)), NO_GPU_HINT)


def _pycuda_properties(device):
    cuda, _ = import_first(["pycuda.driver"], "pycuda", INSTALL_HINTS["cuda"])
    cuda.init()
    dev = cuda.Device(device)
    return {"gpu": str(dev.name()), "compute_capability": "%d.%d" % tuple(dev.compute_capability())}


def _cuda_python_properties(device):
    runtime, _ = import_first(CUDA_RUNTIME_MODULES, "cuda-python", INSTALL_HINTS["cuda"])
    err, props = runtime.cudaGetDeviceProperties(device)
    if int(err) != 0:
        raise EdgesrError("cudaGetDeviceProperties returned %s" % (err,))
    name = props.name.decode() if isinstance(props.name, bytes) else str(props.name)
    return {"gpu": name.rstrip("\x00"), "compute_capability": "%d.%d" % (props.major, props.minor)}


def current_platform(trt=None, gpu=None):
    """What an engine built here would record: TensorRT version + GPU name + compute capability."""
    trt = trt or import_tensorrt()
    platform = {"tensorrt": str(trt.__version__)}
    platform.update(gpu if gpu is not None else gpu_properties())
    return platform


def platform_problems(recorded, current):
    """Why an engine built on ``recorded`` cannot run on ``current`` ([] = compatible).

    TensorRT engines are tied to the exact TensorRT release (major.minor.patch) and to the GPU
    model; the compute capability is compared as well for a clearer message.
    """
    problems = []
    if parse_version(recorded.get("tensorrt", "0"))[:3] != parse_version(current.get("tensorrt", "0"))[:3]:
        problems.append("built with TensorRT %s, this machine has %s" % (recorded.get("tensorrt"),
                                                                        current.get("tensorrt")))
    if recorded.get("compute_capability") != current.get("compute_capability"):
        problems.append("built for compute capability %s, this GPU is %s" % (
            recorded.get("compute_capability"), current.get("compute_capability")))
    if recorded.get("gpu") != current.get("gpu"):
        problems.append("built on %r, this GPU is %r" % (recorded.get("gpu"), current.get("gpu")))
    return problems


# -- the engine file and its sidecar -------------------------------------------------------------


def sidecar_path(engine_path):
    return str(engine_path) + SIDECAR_SUFFIX


def write_engine(engine_path, engine_bytes, platform, extra=None):
    """Write the engine and its sidecar JSON; returns the sidecar dict."""
    tmp = str(engine_path) + ".partial"
    with open(tmp, "wb") as handle:
        handle.write(engine_bytes)
    os.replace(tmp, str(engine_path))
    meta = {"schema": ENGINE_SCHEMA, "engine": os.path.basename(str(engine_path)),
            "sha256": bundle_io.sha256_file(engine_path), "bytes": len(engine_bytes),
            "built_at": bundle_io.utc_now()}
    meta.update(platform)
    meta.update(extra or {})
    bundle_io.write_json(sidecar_path(engine_path), meta)
    return meta


def read_engine_metadata(engine_path):
    """The sidecar dict of an engine; EdgesrError when it is missing or unreadable."""
    path = sidecar_path(engine_path)
    if not os.path.isfile(path):
        raise EdgesrError("%s has no metadata file %s, so its TensorRT version and GPU are unknown"
                          % (os.path.basename(str(engine_path)), os.path.basename(path)), REBUILD_HINT)
    try:
        with open(path) as handle:
            meta = json.load(handle)
    except ValueError as err:
        raise EdgesrError("%s is not valid JSON (%s)" % (path, err), REBUILD_HINT)
    if meta.get("schema") != ENGINE_SCHEMA:
        raise EdgesrError("%s has schema %r, expected %r" % (path, meta.get("schema"), ENGINE_SCHEMA), REBUILD_HINT)
    return meta


def check_engine(engine_path, current=None):
    """The engine's metadata after checking its sha256 and that it was built for this machine.

    ``current`` (from current_platform) defaults to this machine; EdgesrError on any mismatch.
    """
    meta = read_engine_metadata(engine_path)
    name = os.path.basename(str(engine_path))
    if not os.path.isfile(str(engine_path)):
        raise EdgesrError("%s is missing" % name, REBUILD_HINT)
    if os.path.getsize(str(engine_path)) != meta.get("bytes") or bundle_io.sha256_file(engine_path) != meta.get(
            "sha256"):
        raise EdgesrError("%s does not match the sha256 in %s (truncated or replaced)" % (name, name + SIDECAR_SUFFIX),
                          REBUILD_HINT)
    problems = platform_problems(meta, current if current is not None else current_platform())
    if problems:
        raise EdgesrError("%s cannot run here: %s" % (name, "; ".join(problems)), REBUILD_HINT)
    return meta


def load_engine_bytes(engine_path, current=None):
    """The engine bytes, after check_engine: what a TensorRT runner should deserialize."""
    check_engine(engine_path, current)
    with open(str(engine_path), "rb") as handle:
        return handle.read()
