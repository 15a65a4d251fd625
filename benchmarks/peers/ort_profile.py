#!/usr/bin/env python3
"""Where one model's ONNX Runtime time goes: per operator type, from ORT's own profiler.

    python benchmarks/peers/ort_profile.py eSR-TM_s2_K7_C16 [--graph optimised] [--resolution 1920x1080]

The model's graph (the deployment form by default, as the exporter writes it for ONNX Runtime) is
converted at the benchmark's LR size, run ``--runs`` times after a warm-up with ORT profiling on, and
the node events of the timed runs are summed per operator type: milliseconds per frame, share of the
frame, bytes the op type writes per frame and the rate that implies. Set beside this machine's
measured copy bandwidth and sgemm rate (printed too), it says which ops are memory-bound and which
compute-bound, i.e. what a fused kernel could save. Node times are wall times with ``--threads``
intra-op threads; the frame time is the median ``model_run`` of the timed runs.
"""

import argparse
import collections
import json
import os
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from graphs import convert, recorded_ort_options  # noqa: E402
from roofline import machine_rates  # noqa: E402

from edgesr_runtime.runners.onnxruntime_runner import OPTIMIZATION_LEVELS  # noqa: E402
from edgesr_runtime.textable import format_table  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("model", help="zoo id, e.g. eSR-TM_s2_K7_C16")
    parser.add_argument("--graph", choices=("reference", "optimised"), default="optimised",
                        help="the literal module or its ONNX Runtime deployment form (default optimised)")
    parser.add_argument("--resolution", default="1920x1080", help="HR output WxH (default 1920x1080)")
    parser.add_argument("--threads", type=int, default=2, help="ORT intra-op threads (default 2)")
    parser.add_argument("--level", choices=sorted(OPTIMIZATION_LEVELS),
                        help="ORT graph optimisation level (default: the one the exporter records for this graph, "
                             "edgesr_export.onnx_export.ort_runner_options; extended = no NCHWc layout transform)")
    parser.add_argument("--runs", type=int, default=10, help="timed runs after 3 warm-up runs (default 10)")
    return parser.parse_args(argv)


def write_graph(model_id, graph, width, height, path):
    """Convert the model (or its ONNX Runtime deployment form) to ONNX for HR output ``width`` x ``height``."""
    from edgesr.models import create_model
    from edgesr.models.deploy import deployment_form

    module = create_model(model_id)
    scale = module.config.scale
    if width % scale or height % scale:
        raise SystemExit("ort_profile: %dx%d is not divisible by the model's scale %d" % (width, height, scale))
    if graph == "optimised":
        module = deployment_form(module, "onnxruntime")
    convert(module, "onnxruntime", path, height // scale, width // scale, scale)
    return scale


def profile_events(path, frame, threads, runs, level, folder):
    """ORT profiler events (list of dicts) of 3 warm-up runs then ``runs`` timed runs of ``frame``."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = getattr(ort.GraphOptimizationLevel, OPTIMIZATION_LEVELS[level])
    options.enable_profiling = True
    options.profile_file_prefix = os.path.join(folder, "ort")
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    feed = {session.get_inputs()[0].name: frame}
    for _ in range(3 + runs):
        session.run(None, feed)
    with open(session.end_profiling()) as handle:
        return json.load(handle)


def per_op_type(events, runs):
    """(frame ms, {op type: {"ms", "bytes", "nodes"}} per frame) over the last ``runs`` model runs."""
    model_runs = sorted((e for e in events if e.get("name") == "model_run"), key=lambda e: e["ts"])[-runs:]
    start = model_runs[0]["ts"]
    totals = collections.defaultdict(lambda: {"us": 0.0, "bytes": 0, "nodes": set()})
    for event in events:
        if event.get("cat") != "Node" or event["ts"] < start or not event["name"].endswith("_kernel_time"):
            continue
        args = event.get("args", {})
        entry = totals[args.get("op_name", "?")]
        entry["us"] += event["dur"]
        entry["bytes"] += int(args.get("output_size", 0))
        entry["nodes"].add(event["name"])
    frame_ms = float(np.median([e["dur"] for e in model_runs])) / 1e3
    return frame_ms, {op: {"ms": t["us"] / 1e3 / runs, "bytes": t["bytes"] / runs, "nodes": len(t["nodes"])}
                      for op, t in totals.items()}


def main(argv=None):
    args = parse_args(argv)
    width, height = (int(v) for v in args.resolution.lower().split("x"))
    rates = machine_rates(args.threads)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.onnx")
        scale = write_graph(args.model, args.graph, width, height, path)
        level = args.level or recorded_ort_options(path).get("optimization", "all")
        frame = np.random.default_rng(0).random((1, 1, height // scale, width // scale), dtype=np.float32)
        frame_ms, ops = per_op_type(profile_events(path, frame, args.threads, args.runs, level, folder), args.runs)
    body = [[op, o["nodes"], "%.1f" % o["ms"], "%.0f%%" % (100 * o["ms"] / frame_ms), "%.0f" % (o["bytes"] / 1e6),
             "%.1f" % (o["bytes"] / 1e9 / (o["ms"] / 1e3)) if o["ms"] >= 0.05 else "-"]
            for op, o in sorted(ops.items(), key=lambda kv: -kv[1]["ms"])]
    print("%s, %s graph, %s output, ORT %d threads, level %s: %.1f ms per frame (median of %d runs); node times "
          "sum to %.1f ms" % (args.model, args.graph, args.resolution, args.threads, level, frame_ms, args.runs,
             sum(o["ms"] for o in ops.values())))
    print("machine: sgemm %.1f GFLOP/s, copy %.1f GB/s (numpy, %d threads)"
          % (rates["sgemm_gflops"], rates["copy_gbps"], args.threads))
    print(format_table(["op type", "nodes", "ms/frame", "share", "MB written", "GB/s written"], body,
                       right=(1, 2, 3, 4, 5)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
