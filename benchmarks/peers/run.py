#!/usr/bin/env python3
"""Peer benchmark: edgesr's fastest runtime (``auto``) vs PyTorch eager vs ``cv2.resize(INTER_CUBIC)``.

    python benchmarks/peers/run.py [--out FILE] [--quick]
    python benchmarks/peers/run.py --graphs [--out FILE] [--quick]

One model per family at a Full-HD output, all three measured in this one run on this machine
with the same harness (edgesr_runtime.harness), the same thread count and the same input frames.
Writes FILE.md / .json / .csv (default benchmarks/peers/results/peers-<date>).

``--graphs``: per family the smallest and largest x2 config, reference graph vs deployment form
(edgesr.models.deploy) on ONNX Runtime and LiteRT, PyTorch eager and cv2.resize, timed in
interleaved rounds, with this machine's floor and the goals of the fast-exports issue
(default output benchmarks/peers/results/graphs-<date>).
"""

import argparse
import datetime
import os
import platform
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from opencv_peer import Cv2BicubicRunner, cv2_version  # noqa: E402
from peer_table import peer_row, text_table, write_report  # noqa: E402

MODELS = ("eSR-MAX_s2_K3_C1", "eSR-TM_s2_K7_C16", "eSR-TR_s2_K5_C4", "eSR-CNN_s2_C4_D3_S9", "ESPCN_s2_D64_S32",
          "FSRCNN_s2_D56_S12_M4", "Bicubic_s2")
QUICK = {"warmup_ms": 20.0, "duration_s": 0.2, "iterations": 3, "frames": 3}
GRAPH_DEFAULTS = {"warmup_ms": 200.0, "duration_s": 1.0, "iterations": 2, "frames": 6, "rounds": 3}
GRAPH_QUICK = {"warmup_ms": 10.0, "duration_s": 0.05, "iterations": 2, "frames": 2, "rounds": 1}
GRAPH_NOTES = (
    "ref/opt = reference-graph median / optimised-graph median on that runtime (>1: the deployment form is "
    "faster); torch/best = torch eager median / the fastest artifact's median; best/cv2 = the fastest artifact's "
    "median / cv2.resize INTER_CUBIC's on the same float32 LR frames; best/floor = fastest / floor.",
    "floor = max(2 * MACs / measured sgemm rate, (LR input + HR output bytes) / measured copy rate): no runtime "
    "beats it on this machine; 'widest intermediate round trip' is the extra cost when the largest intermediate "
    "tensor is written to memory and read back once.",
    "reference = the literal module (edgesr.models.families); optimised = edgesr.models.deploy.deployment_form "
    "for that runtime; both converted with edgesr_export's export_onnx / convert_fp32 (FP32) at the LR size. "
    "OpenCV bank = the filter-bank artifact (edgesr_export.filterbank_export, run by edgesr_runtime's OpenCV "
    "runner: cv2.filter2D per phase + interleave) of the models that are banks of filters; n/a for the others.",
    "Medians of one run on a shared machine: compare ratios within this run, not absolute times across runs.",
)
NOTES = (
    "speed-up vs torch = torch eager median / edgesr median (>1: edgesr is faster); "
    "edgesr/cv2 = edgesr median / cv2.resize INTER_CUBIC median (>1: edgesr takes longer than classic bicubic).",
    "Medians of one run on a shared machine: compare ratios within this run, not absolute times across runs.",
    "edgesr runs the bundle artifact `auto` picked (parity-checked against PyTorch); torch runs the same weights "
    "eagerly under inference_mode; cv2 upscales the same float32 LR frames (no model).",
)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", help="output file stem or .md/.json/.csv path (default "
                                      "benchmarks/peers/results/peers-<date>[-quick])")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: the first model only, 20 ms warm-up, 0.2 s / 3 iterations, 3 frames")
    parser.add_argument("--models", help="comma-separated model ids (default: one per family)")
    parser.add_argument("--resolution", default="1920x1080", help="output WxH (default 1920x1080)")
    parser.add_argument("--threads", type=int, default=os.cpu_count(),
                        help="threads for every runtime (default: all %d CPUs)" % os.cpu_count())
    parser.add_argument("--bundles", default="edgesr-bundles", help="bundle folder (default ./edgesr-bundles)")
    parser.add_argument("--warmup-ms", type=float, help="warm-up per measurement (default 200, quick 20)")
    parser.add_argument("--duration-s", type=float,
                        help="minimum timed seconds (default 3, quick 0.2; --graphs: 1 per round)")
    parser.add_argument("--iterations", type=int,
                        help="minimum timed iterations (default 10, quick 3; --graphs: 2 per round)")
    parser.add_argument("--frames", type=int, help="distinct input frames (default 14, quick 3; --graphs 6)")
    parser.add_argument("--graphs", action="store_true",
                        help="reference vs optimised graphs per runtime, torch eager and cv2, with goals (see above)")
    parser.add_argument("--rounds", type=int, help="--graphs: interleaved timing rounds (default 3, quick 1)")
    return parser.parse_args(argv)


