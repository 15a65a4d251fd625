"""Latency + power harness: ``python -m edgesr_runtime.bench MODEL_FILE`` (numpy + one runtime, no torch).

Method (trtexec-like): frames at the model's LR size for a Full-HD output (14 distinct frames by
default, as the paper's 14 Full-HD outputs, cycled), a time-based warm-up (200 ms), then a timed
window that lasts at least ``duration_s`` (3 s) AND ``min_iterations`` (10). Every timed iteration
is kept in ``trace_ms``. The power meter is started right before the first timed iteration and
stopped right after the last (MLPerf rule); CPU usage is process CPU time / wall time over the
same window. See ``stats`` for the statistics and the fps definition.
"""

import argparse
import collections
import datetime
import json
import os
import re
import sys
import time

import numpy as np

from . import stats
from .environment import capture_environment
from .errors import EdgesrError

SCHEMA = "edgesr-bench/1"
FULL_HD = (1080, 1920)
DEFAULT_WARMUP_MS = 200.0
DEFAULT_DURATION_S = 3.0
DEFAULT_MIN_ITERATIONS = 10
DEFAULT_FRAMES = 14

Timing = collections.namedtuple("Timing", "trace_ms warmup_iterations warmup_elapsed_ms duration_s cpu_s power")


# ----------------------------------------------------------------------------------------------
# inputs


def scale_from_model_id(model_id):
    """The upscaling factor named in a zoo id ("eSR-TM_s2_K7_C16" -> 2), else None."""
    match = re.search(r"_s(\d+)(?:_|$)", model_id or "")
    return int(match.group(1)) if match else None


def nchw_shape(meta):
    """A runner's input shape (file layout, None = dynamic) as (N, C, H, W)."""
    shape = tuple(meta.shape)
    return (shape[0], shape[3], shape[1], shape[2]) if meta.layout == "NHWC" else shape


