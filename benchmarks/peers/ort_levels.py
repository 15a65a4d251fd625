#!/usr/bin/env python3
"""ONNX Runtime graph optimisation level "all" vs "extended" per model, in interleaved rounds.

    python benchmarks/peers/ort_levels.py [--every 12 | --models ID,...] [--resolution 1920x1080]

Level "all" (ORT's default) adds the CPU layout transform: convolutions run in a blocked channel layout
and their outputs are reordered back for the ops that cannot take it. For each model its ONNX Runtime
deployment form is converted at the LR size, run at both levels (outputs compared: the same
arithmetic), and timed in rounds (each level one harness window per round) so load drift hits both
alike. The table gives all ÷ extended (> 1: extended is faster) beside the widest convolution input
(most input channels any convolution reads) and what the exporter's rule
(``edgesr_export.onnx_export.ort_runner_options``: extended up to NARROW_CONVOLUTION_INPUT channels)
records for the file; the summary groups by that width: the measurement the rule's threshold comes from.
"""

import argparse
import datetime
import itertools
import os
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import result_files  # noqa: E402
from graphs import convert, graph_runner, time_interleaved  # noqa: E402

from edgesr_runtime.harness.frames import make_frames  # noqa: E402
from edgesr_runtime.textable import format_table  # noqa: E402

LEVELS = ("all", "extended")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--every", type=int, default=12, help="every N-th id of each family (default 12)")
    parser.add_argument("--models", help="instead of --every: these comma-separated ids")
    parser.add_argument("--resolution", default="1920x1080", help="HR output WxH, divisible by 12 (default 1920x1080)")
    parser.add_argument("--threads", type=int, default=2, help="ORT intra-op threads (default 2)")
    parser.add_argument("--rounds", type=int, default=4, help="interleaved rounds (default 4)")
    parser.add_argument("--out", help="output stem (default benchmarks/peers/results/ort-levels-<date>)")
    return parser.parse_args(argv)


def sample(every):
    """Every ``every``-th id per family, the families interleaved."""
    from edgesr.models import FAMILIES, list_models

    columns = itertools.zip_longest(*[list_models(family=family)[::every] for family in FAMILIES])
    return [model_id for column in columns for model_id in column if model_id]


def measure(model_id, width, height, threads, rounds, folder):
    """One row: rule verdict, median ms per level, all ÷ extended, max |difference| between the levels."""
    import onnx
    from edgesr.models import create_model
    from edgesr.models.deploy import deployment_form
    from edgesr_export.onnx_export import ort_runner_options, widest_convolution_input

    module = create_model(model_id)
    scale = module.config.scale
    path = os.path.join(folder, "%s.onnx" % model_id)
    convert(deployment_form(module, "onnxruntime"), "onnxruntime", path, height // scale, width // scale, scale)
    graph = onnx.load(path)
    rule, widest = ort_runner_options(graph).get("optimization", "all"), widest_convolution_input(graph)
    frames = make_frames((1, 1, height // scale, width // scale), 2)
    runners = {level: graph_runner("onnxruntime", path, threads, optimization=level).load() for level in LEVELS}
    try:
        outputs = [runner.infer(frames[0]) for runner in runners.values()]
        traces = time_interleaved(runners, frames, rounds, 100.0, 0.3, 3)
    finally:
        for runner in runners.values():
            runner.close()
    medians = {level: float(np.median(trace)) for level, trace in traces.items()}
    return {"model": model_id, "family": module.config.family, "rule": rule, "widest_input": widest, "all_ms": medians["all"],
            "extended_ms": medians["extended"], "ratio": medians["all"] / medians["extended"],
            "max_abs_diff": float(np.abs(outputs[0] - outputs[1]).max())}


def summary(rows):
    """all ÷ extended by the widest convolution input (the quantity the exporter's rule reads)."""
    body = []
    for widest in sorted({r["widest_input"] for r in rows}):
        ratios = [r["ratio"] for r in rows if r["widest_input"] == widest]
        rule = sorted({r["rule"] for r in rows if r["widest_input"] == widest})
        body.append([widest, len(ratios), "%.2f" % np.median(ratios), "%.2f" % min(ratios), "%.2f" % max(ratios),
                     sum(1 for x in ratios if x > 1), "/".join(rule)])
    return format_table(["widest conv input", "models", "median all/ext", "min", "max", "extended faster",
                         "rule says"], body, right=(0, 1, 2, 3, 4, 5))


def main(argv=None):
    args = parse_args(argv)
    width, height = (int(v) for v in args.resolution.lower().split("x"))
    if width % 12 or height % 12:
        raise SystemExit("ort_levels: --resolution %s must be divisible by 12 (scales 2, 3 and 4)" % args.resolution)
    models = args.models.split(",") if args.models else sample(args.every)
    rows = []
    with tempfile.TemporaryDirectory(prefix="edgesr-ort-levels-") as folder:
        for n, model_id in enumerate(models, 1):
            rows.append(measure(model_id, width, height, args.threads, args.rounds, folder))
            r = rows[-1]
            print("[%d/%d] %s widest input %s, rule %s: all %.1f ms, extended %.1f ms (%.2fx)" % (
                n, len(models), model_id, r["widest_input"], r["rule"], r["all_ms"], r["extended_ms"], r["ratio"]),
                flush=True)
            os.remove(os.path.join(folder, "%s.onnx" % model_id))
    command = result_files.command_line("benchmarks/peers/ort_levels.py", argv)
    table = format_table(["model", "widest conv input", "rule", "all ms", "extended ms", "all/extended", "max |diff|"],
                         [[r["model"], r["widest_input"], r["rule"], "%.1f" % r["all_ms"], "%.1f" % r["extended_ms"], "%.2f" % r["ratio"],
                           "%.1e" % r["max_abs_diff"]] for r in rows], right=(1, 3, 4, 5, 6))
    text = "\n".join([
        "# ONNX Runtime optimisation level per model (%s)" % datetime.date.today().isoformat(), "",
        "Command: `%s`; output %s, %d ORT threads, %d interleaved rounds; load average at the end %s." % (
            command, args.resolution, args.threads, args.rounds, result_files.load_text()), "",
        "```", summary(rows), "```", "", "```", table, "```", ""]) + "\n"
    result_files.save(args.out or result_files.default_stem(HERE, "ort-levels"), text,
                      {"command": command, "resolution": args.resolution, "rows": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
