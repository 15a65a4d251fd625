"""``edgesr sweep``: the speed-quality sweep over many models into one resumable results store."""

import os
import shlex
import sys

from edgesr.sweep_plan import EXECUTORS, SweepPlan
from edgesr_runtime.commands.options import (STORE_ENV, add_power_options, add_shard_option, add_store_option,
                                             add_timing_options, parse_shard, request_fields)


def add_parser(subparsers):
    p = subparsers.add_parser(
        "sweep",
        help="export, check, benchmark and evaluate many models into one results store (resumable)",
        description="For each model: export (or reuse) the bundle with parity-checked artifacts, pick the runtime "
        "(auto: fastest artifact that passed parity), benchmark it at a Full-HD output, then evaluate PSNR/SSIM. "
        "Every result is written at once to the SQLite store; a rerun skips what is stored, so a killed sweep "
        "resumes. Failures are stored with their reason and skipped. --target jetson|rpi exports the device "
        "bundles (benchmark them on the device with `python -m edgesr_runtime sweep`) and evaluates quality here.",
    )
    p.add_argument("--models", default="*", help="ids, globs or model specs (module:factory, file.py:factory, "
                   "trained run folders), comma-separated (default: all 1185)")
    p.add_argument("--target", default="cpu", choices=("cpu", "jetson", "rpi"), help="where the models run (default cpu)")
    p.add_argument("--runtime", default="auto", help="auto|onnxruntime|litert|torch (default auto)")
    add_shard_option(p, "model")
    add_store_option(p, env=STORE_ENV)
    p.add_argument("--bundles", default="edgesr-bundles", help="bundle folder (default ./edgesr-bundles)")
    p.add_argument("--datasets", default="Set14", help="quality datasets, comma-separated (default Set14)")
    p.add_argument("--graph", choices=("optimised", "reference"), default="optimised",
                   help="optimised (default): each model's exact deployment form; reference: the literal module, to measure "
                   "the gain (use its own --bundles and --store: the store does not key rows by graph)")
    p.add_argument("--resolution", default="1920x1080", help="output resolution of the benchmark (default 1920x1080)")
    add_timing_options(p, duration_s=SweepPlan.duration_s, iterations=SweepPlan.iterations, frames=None)
    add_power_options(p)
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes for the quality phase")
    p.add_argument("--device", help="device label in the store (default: host name)")
    p.add_argument("--weights-dir", help="folder holding the .model weight files")
    ray_group = p.add_argument_group("Ray executor (pip install 'edgesr[ray]'; docs/ray.md)")
    ray_group.add_argument("--executor", default="local", choices=EXECUTORS,
                           help="local: this process (default); ray: one task per model and step on a Ray cluster")
    ray_group.add_argument("--address", help="Ray cluster to join, e.g. HEAD:6379 (default: start a local one)")
    ray_group.add_argument("--device-resource",
                           help="Ray resource the timing nodes carry, e.g. device_rpi400 (default edgesr_timing)")
    ray_group.add_argument("--ray-retries", type=int, default=SweepPlan.ray_retries,
                           help="reruns of a task whose node died (default %(default)s)")
    p.set_defaults(func=run)


def run(args):
    # torch and the converters load here, not when the CLI starts (`edgesr --help`, `edgesr check` stay light)
    from edgesr.models.source import expand
    from edgesr.sweep import run_sweep

    shard = parse_shard(args.shard)
    plan = SweepPlan(
        models=expand(args.models), target=args.target, runtime=args.runtime, store=args.store,
        bundles_dir=args.bundles, datasets=[d.strip() for d in args.datasets.split(",") if d.strip()],
        resolution=args.resolution, workers=max(1, args.workers), device=args.device, weights_dir=args.weights_dir,
        graph=args.graph, executor=args.executor, ray_address=args.address, device_resource=args.device_resource,
        ray_retries=max(0, args.ray_retries), command=" ".join(["edgesr"] + [shlex.quote(a) for a in sys.argv[1:]]),
        **request_fields(args),
    )
    counts = run_sweep(plan, shard)
    for phase, numbers in counts.items():
        print("%s: %d done now, %d already stored, %d failed" % (phase, numbers["ok"], numbers["skipped"],
                                                                numbers["failed"]))
    print("store: %s — next: edgesr report %s --out edgesr-report" % (plan.store, plan.store))
    return 1 if any(numbers["failed"] for numbers in counts.values()) else 0
