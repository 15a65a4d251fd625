#!/usr/bin/env python3
"""The OpenCV filter-bank runner against cv2.resize(INTER_CUBIC), ONNX Runtime and PyTorch eager.

    python benchmarks/opencv_runner/run.py [--models A,B] [--rounds 30] [--threads 2] [--out FILE.json]

For each model (default: eSR-MAX_s2_K3_C1, eSR-MAX_s2_K7_C16, Bicubic_s2, Bicubic_s3) at a Full-HD
output, on one float32 LR frame: the bank (model.filters.npz) through the OpenCV runner's ``infer``
(with ``--threads`` and with one thread), ``cv2.resize`` of the same frame to the same output size,
the literal ONNX graph (today's ``model.onnx``) on ONNX Runtime and the module in PyTorch eager, all
with the same thread count. The contenders are interleaved: every round times each of them
``--calls`` times (after one untimed call) in a shuffled order, so a load burst on a shared machine
hits all of them.
The OpenCV contenders (runner, cv2.resize) are first timed on their own, then everything together;
the table shows the former for them and the latter for ONNX Runtime and PyTorch (the JSON has both).
Reported: median per call and the ratio of each median to cv2.resize's median from the same block.
Each contender's output is compared with PyTorch's first (max |diff|; cv2.resize is another model).
"""

import argparse
import os
import random
import sys
import tempfile
import time

import cv2
import numpy as np
import onnxruntime
import torch

from edgesr.models import create_model, get_config
from edgesr_export.filterbank_export import write_filterbank
from edgesr_export.onnx_export import export_onnx
from edgesr_export.resolution import parse_resolution
from edgesr_runtime.files import write_json
from edgesr_runtime.runners import open_runner
from edgesr_runtime.textable import format_table

GOALS = {"eSR-MAX_s2_K3_C1": 2.0, "Bicubic_s2": 3.0}  # issue 11: runner time <= goal x cv2.resize time
MODELS = ("eSR-MAX_s2_K3_C1", "eSR-MAX_s2_K7_C16", "Bicubic_s2", "Bicubic_s3")
OPENCV = ("opencv runner", "opencv runner, 1 thread", "cv2.resize")
HEADER = ("model", "contender", "median ms", "x cv2.resize", "max|diff| vs torch", "goal")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated eSR-MAX / Bicubic model ids")
    parser.add_argument("--resolution", default="1920x1080", help="output WxH (default 1920x1080)")
    parser.add_argument("--threads", type=int, default=2, help="threads of every contender (default 2)")
    parser.add_argument("--rounds", type=int, default=30, help="interleaved rounds (default 30)")
    parser.add_argument("--calls", type=int, default=3, help="timed calls per contender per round (default 3)")
    parser.add_argument("--weights-dir", help="zoo weights folder (default: the zoo's own lookup)")
    parser.add_argument("--out", help="also write the results as JSON here")
    return parser.parse_args(argv)


def contenders(model_id, folder, out_w, out_h, threads, weights_dir):
    """({name: callable(x) -> N×1×sH×sW}, LR frame, PyTorch output, [runners to close]) for one model."""
    scale = get_config(model_id).scale
    lr_h, lr_w = out_h // scale, out_w // scale
    module = create_model(model_id, weights_dir=weights_dir).eval()
    bank = module.filter_bank()
    if bank is None:
        raise SystemExit("%s is not a filter bank (eSR-MAX and Bicubic are)" % model_id)
    bank_path, onnx_path = os.path.join(folder, "model.filters.npz"), os.path.join(folder, "model.onnx")
    write_filterbank(bank, bank_path, lr_h, lr_w)
    export_onnx(module, onnx_path, lr_h, lr_w, scale, {})
    frame = np.random.default_rng(0).random((1, 1, lr_h, lr_w), dtype=np.float32)
    torch.set_num_threads(threads)
    with torch.inference_mode():
        expected = module(torch.from_numpy(frame)).numpy()

    def torch_eager(x):
        with torch.inference_mode():
            return module(torch.from_numpy(x)).numpy()

    serial = open_runner("opencv", bank_path)  # threads None: no pool, OpenCV's thread setting untouched
    pooled = open_runner("opencv", bank_path, threads=threads)
    ort = open_runner("onnxruntime", onnx_path, threads=threads)
    cv2.setNumThreads(threads)
    runs = {"opencv runner": pooled.infer, "opencv runner, 1 thread": serial.infer,
            "cv2.resize": lambda x: cv2.resize(x[0, 0], (out_w, out_h), interpolation=cv2.INTER_CUBIC)[None, None],
            "onnxruntime": ort.infer, "torch eager": torch_eager}
    return runs, frame, expected, (serial, pooled, ort)


