#!/usr/bin/env python3
"""ONNX Runtime QDQ INT8 vs ORT FP32, per family (smallest and largest x2 config), one run on this machine.

    python benchmarks/int8/ort_qdq.py [--resolution 480x288] [--threads 2] [--rounds 5] [--out STEM]

The FP32 ONNX is the exporter's (deployment form for onnxruntime); the INT8 file is
``onnxruntime.quantization.quantize_static`` (QDQ format, per-channel int8 weights, int8 activations,
MinMax calibration on the exporter's T91 calibration mosaics). Both are timed with ORT's CPU provider
in interleaved rounds (FP32, INT8, FP32, INT8, ...) on the same frames; the ratio is INT8/FP32 speed
(> 1: INT8 faster). The PSNR drop is measured like the exporter's INT8 gate (Set5+Set14 mosaics).
Writes STEM.md and STEM.json (default benchmarks/int8/results/ort-qdq-<date>).
"""

import argparse
import datetime
import os
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "peers"))

import result_files  # noqa: E402  (benchmarks/peers/result_files.py)
from graphs import smallest_and_largest_x2  # noqa: E402

from edgesr_runtime.textable import format_table  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--resolution", default="480x288", help="output WxH (default 480x288)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds per model (default 5)")
    parser.add_argument("--iterations", type=int, default=5, help="runs per file per round (default 5)")
    parser.add_argument("--models", help="comma-separated ids (default: smallest and largest x2 per family)")
    parser.add_argument("--out", help="output stem (default benchmarks/int8/results/ort-qdq-<date>)")
    return parser.parse_args(argv)


def make_files(model_id, lr_height, lr_width, folder):
    """(fp32 path, int8 path, module, scale) for one zoo model."""
    import onnxruntime.quantization as q

    from edgesr.exporting import build, describe
    from edgesr_export import deployment, onnx_export
    from edgesr_export.images import calibration_inputs

    description = describe(model_id)
    module = build(description)
    graph, _ = deployment.graph_for(module, "onnxruntime", "optimised")
    fp32, int8 = os.path.join(folder, model_id + ".onnx"), os.path.join(folder, model_id + ".int8.onnx")
    onnx_export.export_onnx(graph, fp32, lr_height, lr_width, description.scale,
                            onnx_export.metadata_props(description))
    calibration = calibration_inputs(description.scale, lr_height, lr_width, 8)

    class Reader(q.CalibrationDataReader):
        def __init__(self):
            import onnx
            self.name, self.items = onnx.load(fp32).graph.input[0].name, iter(calibration)

        def get_next(self):
            x = next(self.items, None)
            return None if x is None else {self.name: x}

    pre = fp32 + ".pre.onnx"
    q.quant_pre_process(fp32, pre, skip_symbolic_shape=True)
    q.quantize_static(pre, int8, Reader(), quant_format=q.QuantFormat.QDQ, per_channel=True,
                      activation_type=q.QuantType.QInt8, weight_type=q.QuantType.QInt8)
    return fp32, int8, module, description.scale


def psnr_drop(module, int8_path, scale, lr_height, lr_width):
    import onnxruntime as ort

    from edgesr_export import int8_quality

    session = ort.InferenceSession(int8_path, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    reference = int8_quality.fp32_reference(module, scale, lr_height, lr_width, 4)
    int8 = [int8_quality._psnr(session.run(None, {name: x})[0], hr, scale) for x, hr, _ in reference]
    return float(np.mean([db for _, _, db in reference]) - np.mean(int8))


def time_pair(paths, frames, threads, rounds, iterations):
    """Median ms per file over interleaved rounds."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    sessions = [ort.InferenceSession(p, options, providers=["CPUExecutionProvider"]) for p in paths]
    names = [s.get_inputs()[0].name for s in sessions]
    for s, n in zip(sessions, names):
        s.run(None, {n: frames[0]})  # warm-up
    traces = [[] for _ in paths]
    for _ in range(rounds):
        for trace, s, n in zip(traces, sessions, names):
            for i in range(iterations):
                start = time.perf_counter()
                s.run(None, {n: frames[i % len(frames)]})
                trace.append((time.perf_counter() - start) * 1e3)
    return [float(np.median(t)) for t in traces]


def main(argv=None):
    args = parse_args(argv)
    from edgesr_export.resolution import input_size, parse_resolution

    models = args.models.split(",") if args.models else smallest_and_largest_x2()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for model_id in models:
            lr_height, lr_width = input_size(parse_resolution(args.resolution), int(model_id.split("_s")[1][0]))
            try:
                fp32, int8, module, scale = make_files(model_id, lr_height, lr_width, folder)
            except Exception as err:  # noqa: BLE001 - a model ORT cannot quantise is a result, not a crash
                rows.append({"model": model_id, "error": "%s: %s" % (type(err).__name__, str(err)[:200])})
                print(model_id, "FAILED", rows[-1]["error"], flush=True)
                continue
            rng = np.random.default_rng(0)
            frames = [rng.random((1, 1, lr_height, lr_width), dtype=np.float32) for _ in range(3)]
            fp32_ms, int8_ms = time_pair([fp32, int8], frames, args.threads, args.rounds, args.iterations)
            rows.append({"model": model_id, "fp32_ms": round(fp32_ms, 3), "int8_ms": round(int8_ms, 3),
                         "int8_speed_ratio": round(fp32_ms / int8_ms, 3),
                         "drop_db": round(psnr_drop(module, int8, scale, lr_height, lr_width), 4)})
            print(rows[-1], flush=True)
    command = result_files.command_line("benchmarks/int8/ort_qdq.py", argv)
    body = [[r["model"], "%.2f" % r["fp32_ms"], "%.2f" % r["int8_ms"], "%.2fx" % r["int8_speed_ratio"],
             "%.3f" % r["drop_db"]] if "error" not in r else [r["model"], "-", "-", "-", r["error"][:60]]
            for r in rows]
    text = "\n".join(["# ONNX Runtime QDQ INT8 vs FP32 (%s)" % datetime.date.today().isoformat(), "",
                      "Command: `%s`; output %s, %d ORT threads, load average at the end %s." % (
                          command, args.resolution, args.threads, result_files.load_text()), "",
                      "```", format_table(["model", "FP32 ms", "QDQ INT8 ms", "INT8 speed", "PSNR drop dB"], body,
                                          right=(1, 2, 3, 4)), "```", ""])
    result_files.save(args.out or result_files.default_stem(HERE, "ort-qdq"), text,
                      {"command": command, "resolution": args.resolution, "rows": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
