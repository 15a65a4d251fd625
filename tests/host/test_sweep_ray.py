"""`edgesr sweep --executor ray` on a real local Ray cluster: a head (the driver, no CPUs) plus worker
node processes carrying the timing resource; the same store as the local executor; a worker killed
mid-sweep loses no rows; bundles travel as verified bytes; the timing module loads no torch."""

import dataclasses
import io
import os
import sqlite3
import subprocess
import sys
import tarfile
import threading
import time

import pytest

ray = pytest.importorskip("ray", reason="Ray is an optional extra: pip install 'edgesr[ray]'")
cluster_utils = pytest.importorskip("ray.cluster_utils", reason="ray.cluster_utils ships with Ray")
pytest.importorskip("edgesr_export", reason="the exporter (./export) is not installed")

from edgesr_runtime.bundle import BundleIntegrityError  # noqa: E402
from edgesr_runtime.errors import EdgesrError  # noqa: E402
from edgesr_runtime.store import ResultStore  # noqa: E402

from edgesr.remote_timing import pack_bundle, unpack_bundle  # noqa: E402
from edgesr.sweep import run_sweep  # noqa: E402
from edgesr.sweep_plan import SweepPlan  # noqa: E402
from edgesr.sweep_ray import HOST_TIMING_RESOURCE  # noqa: E402

MODELS = ["eSR-MAX_s2_K3_C1", "eSR-TM_s2_K3_C1", "Bicubic_s2"]
KILL_MODELS = ["eSR-TR_s2_K3_C1", "ESPCN_s2_D0_S3", "eSR-MAX_s3_K3_C1", "Bicubic_s3"]
WORKER = {"num_cpus": 1, "resources": {HOST_TIMING_RESOURCE: 1}}


def plan_for(tmp, models, executor, store, weights, address=None):
    # one runtime (not auto): auto may pick either of two about equally fast runtimes on tiny frames
    return SweepPlan(models=models, runtime="onnxruntime", store=str(tmp / store), bundles_dir=str(tmp / "bundles"),
                     datasets=["Set5"], resolution="96x72", warmup_ms=10.0, duration_s=0.05, iterations=3,
                     power="none", workers=1, device="test-host", weights_dir=str(weights), executor=executor,
                     ray_address=address, command="edgesr sweep (test)")


def row_keys(path):
    """[(kind, model, runtime, precision, dataset, device, status)] of a store, sorted."""
    with ResultStore(str(path)) as store:
        return sorted((r["kind"], r["model"], r["runtime"], r["precision"], r["dataset"], r["device"], r["status"])
                      for r in store.rows())


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A head node without CPUs (only the driver runs there); tests add and remove worker nodes."""
    cluster = cluster_utils.Cluster(initialize_head=True, head_node_args={"num_cpus": 0})
    ray.init(address=cluster.address, logging_level="WARNING")
    yield cluster
    ray.shutdown()
    cluster.shutdown()


@pytest.fixture(scope="module")
def local_run(tmp_path_factory, shared_weights, datasets_dir):
    """The local executor's sweep of MODELS: (folder, its store); its bundles are reused by the Ray run."""
    tmp = tmp_path_factory.mktemp("sweep-local")
    counts = run_sweep(plan_for(tmp, MODELS, "local", "local.db", shared_weights), log=lambda message: None)
    assert counts["latency"]["ok"] == len(MODELS) and counts["quality"]["ok"] == len(MODELS), counts
    return tmp


def test_timing_module_loads_neither_torch_nor_ray():
    code = "import sys, edgesr.remote_timing; print(sorted(m for m in ('torch', 'ray') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=dict(os.environ))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("change, message", [({"runtime": "torch"}, "--runtime torch"),
                                             ({"target": "rpi", "device": None}, "needs --device")])
def test_settings_the_ray_executor_cannot_serve_are_refused_before_connecting(tmp_path, change, message):
    plan = dataclasses.replace(plan_for(tmp_path, MODELS, "ray", "x.db", tmp_path, "127.0.0.1:1"), **change)
    with pytest.raises(EdgesrError, match=message):
        run_sweep(plan, log=lambda message: None)


