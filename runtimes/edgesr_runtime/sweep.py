"""The on-device sweep: benchmark every bundle in a folder into the results store, resumably.

``python -m edgesr_runtime.sweep BUNDLES_DIR --store device.db [--shard 1/4]`` times each bundle
with ``--runtime auto`` (the fastest artifact that passed parity) and writes one kind=latency row
per bundle at once; a bundle already in the store is skipped, a failing one is stored as
kind=failure with its reason and the sweep goes on. Merge the store into the host's with
``edgesr results merge`` and run ``edgesr report``.
"""

import argparse
import os
import re
import sys

from .errors import EdgesrError
from .progress import Progress

SWEEP_FAILURE_KEY = "sweep:latency"


def parse_shard(text):
    """'i/n' (1 <= i <= n) → (i, n); EdgesrError otherwise."""
    match = re.match(r"^\s*(\d+)\s*/\s*(\d+)\s*$", str(text or ""))
    if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise EdgesrError("bad --shard %r" % (text,), "use i/n with 1 <= i <= n, e.g. --shard 2/4")
    return int(match.group(1)), int(match.group(2))


def select_shard(items, shard):
    """The items of shard (i, n): every n-th of the sorted items starting at i-1 (deterministic, balanced)."""
    if shard is None:
        return sorted(items)
    index, count = shard
    return sorted(items)[index - 1::count]


def latency_done(store, model, device, setting):
    """True when the store already holds a latency row of ``model`` for this device and setting."""
    return any(row["device"] == device and row["dataset"] == setting
               for row in store.rows(kind="latency", model=model, status="ok"))


def record_failure(store, model, device, stage, error):
    """Store one failure (retried by the next run) with its one-line reason."""
    store.put("failure", model, "auto", "", {"stage": stage, "reason": str(error).splitlines()[0]},
              dataset=SWEEP_FAILURE_KEY, device=device, status="failed")


def bundle_folders(root):
    """Sorted bundle folders (those holding a manifest.json) directly under ``root``."""
    if not os.path.isdir(root):
        raise EdgesrError("%s is not a folder" % root, "pass the folder that holds the exported bundles")
    found = sorted(os.path.join(root, name) for name in os.listdir(root)
                   if os.path.isfile(os.path.join(root, name, "manifest.json")))
    if not found:
        raise EdgesrError("no bundles (folders with manifest.json) in %s" % root,
                          "export them on the host: edgesr export --target rpi --models GLOB --out DIR")
    return found


def run(args):
    from . import bench
    from .store import ResultStore

    folders = select_shard(bundle_folders(args.bundles), parse_shard(args.shard) if args.shard else None)
    progress = Progress(len(folders))
    with ResultStore(args.store) as store:
        store.set_meta("device_sweep_command", " ".join(["python -m edgesr_runtime.sweep"] + sys.argv[1:]))
        for folder in folders:
            bench_args = bench.build_parser().parse_args(
                [folder, "--runtime", "auto", "--power", args.power, "--duration-s", str(args.duration_s),
                 "--warmup-ms", str(args.warmup_ms), "--iterations", str(args.iterations)]
                + (["--threads", str(args.threads)] if args.threads else [])
                + (["--device", args.device] if args.device else []))
            name = model = os.path.basename(folder)
            try:
                model = _manifest_model(folder)
                device = bench.device_label(args.device)
                if latency_done(store, model, device, _setting(folder, args.threads)):
                    progress.step(name, "already in the store")
                    continue
                result = bench.run(bench_args)
                store.put("latency", result["model"], result["runtime"], result["precision"], result,
                          dataset=bench.store_setting_key(result), device=bench.device_label(args.device, result))
                progress.step(name, "%s %.2f fps" % (result["runtime"], result["fps"]))
            except EdgesrError as err:
                record_failure(store, model, bench.device_label(args.device), "latency", err)
                progress.step(name, "FAILED: %s" % err)
    return 0


def _manifest_model(folder):
    from .bundle import load_manifest

    return load_manifest(folder)["model"]["id"]


def _setting(folder, threads):
    """The store setting key a plain (model-only) run of this bundle will get."""
    from . import bench
    from .bundle import load_manifest

    shape = load_manifest(folder)["input"]
    return bench.store_setting_key({"mode": "model", "input_shape": [1, 1, shape["lr_height"], shape["lr_width"]],
                                    "threads": threads})


def build_parser():
    from . import bench

    parser = argparse.ArgumentParser(
        prog="python -m edgesr_runtime.sweep",
        description="Benchmark every exported bundle in a folder on this device (runtime auto: the fastest "
                    "artifact that passed parity), writing each result at once to a SQLite store. Resumes "
                    "after a kill; failures are stored with their reason and skipped.",
    )
    parser.add_argument("bundles", help="folder holding the bundles (edgesr export --out)")
    parser.add_argument("--store", default="edgesr-results.db", help="SQLite results store (default %(default)s)")
    parser.add_argument("--shard", help="i/n: only every n-th bundle starting at the i-th (split across devices)")
    parser.add_argument("--power", default="auto", help="power meter (default auto; none to skip)")
    parser.add_argument("--threads", type=int, help="runtime threads (default: the runtime's own)")
    parser.add_argument("--device", help="device label for the store (default: board model, else host name)")
    parser.add_argument("--warmup-ms", type=float, default=bench.DEFAULT_WARMUP_MS)
    parser.add_argument("--duration-s", type=float, default=bench.DEFAULT_DURATION_S)
    parser.add_argument("--iterations", type=int, default=bench.DEFAULT_MIN_ITERATIONS)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except EdgesrError as err:
        print("error: %s" % err, file=sys.stderr)
        return err.exit_code


if __name__ == "__main__":
    sys.exit(main())
