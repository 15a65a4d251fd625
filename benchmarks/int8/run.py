#!/usr/bin/env python3
"""INT8 benchmark: the chosen INT8 recipe vs FP32 on LiteRT, per family (smallest and largest x2 config).

    python benchmarks/int8/run.py [--resolution WxH] [--threads N] [--out STEM] [--quick]

Each model is exported for the rpi target (``edgesr export`` defaults: optimised graph, INT8 recipe
chooser with its 0.3 dB limit) at the given output size; its tflite-fp32 and tflite-int8 files are
then timed on LiteRT in interleaved rounds (FP32, INT8, FP32, INT8, ...) on the same random frames, so
load drifting over the run hits both alike. The PSNR drop is the exporter's own measurement (Set5+Set14
mosaics at the same LR size, against the FP32 PyTorch model). Writes STEM.md and STEM.json (default
benchmarks/int8/results/int8-<date>).
"""

import argparse
import datetime
import os
import platform
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "peers"))

import result_files  # noqa: E402  (benchmarks/peers/result_files.py)
from graphs import smallest_and_largest_x2  # noqa: E402

from edgesr_runtime.harness.frames import make_frames  # noqa: E402
from edgesr_runtime.harness.timing import time_loop  # noqa: E402
from edgesr_runtime.runners import open_runner  # noqa: E402
from edgesr_runtime.textable import format_table  # noqa: E402

DEFAULTS = {"warmup_ms": 200.0, "duration_s": 1.0, "iterations": 3, "frames": 4, "rounds": 3}
QUICK = {"warmup_ms": 10.0, "duration_s": 0.05, "iterations": 2, "frames": 2, "rounds": 1}
NOTES = (
    "fp32/int8 = FP32 median / INT8 median on LiteRT in this run (>1: INT8 is faster).",
    "drop = FP32 PSNR - INT8 PSNR (dB) as measured by the exporter; recipe = the first of the chooser's "
    "candidates within 0.3 dB, or the least bad one (then the artifact is refused: valid = no).",
    "Medians of one run on a shared machine: compare the ratios within this run, not absolute times across runs.",
)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--resolution", default="960x540", help="output size WxH (default 960x540)")
    parser.add_argument("--threads", type=int, default=2, help="LiteRT threads (default 2)")
    parser.add_argument("--models", help="comma-separated ids (default: smallest and largest x2 per family)")
    parser.add_argument("--out", help="output stem (default benchmarks/int8/results/int8-<date>)")
    parser.add_argument("--quick", action="store_true", help="short timing windows (a smoke run)")
    return parser.parse_args(argv)


def export_pair(model_id, resolution, folder):
    """The rpi bundle with tflite-fp32 and tflite-int8 (default options otherwise); returns the report."""
    from edgesr.exporting import export_zoo_model

    return export_zoo_model(model_id, "rpi", folder, {"resolution": resolution, "precision": "fp32,int8"},
                            log=lambda message: None)


def time_pair(bundle, artifacts, settings, threads):
    """{name: median ms} of the artifacts, timed in interleaved rounds on the same frames."""
    runners = {a["name"]: open_runner("litert", os.path.join(bundle, a["file"]), layout=a["layout"],
                                      threads=threads, precision=a["precision"]) for a in artifacts}
    try:
        frames = make_frames(artifacts[0]["input_shape"], settings["frames"])
        traces = {name: [] for name in runners}
        for _ in range(settings["rounds"]):
            for name, runner in runners.items():
                timing = time_loop(runner.infer, frames, settings["warmup_ms"], settings["duration_s"],
                                   settings["iterations"])
                traces[name] += list(timing.trace_ms)
    finally:
        for runner in runners.values():
            runner.close()
    return {name: float(np.median(trace)) for name, trace in traces.items()}


def measure(model_id, resolution, settings, threads, folder):
    report = export_pair(model_id, resolution, folder)
    by_name = {a["name"]: a for a in report.artifacts}
    fp32, int8 = by_name["tflite-fp32"], by_name["tflite-int8"]
    row = {"model": model_id, "fp32_valid": fp32.get("valid"), "int8_valid": int8.get("valid")}
    quantization = int8.get("quantization") or {}
    row.update(recipe=quantization.get("recipe"), drop_db=(quantization.get("psnr") or {}).get("drop_db"),
               tried=(quantization.get("choice") or {}).get("tried"))
    if int8.get("status") != "ok":
        row["error"] = int8.get("error")
        return row
    medians = time_pair(report.path, [fp32, int8], settings, threads)
    row.update(fp32_ms=medians["tflite-fp32"], int8_ms=medians["tflite-int8"],
               fp32_over_int8=medians["tflite-fp32"] / medians["tflite-int8"])
    return row


def table(rows):
    header = ["model", "recipe", "drop dB", "valid", "fp32 ms", "int8 ms", "fp32/int8"]
    body = []
    for r in rows:
        if "fp32_ms" not in r:
            body.append([r["model"], r.get("recipe") or "-", "-", "no", "-", "-", r.get("error", "")])
            continue
        body.append([r["model"], r["recipe"], "%.3f" % r["drop_db"], "yes" if r["int8_valid"] else "no",
                     "%.1f" % r["fp32_ms"], "%.1f" % r["int8_ms"], "%.2f" % r["fp32_over_int8"]])
    return format_table(header, body, right=(2, 4, 5, 6))


def main(argv=None):
    args = parse_args(argv)
    settings = QUICK if args.quick else DEFAULTS
    models = args.models.split(",") if args.models else smallest_and_largest_x2()
    stem = args.out or os.path.join(HERE, "results", "int8-%s%s" % (datetime.date.today().isoformat(),
                                                                    "-quick" if args.quick else ""))
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for model_id in models:
            rows.append(measure(model_id, args.resolution, settings, args.threads, folder))
            print(table(rows[-1:]).splitlines()[-1], flush=True)
    load = result_files.load_average()
    meta = {"command": result_files.command_line("benchmarks/int8/run.py", argv),
            "resolution": args.resolution, "threads": args.threads, "settings": settings,
            "machine": platform.platform(), "cpu_count": os.cpu_count(), "load_average_at_end": load}
    text = "\n".join(["# INT8 vs FP32 on LiteRT (%s)" % datetime.date.today().isoformat(), "",
                      "Command: `%s`; output %s, %d LiteRT threads; %s, %s CPUs, load average at the end %s." % (
                          meta["command"], args.resolution, args.threads, meta["machine"], meta["cpu_count"],
                          result_files.load_text(load)), "",
                      "```", table(rows), "```", ""] + ["- " + n for n in NOTES]) + "\n"
    result_files.save(stem, text, {"meta": meta, "rows": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