def input_shape_for(meta, input_size=None, scale=None, model_id=None):
    """The N×1×H×W benchmark input: ``input_size`` (h, w), else the file's static size, else Full HD / scale."""
    n, _, h, w = nchw_shape(meta)
    if input_size is None and h is not None and w is not None:
        input_size = (h, w)
    if input_size is None:
        scale = scale or scale_from_model_id(model_id)
        if not scale:
            raise EdgesrError("the model has dynamic H/W and its scale is unknown",
                              "pass --scale S (or --input-size HxW, or a zoo --model-id like eSR-TM_s2_K7_C16)")
        input_size = (FULL_HD[0] // scale, FULL_HD[1] // scale)
    return (n or 1, 1, int(input_size[0]), int(input_size[1]))


def make_frames(shape, count=DEFAULT_FRAMES, end_to_end=False, seed=0):
    """``count`` distinct frames: N×1×H×W float32 in [0, 1], or H×W×3 uint8 RGB for the end-to-end path."""
    rng = np.random.default_rng(seed)
    if end_to_end:
        return [rng.integers(0, 256, size=(shape[2], shape[3], 3), dtype=np.uint8) for _ in range(count)]
    return [rng.random(shape, dtype=np.float32) for _ in range(count)]


# ----------------------------------------------------------------------------------------------
# the timed loop


def time_loop(fn, frames, warmup_ms=DEFAULT_WARMUP_MS, duration_s=DEFAULT_DURATION_S,
              min_iterations=DEFAULT_MIN_ITERATIONS, meter=None, clock=time.perf_counter):
    """Call ``fn(frame)`` cycling through ``frames``: warm-up, then the timed window. Returns a Timing.

    Warm-up runs until ``warmup_ms`` has passed (none when 0) and is not in the trace. The window
    ends when both ``duration_s`` and ``min_iterations`` are reached; the meter brackets it exactly.
    """
    if not frames:
        raise EdgesrError("no input frames", "use --frames 1 or more")
    count, index = len(frames), 0
    start = clock()
    while (clock() - start) * 1e3 < warmup_ms:
        fn(frames[index % count])
        index += 1
    warmup_elapsed_ms = (clock() - start) * 1e3
    warmup_iterations, trace = index, []
    if meter is not None:
        meter.start()
    cpu0, t_start = stats.cpu_seconds(), clock()
    try:
        while True:
            t0 = clock()
            fn(frames[index % count])
            t1 = clock()
            trace.append((t1 - t0) * 1e3)
            index += 1
            if len(trace) >= min_iterations and t1 - t_start >= duration_s:
                break
    except BaseException:
        if meter is not None:
            meter.stop()  # end the window (and any sampling thread) before the error propagates
        raise
    wall = clock() - t_start
    cpu = stats.cpu_seconds() - cpu0
    power = meter.stop() if meter is not None else None
    return Timing(trace, warmup_iterations, warmup_elapsed_ms, wall, cpu, power)


# ----------------------------------------------------------------------------------------------
# the result


def _power_fields(power, iterations):
    """power_w and energy_mj_per_frame: numbers only from an ``ok`` reading, else None (never 0)."""
    if power is None or power.status != "ok" or power.avg_w is None:
        return None, None
    energy_j = power.energy_j if power.energy_j is not None else power.avg_w * power.duration_s
    return power.avg_w, 1000.0 * energy_j / iterations


def build_result(runner, timing, input_shape, output_shape, model_id=None, artifact=None, settings=None,
                 pipeline=None, idle=None):
    """The ``edgesr-bench/1`` JSON object for one measured run."""
    latency = stats.summarize(timing.trace_ms)
    power_w, energy = _power_fields(timing.power, len(timing.trace_ms))
    return {
        "schema": SCHEMA,
        "model": model_id or runner.name,
        "runtime": runner.runtime,
        "precision": runner.precision,
        "artifact": artifact,
        "mode": "end-to-end" if pipeline is not None else "model",
        "input_shape": list(input_shape),
        "output_shape": list(output_shape),
        "threads": runner.threads,
        "latency_ms": latency,
        "fps": stats.fps(latency["mean"]),
        "iterations": len(timing.trace_ms),
        "warmup": {"iterations": timing.warmup_iterations, "elapsed_ms": timing.warmup_elapsed_ms},
        "duration_s": timing.duration_s,
        "cpu_usage_pct": stats.cpu_usage_pct(timing.cpu_s, timing.duration_s),
        "peak_rss_mb": stats.peak_rss_mb(),
        "power_w": power_w,
        "energy_mj_per_frame": energy,
        "power": timing.power.to_dict() if timing.power is not None else None,
        "idle_power_w": idle.avg_w if idle is not None and idle.status == "ok" else None,
        "idle_power": idle.to_dict() if idle is not None else None,
        "settings": dict(settings or {}),
        "runner": runner.describe(),
        "pipeline": pipeline.describe() if pipeline is not None else None,
        "trace_ms": [round(t, 6) for t in timing.trace_ms],
        "environment": capture_environment(),
        "created_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def benchmark(runner, model_id=None, artifact=None, frames=DEFAULT_FRAMES, warmup_ms=DEFAULT_WARMUP_MS,
              duration_s=DEFAULT_DURATION_S, min_iterations=DEFAULT_MIN_ITERATIONS, meter=None, idle_s=0.0,
              end_to_end=False, chroma="auto", input_size=None, scale=None, seed=0, clock=time.perf_counter):
    """Measure a loaded Runner and return the result dict (see build_result). ``meter``: a PowerMeter or None."""
    shape = input_shape_for(runner.input_metadata(), input_size, scale, model_id or runner.name)
    inputs = make_frames(shape, frames, end_to_end, seed)
    pipeline = None
    fn = runner.infer
    if end_to_end:
        from .runners.endtoend import EndToEnd

        pipeline = fn = EndToEnd(runner, chroma)
    output_shape = runner.infer(make_frames(shape, 1)[0]).shape
    idle = None
    if meter is not None and idle_s > 0:
        from .power import measure_idle

        idle = measure_idle(meter, idle_s)
    timing = time_loop(fn, inputs, warmup_ms, duration_s, min_iterations, meter, clock)
    settings = {"warmup_ms": warmup_ms, "duration_s": duration_s, "min_iterations": min_iterations,
                "frames": frames, "seed": seed, "idle_s": idle_s}
    return build_result(runner, timing, shape, output_shape, model_id, artifact, settings, pipeline, idle)


# ----------------------------------------------------------------------------------------------
# the printed summary


def _shape_text(shape):
    return "x".join(str(d) for d in shape)


def _power_text(result):
    power = result.get("power") or {}
    if result.get("power_w") is None:
        return "Power: unavailable (%s)" % (power.get("reason") or "no meter")
    text = "Power: %.3f W avg (%s), %.3f mJ/frame" % (result["power_w"], power.get("source"),
                                                       result["energy_mj_per_frame"])
    if result.get("idle_power_w") is not None:
        text += "; idle %.3f W, above idle %.3f W" % (result["idle_power_w"],
                                                      result["power_w"] - result["idle_power_w"])
    return text


def format_summary(result):
    """A trtexec-like text summary of a result dict."""
    lat = result["latency_ms"]
    return "\n".join([
        "=== Performance summary ===",
        "Model: %s (%s, %s, %s), %s input %s -> %s, threads %s" % (
            result["model"], result["runtime"], result["precision"], result.get("artifact"), result["mode"],
            _shape_text(result["input_shape"]), _shape_text(result["output_shape"]),
            result.get("threads") or "default"),
        "Throughput: %.3f fps (1000 / mean latency)" % result["fps"],
        "Latency: min = %.4f ms, max = %.4f ms, mean = %.4f ms, median = %.4f ms, percentile(90%%) = %.4f ms, "
        "percentile(95%%) = %.4f ms, percentile(99%%) = %.4f ms, std = %.4f ms" % (
            lat["min"], lat["max"], lat["mean"], lat["median"], lat["p90"], lat["p95"], lat["p99"], lat["std"]),
        "Iterations: %d in %.3f s (warm-up: %d iterations, %.1f ms, not timed)" % (
            result["iterations"], result["duration_s"], result["warmup"]["iterations"],
            result["warmup"]["elapsed_ms"]),
        "CPU usage: %.1f%% of one core; peak RSS %s MB" % (
            result["cpu_usage_pct"] or 0.0, "%.1f" % result["peak_rss_mb"] if result["peak_rss_mb"] else "n/a"),
        _power_text(result),
    ] + _choice_lines(result))


def _choice_lines(result):
    if not result.get("auto"):
        return []
    from .autoselect import format_choice

    return format_choice(result["auto"])


# ----------------------------------------------------------------------------------------------
# command line


def _input_size(text):
    match = re.match(r"^(\d+)[xX](\d+)$", text)
    if not match:
        raise argparse.ArgumentTypeError("expected HxW, e.g. 540x960")
    return int(match.group(1)), int(match.group(2))


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m edgesr_runtime.bench",
        description="Measure latency (and power when a meter exists) of one exported edge-SR model on this "
                    "device. Input frames are at the model's LR size for a Full-HD (1920x1080) output. "
                    "fps = 1000 / mean latency (one frame in flight).",
        epilog="Examples:\n"
               "  python -m edgesr_runtime.bench model.onnx --threads 4\n"
               "  python -m edgesr_runtime.bench model_fp32.tflite --model-id eSR-TM_s2_K7_C16 --power auto "
               "--store results.db\n"
               "  python -m edgesr_runtime.bench model.engine --power tegrastats --idle-s 5 --json > run.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("model", help="model file (.onnx, .tflite, .engine) or a bundle folder")
    parser.add_argument("--runtime", choices=["auto", "onnxruntime", "litert", "tensorrt", "opencv"],
                        help="runtime (default: from the file suffix; for a bundle folder 'auto': time every "
                             "artifact that passed parity briefly and keep the fastest by median)")
    parser.add_argument("--model-id", help="zoo model id for the result (default: bundle id or file name); "
                                           "its _sN_ gives the scale of dynamic-shape models")
    parser.add_argument("--precision", choices=["fp32", "fp16", "int8"],
                        help="precision label (default: from the file name / I/O types, else fp32)")
    parser.add_argument("--layout", choices=["NCHW", "NHWC"], help="I/O layout of the file (default: detected)")
    parser.add_argument("--threads", type=int, help="CPU threads of the runtime (default: the runtime's own)")
    parser.add_argument("--warmup-ms", type=float, default=DEFAULT_WARMUP_MS,
                        help="time-based warm-up before timing, not in the trace (default %(default)s)")
    parser.add_argument("--duration-s", type=float, default=DEFAULT_DURATION_S,
                        help="minimum timed duration in seconds (default %(default)s)")
    parser.add_argument("--iterations", type=int, default=DEFAULT_MIN_ITERATIONS,
                        help="minimum timed iterations; both minimums must be met (default %(default)s)")
    parser.add_argument("--frames", type=int, default=DEFAULT_FRAMES,
                        help="distinct input frames, cycled (default %(default)s, as the paper's 14 Full-HD outputs)")
    parser.add_argument("--input-size", type=_input_size, metavar="HxW",
                        help="LR input size (default: the file's static size, else 1080x1920 / scale)")
    parser.add_argument("--scale", type=int, help="upscaling factor for dynamic-shape files without a model id")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic frames (default 0)")
    parser.add_argument("--end-to-end", action="store_true",
                        help="time RGB->YCbCr, the model on Y, bicubic chroma upscaling and YCbCr->RGB per frame")
    parser.add_argument("--chroma", choices=["auto", "numpy", "cv2"], default="auto",
                        help="chroma upscaler for --end-to-end (auto: cv2 when importable)")
    parser.add_argument("--power", default="auto",
                        help="power meter: auto|none|rapl|ina3221|tegrastats|nvml|external:PATH (default auto)")
    parser.add_argument("--idle-s", type=float, default=0.0,
                        help="measure an idle power baseline for this many seconds first (shown beside, "
                             "never subtracted)")
    parser.add_argument("--provider", action="append",
                        help="onnxruntime execution provider (cpu, cuda, tensorrt or a full name); repeatable")
    parser.add_argument("--no-xnnpack", action="store_true", help="LiteRT: disable the default XNNPACK delegate")
    parser.add_argument("--trt-api", choices=["bindings", "tensors"],
                        help="TensorRT: force an API (default: bindings before 10.x, tensors from 10.x)")
    parser.add_argument("--json", action="store_true", help="print the JSON result on stdout (summary on stderr)")
    parser.add_argument("--output", help="also write the JSON result to this file")
    parser.add_argument("--store", help="SQLite results store: one kind=latency row per run, keyed by model, "
                                        "runtime, precision, device and dataset=MODE:HxW[/tTHREADS] "
                                        "(errors as kind=failure)")
    parser.add_argument("--device", help="device name for the store key (default: the board model, else the host name)")
    return parser


def _resolve(args):
    """(model file, runtime, model id, layout, precision) from a file or a bundle folder."""
    path = args.model
    if os.path.isdir(path):
        return _resolve_bundle(args)
    from .runners import runtime_for_path

    runtime = args.runtime or runtime_for_path(path)
    model_id = args.model_id or _id_from_path(path)
    return path, runtime, model_id, args.layout, args.precision


def _id_from_path(path):
    """The file stem, or the folder name for generic stems like model / model_fp16."""
    stem = os.path.splitext(os.path.basename(path))[0]
    if re.match(r"^model(_(fp32|fp16|int8))?$", stem):
        folder = os.path.basename(os.path.dirname(os.path.abspath(path)))
        return folder or stem
    return stem


def _resolve_bundle(args):
    try:
        from . import bundle
    except ImportError:
        raise EdgesrError("%s is a folder, and this edgesr_runtime cannot read bundles" % args.model,
                          "pass the model file inside it (model.onnx, model_fp32.tflite, model.engine)")
    return bundle.select_artifact(args.model, runtime=args.runtime, precision=args.precision,
                                  model_id=args.model_id, layout=args.layout)


def _runner_options(args, runtime):
    options = {}
    if runtime == "onnxruntime" and args.provider:
        options["providers"] = args.provider
    if runtime == "litert" and args.no_xnnpack:
        options["xnnpack"] = False
    if runtime == "tensorrt" and args.trt_api:
        options["api"] = args.trt_api
    return options


def store_setting_key(result):
    """Store key part that keeps configurations apart: "model:540x960/t4" or "end-to-end:540x960"."""
    key = "%s:%dx%d" % (result["mode"], result["input_shape"][2], result["input_shape"][3])
    return key + ("/t%d" % result["threads"] if result["threads"] else "")


def device_label(device=None, result=None):
    """``device`` (--device), else the board model from the result's environment, else the host name."""
    import platform

    board = ((result or {}).get("environment") or {}).get("board_model")
    return device or board or platform.node() or "unknown"


def run(args):
    """Run one benchmark from parsed arguments; returns the result dict."""
    from .power import open_meter

    if os.path.isdir(args.model) and args.runtime in (None, "auto") and not args.precision:
        return _run_auto(args, open_meter)
    if args.runtime == "auto":
        raise EdgesrError("--runtime auto needs a bundle folder (it chooses among the bundle's artifacts)",
                          "pass the bundle folder, or name the runtime of the model file")
    path, runtime, model_id, layout, precision = _resolve(args)
    meter = open_meter(args.power)
    try:
        return _timed(args, path, runtime, model_id, layout, precision, meter)
    finally:
        meter.close()


def _timed(args, path, runtime, model_id, layout, precision, meter=None, settings=None):
    """One harness run of a model file; ``settings`` = (warm-up ms, duration s, min iterations)."""
    from .runners import open_runner

    warmup_ms, duration_s, iterations = settings or (args.warmup_ms, args.duration_s, args.iterations)
    with open_runner(runtime, path, layout=layout, threads=args.threads, precision=precision,
                     **_runner_options(args, runtime)) as runner:
        return benchmark(runner, model_id=model_id, artifact=os.path.basename(path), frames=args.frames,
                         warmup_ms=warmup_ms, duration_s=duration_s, min_iterations=iterations,
                         meter=meter, idle_s=0.0 if settings else args.idle_s, end_to_end=args.end_to_end,
                         chroma=args.chroma, input_size=args.input_size, scale=args.scale, seed=args.seed)


def _run_auto(args, open_meter):
    """``--runtime auto`` on a bundle: brief runs of every candidate, then the full run of the fastest."""
    from . import autoselect, bundle
    from .runners import available_runtimes

    manifest = bundle.load_manifest(args.model)
    installed = {name: (ok, detail) for name, ok, detail in available_runtimes()}
    candidates, excluded = autoselect.runtime_artifacts(manifest, args.model, installed)
    model_id = args.model_id or manifest["model"]["id"]

    def run_artifact(runtime, meter=None, settings=None):
        artifact = candidates[runtime]
        return _timed(args, bundle.artifact_file(args.model, artifact), runtime, model_id,
                      args.layout or artifact.get("layout"), artifact.get("precision"), meter, settings)

    settings = autoselect.probe_settings(args.warmup_ms, args.duration_s)
    record = autoselect.choose(candidates, excluded, lambda runtime: run_artifact(runtime, settings=settings),
                               settings)
    meter = open_meter(args.power)
    try:
        result = run_artifact(record["chosen"], meter=meter)
    finally:
        meter.close()
    result["auto"] = record
    return result


def _store_result(args, result=None, error=None):
    from .store import ResultStore

    with ResultStore(args.store) as store:
        if result is not None:
            store.put("latency", result["model"], result["runtime"], result["precision"], result,
                      dataset=store_setting_key(result), device=device_label(args.device, result))
        else:
            store.put("failure", args.model_id or _id_from_path(args.model), args.runtime or _runtime_or_blank(args),
                      args.precision or "", {"stage": "latency", "error": str(error)}, dataset="latency",
                      device=device_label(args.device), status="failed")


def _runtime_or_blank(args):
    from .runners import runtime_for_path

    try:
        return runtime_for_path(args.model)
    except EdgesrError:
        return ""


def to_json(result):
    """The result as indented JSON (numpy values become lists / numbers, anything else its str)."""
    return json.dumps(result, indent=1, sort_keys=True,
                      default=lambda value: value.tolist() if hasattr(value, "tolist") else str(value))


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.frames < 1 or args.iterations < 1 or args.duration_s < 0 or args.warmup_ms < 0:
        build_parser().error("--frames and --iterations must be >= 1, --duration-s and --warmup-ms >= 0")
    try:
        result = run(args)
    except EdgesrError as err:
        print("error: %s" % err, file=sys.stderr)
        if args.store:
            _store_result(args, error=err)
        return err.exit_code
    summary = format_summary(result)
    if args.json:
        print(summary, file=sys.stderr)
        print(to_json(result))
    else:
        print(summary)
    if args.output:
        with open(args.output, "w") as handle:
            handle.write(to_json(result) + "\n")
    if args.store:
        _store_result(args, result=result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
