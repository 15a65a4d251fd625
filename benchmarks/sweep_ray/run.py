#!/usr/bin/env python3
"""The 25-model default sweep with the local executor vs the Ray executor (2 nodes), in one run.

    python benchmarks/sweep_ray/run.py [--out FILE] [--models GLOBS] [--quick]

Both sweeps start from nothing (fresh store and bundle folder: exports included, as a user's first
run) with the same options, one after the other on this machine. The Ray run gets a local cluster
of two real node processes (``ray.cluster_utils.Cluster``): a head with 1 CPU (export and quality
tasks) and a worker with 1 CPU plus the ``edgesr_timing`` resource (timings; exports and quality
may run there too); the local run gets ``--workers 2`` for its quality pool, so both use two cores.
Writes FILE.json and FILE.md (default benchmarks/sweep_ray/results/sweep-ray-<date>) with the wall
time of each, the ratio ray/local (Ray's overhead when > 1) and whether both stores hold the same rows.
"""

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

from ray import cluster_utils

from edgesr_runtime.store import ResultStore

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = "eSR-*_s2_K3_C[1-4],eSR-CNN_s2_C2_D1_*,ESPCN_s2_D0_*,FSRCNN_s2_D6_S1_*,Bicubic_s2"
QUICK = ["--resolution", "192x108", "--duration-s", "0.1", "--iterations", "3", "--datasets", "Set5"]


def sweep(folder, executor, models, extra, address=None):
    """Wall seconds and exit code of one ``edgesr sweep`` into ``folder``."""
    command = [sys.executable, "-m", "edgesr", "sweep", "--models", models, "--store", os.path.join(folder, "r.db"),
               "--bundles", os.path.join(folder, "bundles"), "--power", "none", "--workers", "2",
               "--device", "bench-host", "--executor", executor] + extra
    if address:
        command += ["--address", address]
    started = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-3000:])
    counts = [line for line in done.stdout.splitlines() if line.startswith(("latency:", "quality:"))]
    return round(seconds, 1), done.returncode, counts


def row_keys(path):
    """(kind, model, dataset, device, status) of every row; runtime left out: ``auto`` may pick either of two
    about equally fast runtimes."""
    with ResultStore(path) as store:
        return sorted((r["kind"], r["model"], r["dataset"], r["device"], r["status"]) for r in store.rows())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=MODELS)
    parser.add_argument("--quick", action="store_true", help="small frames, short timings, Set5 (a smoke run)")
    parser.add_argument("--out", default=os.path.join(HERE, "results", "sweep-ray-%s" % datetime.date.today()))
    args = parser.parse_args(argv)
    extra = QUICK if args.quick else []
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="edgesr-sweep-ray-") as scratch:
        local_dir, ray_dir = os.path.join(scratch, "local"), os.path.join(scratch, "ray")
        local = sweep(local_dir, "local", args.models, extra)
        print("local executor: %.1f s (exit %d)" % local[:2], flush=True)
        cluster = cluster_utils.Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
        try:
            cluster.add_node(num_cpus=1, resources={"edgesr_timing": 1})
            cluster.wait_for_nodes()
            on_ray = sweep(ray_dir, "ray", args.models, extra, cluster.address)
        finally:
            cluster.shutdown()
        print("ray executor (2 nodes): %.1f s (exit %d)" % on_ray[:2], flush=True)
        same = row_keys(os.path.join(local_dir, "r.db")) == row_keys(os.path.join(ray_dir, "r.db"))
        rows = len(row_keys(os.path.join(ray_dir, "r.db")))
    record = {"models": args.models, "options": extra, "machine": platform.platform(), "cpus": os.cpu_count(),
              "load_before": load_before, "local_s": local[0], "local_exit": local[1], "local_summary": local[2],
              "ray_s": on_ray[0], "ray_exit": on_ray[1], "ray_summary": on_ray[2],
              "ray_over_local": round(on_ray[0] / local[0], 3), "same_rows": same, "rows": rows}
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out + ".json", "w") as f:
        json.dump(record, f, indent=1)
    with open(args.out + ".md", "w") as f:
        f.write("| executor | wall s | exit |\n|---|---|---|\n| local | %.1f | %d |\n| ray (2 nodes) | %.1f | %d |\n\n"
                "ray / local = %.3f; same rows in both stores: %s (%d rows)\n"
                % (local[0], local[1], on_ray[0], on_ray[1], record["ray_over_local"], same, rows))
    print("ray / local = %.3f; same rows: %s; written %s.json/.md" % (record["ray_over_local"], same, args.out))
    return 0 if local[1] == on_ray[1] == 0 and same else 1


if __name__ == "__main__":
    sys.exit(main())
