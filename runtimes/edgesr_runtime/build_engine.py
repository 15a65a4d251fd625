"""``build-engine BUNDLE``: build a bundle's TensorRT engine on the device, then check it (no torch).

Engines are not portable across GPUs or TensorRT releases, so ``edgesr export --target jetson``
ships the ONNX and this command builds ``model_fp16.engine`` on the Jetson itself (TensorRT 8.5
on JetPack 5; 10.x works too), with a timing cache kept in the bundle folder for faster rebuilds.
"""

import os
import sys
import time

from . import bundle as bundle_io
from . import check as check_mod
from .errors import EdgesrError
from .tensorrt_engine import (attach_timing_cache, build_serialized, current_platform, disable_tf32, enable_fp16,
                              import_tensorrt, network_flags, parse_onnx, serialize_timing_cache, set_workspace,
                              write_engine)

DEFAULT_WORKSPACE_MB = 1024
TIMING_CACHE = "timing.cache"


def _require_static(network):
    for i in range(network.num_inputs):
        shape = tuple(network.get_input(i).shape)
        if any(int(d) < 0 for d in shape):
            raise EdgesrError("the ONNX input has dynamic dims %s; build-engine builds static engines" % (shape,),
                              "export a static ONNX: edgesr export --target jetson --resolution WxH")


def _read(path):
    if path and os.path.isfile(path):
        with open(path, "rb") as handle:
            return handle.read()
    return b""


def build_engine(onnx_path, engine_path, fp16=True, workspace_mb=DEFAULT_WORKSPACE_MB, timing_cache=None,
                 trt=None, gpu=None, log=None):
    """Build ``engine_path`` (+ its .json sidecar) from an ONNX file; returns the sidecar dict.

    ``trt`` and ``gpu`` default to the installed TensorRT and this GPU (tests pass stand-ins).
    """
    log = log or (lambda message: None)
    trt = trt or import_tensorrt()
    platform = current_platform(trt, gpu)
    logger = trt.Logger(trt.Logger.WARNING)
    builder = trt.Builder(logger)
    network = builder.create_network(network_flags(trt))
    parse_onnx(trt, builder, logger, _read(onnx_path), network)
    _require_static(network)
    config = builder.create_builder_config()
    workspace_api = set_workspace(trt, config, workspace_mb)
    if fp16:
        enable_fp16(trt, builder, config)
    else:
        disable_tf32(trt, config)  # TF32 (on by default, Ampere+) would break the fp32 parity tolerance
    cache_reused, cache_note = attach_timing_cache(config, _read(timing_cache))
    if cache_note:
        log(cache_note)
    log("building %s with TensorRT %s on %s (%s, workspace %d MB via %s, timing cache %s)" % (
        os.path.basename(str(engine_path)), trt.__version__, platform.get("gpu"), "FP16" if fp16 else "FP32",
        workspace_mb, workspace_api, "reused" if cache_reused else "new"))
    started = time.time()
    engine = build_serialized(builder, network, config)
    seconds = round(time.time() - started, 2)
    extra = {"precision": "fp16" if fp16 else "fp32", "workspace_mb": int(workspace_mb),
             "onnx": os.path.basename(str(onnx_path)), "onnx_sha256": bundle_io.sha256_file(onnx_path),
             "build_seconds": seconds, "timing_cache_reused": bool(cache_reused)}
    meta = write_engine(engine_path, engine, platform, extra)  # first: a failed cache write must not lose it
    if timing_cache:
        _save_timing_cache(timing_cache, config, log)
    return meta


def _save_timing_cache(path, config, log):
    """Write the builder's timing cache atomically; a failure is only a note (the engine is already written)."""
    tmp = str(path) + ".partial"
    try:
        data = serialize_timing_cache(config)
        with open(tmp, "wb") as handle:
            handle.write(data)
        os.replace(tmp, str(path))
    except Exception as err:  # noqa: BLE001 - OSError, or TensorRT failing to serialize
        log("timing cache not saved to %s (%s); the engine is fine, the next build starts a new cache" % (path, err))


def _engine_entry(manifest, precision):
    """The manifest entry for a ``precision`` engine, created from the planned engine entry if needed."""
    engines = [a for a in manifest.get("artifacts", []) if a.get("format") == "tensorrt"]
    if not engines:
        raise EdgesrError("this bundle plans no TensorRT engine (target %s)" % manifest.get("target"),
                          "export one with: edgesr export --target jetson --model %s" % manifest["model"]["id"])
    for entry in engines:
        if entry.get("precision") == precision:
            return entry
    entry = dict(engines[0], name="tensorrt-%s" % precision, file="model_%s.engine" % precision,
                 precision=precision, status="pending", valid=None)
    entry.pop("parity", None)
    manifest["artifacts"].append(entry)
    return entry