def graph_settings_of(args):
    """--graphs timing: GRAPH_DEFAULTS (GRAPH_QUICK with --quick), explicit flags over both; LR size from output."""
    base = dict(GRAPH_QUICK if args.quick else GRAPH_DEFAULTS)
    for key in base:
        if getattr(args, key) is not None:
            base[key] = getattr(args, key)
    width, height = (int(v) for v in args.resolution.lower().split("x"))
    return dict(base, threads=args.threads, resolution=args.resolution, lr_width=width // 2, lr_height=height // 2)


def settings_of(args):
    """The timing settings: the harness defaults, the quick ones with --quick, explicit flags over both."""
    from edgesr_runtime import harness as bench

    base = dict(QUICK) if args.quick else {"warmup_ms": bench.DEFAULT_WARMUP_MS,
                                           "duration_s": bench.DEFAULT_DURATION_S,
                                           "iterations": bench.DEFAULT_MIN_ITERATIONS,
                                           "frames": bench.DEFAULT_FRAMES}
    for key in base:
        if getattr(args, key) is not None:
            base[key] = getattr(args, key)
    return dict(base, threads=args.threads, resolution=args.resolution, bundles=args.bundles)


def load_average():
    """The 1/5/15-minute load average as text, or None off Linux."""
    try:
        with open("/proc/loadavg") as handle:
            return " ".join(handle.read().split()[:3])
    except OSError:
        return None


def edgesr_result(model_id, runtime, settings, log):
    """One edgesr.bench measurement (auto or torch), no power meter, no store row."""
    from edgesr.bench import BenchRequest, measure

    request = BenchRequest(model_id, runtime=runtime, bundles_dir=settings["bundles"],
                           resolution=settings["resolution"], threads=settings["threads"],
                           warmup_ms=settings["warmup_ms"], duration_s=settings["duration_s"],
                           iterations=settings["iterations"], frames=settings["frames"], power="none")
    return measure(request, log=log).to_dict()


def cv2_result(scale, input_shape, settings, cache):
    """cv2.resize INTER_CUBIC on frames of ``input_shape``, measured once per (scale, shape)."""
    from edgesr_runtime.harness import MeasureRequest, measure_runner

    key = (scale, tuple(input_shape))
    if key not in cache:
        request = MeasureRequest(model_id="cv2-INTER_CUBIC_s%d" % scale, frames=settings["frames"],
                                 warmup_ms=settings["warmup_ms"], duration_s=settings["duration_s"],
                                 iterations=settings["iterations"], input_size=tuple(input_shape[2:]), power="none")
        with Cv2BicubicRunner(scale, settings["threads"]) as runner:
            cache[key] = measure_runner(runner, request, artifact="cv2.resize").to_dict()
    return cache[key]


def measure_model(model_id, settings, cache, log):
    """The row of one model; a failure becomes the row's ``error`` so the other models still run."""
    from edgesr.models import get_config
    from edgesr_runtime.errors import EdgesrError

    try:
        edgesr = edgesr_result(model_id, "auto", settings, log)
        torch = edgesr_result(model_id, "torch", settings, log)
    except EdgesrError as err:
        return peer_row(model_id, error=str(err))
    cv2 = cv2_result(get_config(model_id).scale, edgesr["input_shape"], settings, cache) if cv2_version() else None
    return peer_row(model_id, edgesr, torch, cv2)


def _versions():
    from importlib import metadata

    versions = {"python": platform.python_version()}
    for name in ("edgesr", "torch", "onnxruntime", "ai-edge-litert", "opencv-python-headless", "numpy"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "missing"
    return versions


def _machine(environment):
    """The conditions the Markdown header names (the JSON also keeps the whole environment)."""
    cpu, system = environment.get("cpu") or {}, environment.get("os") or {}
    return {"cpu": cpu.get("model"), "cpu_count": os.cpu_count(), "host": platform.node(),
            "os": "%s, kernel %s" % (system.get("pretty_name") or system.get("system"), system.get("kernel")),
            "niceness": os.nice(0) if hasattr(os, "nice") else None}


def out_stem(args, today):
    if args.out:
        stem, suffix = os.path.splitext(args.out)
        return stem if suffix.lower() in (".md", ".json", ".csv") else args.out
    return os.path.join(HERE, "results", "peers-%s%s" % (today, "-quick" if args.quick else ""))


def graph_rows(models, settings, rates, log):
    """Measure every model (a failure becomes an entry of ``errors``); returns (rows, errors)."""
    from edgesr.models import create_model, get_config
    from edgesr_runtime.errors import EdgesrError

    from graphs import measure_graphs, role, x2_extremes
    from graph_table import graph_row
    from roofline import floor, model_work

    extremes, rows, errors = x2_extremes(), [], []
    for model_id in models:
        print("%s ..." % model_id, file=sys.stderr)
        try:
            measured = measure_graphs(model_id, settings, log)
        except (EdgesrError, RuntimeError, ValueError) as err:
            errors.append({"model": model_id, "error": "%s: %s" % (type(err).__name__, err)})
            continue
        work = model_work(create_model(model_id), settings["lr_height"], settings["lr_width"])
        rows.append(graph_row(model_id, get_config(model_id).family, role(model_id, extremes), measured,
                              floor(work, rates)))
    return rows, errors


def main_graphs(args):
    """``--graphs``: the reference-vs-optimised table, the machine's rates and the goals."""
    from edgesr_runtime.environment import capture_environment

    from graphs import smallest_and_largest_x2
    from graph_table import goals, markdown, write_report
    from roofline import machine_rates

    settings = graph_settings_of(args)
    models = args.models.split(",") if args.models else ["eSR-MAX_s2_K3_C1"] if args.quick \
        else smallest_and_largest_x2()
    now = datetime.datetime.now(datetime.timezone.utc)
    log = lambda message: print("  " + message, file=sys.stderr)  # noqa: E731
    load_before = load_average()
    print("graph benchmark: %d model(s), load average %s, threads %s" % (len(models), load_before, args.threads),
          file=sys.stderr)
    rates = machine_rates(args.threads)
    rows, errors = graph_rows([m.strip() for m in models], settings, rates, log)
    environment = capture_environment()
    notes = list(GRAPH_NOTES) + ([] if cv2_version() else
                                 ["cv2 is not installed here, so the cv2 column is n/a (pip install "
                                  "opencv-python-headless)"])
    report = {"schema": "edgesr-peer-graphs/1", "created_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
              "command": "python benchmarks/peers/run.py " + " ".join(sys.argv[1:]),
              "load_before": load_before, "load_after": load_average(), "settings": settings, "rates": rates,
              "machine": _machine(environment), "environment": environment, "versions": _versions(),
              "cv2": cv2_version(), "rows": rows, "goals": goals(rows), "errors": errors, "notes": notes}
    print(markdown(report))
    stem = out_stem(args, now.strftime("%Y-%m-%d")).replace(os.sep + "peers-", os.sep + "graphs-") \
        if not args.out else out_stem(args, None)
    for path in write_report(stem, report):
        print("wrote %s" % path)
    return 1 if errors else 0


def main(argv=None):
    from edgesr_runtime.environment import capture_environment

    args = parse_args(argv)
    if args.graphs:
        return main_graphs(args)
    settings = settings_of(args)
    models = args.models.split(",") if args.models else MODELS[:1] if args.quick else MODELS
    notes = list(NOTES)
    if not cv2_version():
        notes.append("cv2 is not installed here, so the cv2 column is n/a (pip install opencv-python-headless)")
    now = datetime.datetime.now(datetime.timezone.utc)
    log = lambda message: print("  " + message, file=sys.stderr)  # noqa: E731
    load_before, rows, cache = load_average(), [], {}
    print("peer benchmark: %d model(s), load average %s, threads %s" % (len(models), load_before, args.threads),
          file=sys.stderr)
    for model_id in models:
        print("%s ..." % model_id, file=sys.stderr)
        rows.append(measure_model(model_id.strip(), settings, cache, log))
    environment = capture_environment()
    report = {"schema": "edgesr-peers/1", "created_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
              "load_before": load_before, "load_after": load_average(), "settings": settings,
              "machine": _machine(environment), "environment": environment, "versions": _versions(),
              "cv2": cv2_version(), "rows": rows, "notes": notes}
    print(text_table(rows))
    print("load average before %s, after %s" % (report["load_before"], report["load_after"]))
    for path in write_report(out_stem(args, now.strftime("%Y-%m-%d")), report):
        print("wrote %s" % path)
    return 1 if any(row["error"] for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