def test_a_bundle_travels_as_bytes_and_is_verified_on_arrival(local_run, tmp_path):
    folder = local_run / "bundles" / ("%s-cpu" % MODELS[0])
    arrived = unpack_bundle(pack_bundle(str(folder)), str(tmp_path / "a"))
    assert sorted(os.listdir(arrived)) == sorted(os.listdir(folder))
    onnx = next(name for name in os.listdir(arrived) if name.endswith(".onnx"))
    with open(os.path.join(arrived, onnx), "r+b") as f:  # one flipped byte on the way
        f.seek(100)
        byte = f.read(1)
        f.seek(100)
        f.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(BundleIntegrityError, match=onnx):
        unpack_bundle(pack_bundle(arrived), str(tmp_path / "b"))
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo("../escape")
        tar.addfile(info, io.BytesIO(b""))
    with pytest.raises(EdgesrError, match="not a plain bundle archive"):
        unpack_bundle(buffer.getvalue(), str(tmp_path / "c"))


def test_ray_sweep_stores_the_same_rows_as_the_local_executor(cluster, local_run, shared_weights):
    worker = cluster.add_node(**WORKER)
    try:
        cluster.wait_for_nodes()
        counts = run_sweep(plan_for(local_run, MODELS, "ray", "ray.db", shared_weights, cluster.address),
                           log=lambda message: None)
    finally:
        cluster.remove_node(worker)
    assert counts["latency"]["ok"] == len(MODELS) and counts["quality"]["ok"] == len(MODELS), counts
    assert row_keys(local_run / "ray.db") == row_keys(local_run / "local.db")
    with ResultStore(str(local_run / "ray.db")) as store:
        payload = store.rows(kind="latency")[0]["payload"]
    assert payload["ray_node"] == worker.node_id and payload["export"]["status"] == "reused"


def test_a_worker_killed_mid_sweep_loses_no_rows_and_its_tasks_rerun_elsewhere(cluster, shared_weights, tmp_path,
                                                                                capfd):
    plan = plan_for(tmp_path, KILL_MODELS, "ray", "killed.db", shared_weights, cluster.address)
    first = cluster.add_node(**WORKER)
    cluster.wait_for_nodes()
    outcome = {}
    sweep = threading.Thread(target=lambda: outcome.update(run_sweep(plan, log=lambda message: None)))
    sweep.start()
    before = _wait_for_rows(tmp_path / "killed.db", sweep)
    assert 0 < len(before) < 2 * len(KILL_MODELS), "the sweep must be mid-way when the node dies"
    cluster.remove_node(first)  # SIGKILL: its running tasks die with it
    second = cluster.add_node(**WORKER)
    try:
        sweep.join(timeout=600)
        assert not sweep.is_alive() and outcome, "the sweep did not finish after the node died"
    finally:
        cluster.remove_node(second)
    assert outcome["latency"] == {"ok": len(KILL_MODELS), "failed": 0, "skipped": 0}
    assert outcome["quality"]["failed"] == 0
    after = _ok_rows(tmp_path / "killed.db")
    assert {k: v for k, v in after.items() if k in before} == before, "a finished row was lost or redone"
    assert sorted(after) == sorted((kind, m) for kind in ("latency", "quality") for m in KILL_MODELS)
    with ResultStore(str(tmp_path / "killed.db")) as store:
        nodes = {r["payload"]["ray_node"] for r in store.rows(kind="latency")}
    assert second.node_id in nodes, "no timing ran on the node that replaced the dead one"
    assert _wait_for_text(capfd, "so the task will be retried"), "Ray reported no retried task"
    # a rerun finds everything stored: it submits nothing (and so needs no timing node)
    again = run_sweep(plan, log=lambda message: None)
    assert again["latency"]["skipped"] == again["quality"]["skipped"] == len(KILL_MODELS)


def _wait_for_text(capfd, text, timeout=20):
    """True once ``text`` shows in the output (Ray forwards its workers' and raylets' logs asynchronously)."""
    seen, deadline = "", time.time() + timeout
    while time.time() < deadline:
        seen += "".join(capfd.readouterr())
        if text in seen:
            return True
        time.sleep(0.5)
    return False


def _wait_for_rows(path, sweep, timeout=300):
    """The ok rows once the first one is stored (while the sweep still runs)."""
    deadline = time.time() + timeout
    while time.time() < deadline and sweep.is_alive():
        rows = _ok_rows(path) if path.exists() else {}
        if rows:
            return rows
        time.sleep(0.05)
    return {}


def _ok_rows(path):
    """{(kind, model): created_at} of the ok rows (read without locking out the driver)."""
    with sqlite3.connect(str(path)) as db:
        try:
            found = db.execute("SELECT kind, model, created_at FROM results WHERE status='ok'").fetchall()
        except sqlite3.OperationalError:  # the driver has not created the table yet
            return {}
    assert len(found) == len({(k, m) for k, m, _ in found}), "a row was stored twice"
    return {(k, m): c for k, m, c in found}