def _fp16_gate(manifest, ignore):
    report = manifest.get("fp16_check")
    if report and not report.get("passed") and not ignore:
        raise EdgesrError("the export-time FP16 check flagged this model: %s" % report.get("summary", "overflow"),
                          "build an FP32 engine with --no-fp16, or accept the risk with --ignore-fp16-check")


def build_bundle_engine(bundle_dir, fp16=None, workspace_mb=DEFAULT_WORKSPACE_MB, timing_cache=None,
                        ignore_fp16_check=False, run_check=True, trt=None, gpu=None, log=None):
    """Build the bundle's engine, record it in manifest.json and (by default) check it; returns (entry, result)."""
    bundle_dir = str(bundle_dir)
    manifest = bundle_io.verify_bundle(bundle_dir)
    planned = [a for a in manifest.get("artifacts", []) if a.get("format") == "tensorrt"]
    precision = ("fp16" if fp16 else "fp32") if fp16 is not None else (planned[0]["precision"] if planned else "fp16")
    entry = _engine_entry(manifest, precision)
    if precision == "fp16":
        _fp16_gate(manifest, ignore_fp16_check)
    source = bundle_io.find_artifact(manifest, entry.get("source", "onnx-fp32"))
    engine_path = bundle_io.artifact_file(bundle_dir, entry)
    meta = build_engine(bundle_io.artifact_file(bundle_dir, source), engine_path, fp16=precision == "fp16",
                        workspace_mb=workspace_mb, timing_cache=timing_cache or os.path.join(bundle_dir, TIMING_CACHE),
                        trt=trt, gpu=gpu, log=log)
    entry.update(status="built", valid=None, engine={k: meta[k] for k in ("tensorrt", "gpu", "compute_capability",
                                                                          "built_at", "build_seconds")})
    entry.pop("parity", None)
    bundle_io.refresh_files(bundle_dir, manifest, [entry["file"], entry["file"] + ".json"])
    bundle_io.save_manifest(bundle_dir, manifest)
    result = None
    if run_check:
        samples = bundle_io.load_golden(os.path.join(bundle_dir, manifest["golden"]["file"]))
        result = check_mod.check_artifact(bundle_dir, entry, samples)
        entry["parity"] = check_mod.parity_record(result)
        entry["valid"] = result["status"] == check_mod.PASS
        bundle_io.save_manifest(bundle_dir, manifest)
    return entry, result


def add_arguments(parser):
    """The ``build-engine`` arguments (shared by ``edgesr build-engine`` and the device CLI)."""
    parser.add_argument("bundle", help="a bundle from `edgesr export --target jetson`")
    precision = parser.add_mutually_exclusive_group()
    precision.add_argument("--fp16", dest="fp16", action="store_true", default=None,
                           help="FP16 engine (the jetson default)")
    precision.add_argument("--no-fp16", dest="fp16", action="store_false", help="FP32 engine")
    parser.add_argument("--workspace", type=int, default=DEFAULT_WORKSPACE_MB, metavar="MB",
                        help="builder workspace limit in MiB (default %d)" % DEFAULT_WORKSPACE_MB)
    parser.add_argument("--timing-cache", metavar="PATH",
                        help="timing cache file (default BUNDLE/%s; reused when it fits this TensorRT)" % TIMING_CACHE)
    parser.add_argument("--ignore-fp16-check", action="store_true",
                        help="build FP16 even though the export-time FP16 range check flagged an overflow")
    parser.add_argument("--no-check", dest="run_check", action="store_false",
                        help="do not run the golden-data parity check after the build")


def run(args):
    """Run ``build-engine`` from parsed arguments; returns the exit code."""
    def log(message):
        print(message, file=sys.stderr)

    entry, result = build_bundle_engine(args.bundle, fp16=args.fp16, workspace_mb=args.workspace,
                                        timing_cache=args.timing_cache, ignore_fp16_check=args.ignore_fp16_check,
                                        run_check=args.run_check, log=log)
    print("wrote %s (TensorRT %s, %s, compute capability %s)" % (
        os.path.join(args.bundle, entry["file"]), entry["engine"]["tensorrt"], entry["engine"]["gpu"],
        entry["engine"]["compute_capability"]))
    if result is None:
        return 0
    manifest = bundle_io.load_manifest(args.bundle)
    print(check_mod.format_table(manifest, [result]))
    return check_mod.exit_code([result])