def measure(runs, frame, rounds, calls):
    """{name: [seconds per call]}, the contenders interleaved in a shuffled order every round."""
    times = {name: [] for name in runs}
    order = list(runs)
    shuffle = random.Random(0).shuffle
    for name in order:  # warm-up: first-call allocations, thread pools
        for _ in range(3):
            runs[name](frame)
    for _ in range(rounds):
        shuffle(order)
        for name in order:
            runs[name](frame)  # untimed: lets the previous contender's spinning worker threads go idle
            for _ in range(calls):
                started = time.perf_counter()
                runs[name](frame)
                times[name].append(time.perf_counter() - started)
    return times


def loadavg():
    return open("/proc/loadavg").read().split()[:3] if os.path.exists("/proc/loadavg") else None


def one_model(model_id, args, out_w, out_h):
    """(result record, table rows) of one model."""
    with tempfile.TemporaryDirectory() as folder:
        runs, frame, expected, runners = contenders(model_id, folder, out_w, out_h, args.threads, args.weights_dir)
        diffs = {name: float(np.abs(run(frame) - expected).max()) for name, run in runs.items()}
        # the OpenCV contenders first on their own (no ONNX Runtime / PyTorch worker threads spinning between
        # calls), then all of them for the ONNX Runtime and PyTorch ratios
        alone = measure({name: runs[name] for name in OPENCV}, frame, args.rounds, args.calls)
        times = measure(runs, frame, args.rounds, args.calls)
        for runner in runners:
            runner.close()
    medians = {name: float(np.median(t)) * 1e3 for name, t in times.items()}
    medians.update({name: float(np.median(t)) * 1e3 for name, t in alone.items()})
    mixed = {name: float(np.median(times[name]) / np.median(times["cv2.resize"])) for name in runs}
    ratios = {name: medians[name] / medians["cv2.resize"] if name in OPENCV else mixed[name] for name in runs}
    goal = GOALS.get(model_id)
    rows = []
    for name in runs:
        verdict = ""
        if name == "opencv runner" and goal:
            verdict = "<= %gx: %s" % (goal, "met" if ratios[name] <= goal else "missed")
        rows.append((model_id, name, "%.3f" % medians[name], "%.2f" % ratios[name], "%.1e" % diffs[name], verdict))
    record = {"model": model_id, "lr_input": list(frame.shape), "median_ms": medians, "ratio_to_cv2_resize": ratios,
              "ratio_to_cv2_resize_all_interleaved": mixed,
              "max_abs_diff_vs_torch": diffs, "goal_ratio": goal, "calls": len(times["cv2.resize"])}
    return record, rows


def main(argv=None):
    args = parse_args(argv)
    out_w, out_h = parse_resolution(args.resolution)
    before = loadavg()
    results, rows = [], []
    for model_id in args.models.split(","):
        record, model_rows = one_model(model_id, args, out_w, out_h)
        results.append(record)
        rows += model_rows
        print(format_table(HEADER, model_rows, right=(2, 3, 4)) + "\n", flush=True)
    after = loadavg()
    print(format_table(HEADER, rows, right=(2, 3, 4)))
    print("threads %d, %d rounds x %d calls, output %dx%d, loadavg before %s after %s" % (
        args.threads, args.rounds, args.calls, out_w, out_h, before, after))
    if args.out:
        write_json(args.out, {
            "threads": args.threads, "rounds": args.rounds, "calls_per_round": args.calls,
            "resolution": [out_w, out_h], "loadavg_before": before, "loadavg_after": after,
            "versions": {"opencv": cv2.__version__, "onnxruntime": onnxruntime.__version__,
                         "torch": torch.__version__, "numpy": np.__version__},
            "results": results})
    return 0


if __name__ == "__main__":
    sys.exit(main())
