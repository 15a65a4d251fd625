"""`edgesr sweep`: shards, kill-and-resume, the device-side sweep, and a tiny sweep into a report."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from edgesr_runtime.errors import EdgesrError
from edgesr_runtime.store import ResultStore
from edgesr_runtime.commands.options import parse_shard, select_shard

MODELS = ["eSR-MAX_s2_K3_C1", "eSR-TM_s2_K3_C1", "ESPCN_s3_D0_S3", "Bicubic_s4"]
TINY = ["--resolution", "96x72", "--duration-s", "0.05", "--warmup-ms", "10", "--iterations", "3",
        "--datasets", "Set5", "--workers", "1", "--power", "none", "--device", "test-host"]
REPO = Path(__file__).resolve().parents[2]


def sweep(tmp, store, *extra, bundles=None, wait=True):
    args = [sys.executable, "-m", "edgesr", "sweep", "--models", ",".join(MODELS), "--store", str(store),
            "--bundles", str(bundles or tmp / "bundles"), *TINY, *extra]
    if not wait:
        return subprocess.Popen(args, cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return subprocess.run(args, cwd=tmp, capture_output=True, text=True)


def keyed_rows(path):
    """{(kind, model, dataset, device): created_at} of the ok rows. Not keyed by runtime: two sweeps may
    each let ``auto`` pick another of two runtimes that are about as fast on these tiny frames."""
    rows = {}
    with ResultStore(path) as store:
        for r in store.rows():
            if r["status"] == "ok":
                key = (r["kind"], r["model"], r["dataset"], r["device"])
                assert key not in rows, "two %s rows for %s" % (r["kind"], r["model"])
                rows[key] = r["created_at"]
    return rows


@pytest.fixture(scope="module")
def bundles(tmp_path_factory, shared_weights):
    """One unsharded sweep; its bundles are reused by the other tests (export happens once)."""
    pytest.importorskip("edgesr_export", reason="the exporter (./export) is not installed")
    tmp = tmp_path_factory.mktemp("sweep")
    result = sweep(tmp, tmp / "full.db")
    assert result.returncode == 0, result.stderr[-3000:]
    return tmp


def test_shards_split_deterministically_and_cover_everything():
    items = ["m%d" % i for i in range(10)]
    parts = [select_shard(items, (i, 3)) for i in (1, 2, 3)]
    assert sorted(sum(parts, [])) == sorted(items) and all(len(p) in (3, 4) for p in parts)
    assert parts == [select_shard(list(reversed(items)), (i, 3)) for i in (1, 2, 3)]
    for bad in ("0/2", "3/2", "x", "1/0"):
        with pytest.raises(EdgesrError, match="bad --shard"):
            parse_shard(bad)


def test_full_sweep_stores_one_latency_and_one_quality_row_per_model(bundles):
    rows = keyed_rows(bundles / "full.db")
    assert sorted(k[1] for k in rows if k[0] == "latency") == sorted(MODELS)
    assert sorted(k[1] for k in rows if k[0] == "quality") == sorted(MODELS)
    with ResultStore(bundles / "full.db") as store:
        assert "edgesr sweep" in store.get_meta("sweep_command")
        latency = store.rows(kind="latency")[0]["payload"]
        assert latency["auto"]["chosen"] == latency["runtime"] and latency["power_w"] is None


def test_two_shards_merged_equal_the_unsharded_run(bundles, tmp_path):
    for index in (1, 2):
        result = sweep(tmp_path, tmp_path / ("shard%d.db" % index), "--shard", "%d/2" % index, bundles=bundles / "bundles")
        assert result.returncode == 0, result.stderr[-3000:]
    merge = subprocess.run([sys.executable, "-m", "edgesr", "results", "merge", str(tmp_path / "merged.db"),
                            str(tmp_path / "shard1.db"), str(tmp_path / "shard2.db")], capture_output=True, text=True)
    assert merge.returncode == 0, merge.stderr
    assert set(keyed_rows(tmp_path / "merged.db")) == set(keyed_rows(bundles / "full.db"))


def test_killed_sweeps_resume_without_losing_or_redoing_work(bundles, tmp_path):
    store = tmp_path / "killed.db"
    seen = {}
    for delay in (0.0, 0.5, 1.0):
        process = sweep(tmp_path, store, bundles=bundles / "bundles", wait=False)
        deadline = time.time() + 120
        while time.time() < deadline and process.poll() is None:
            if store.exists() and len(_ok_rows(store)) > len(seen):
                time.sleep(delay)
                break
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait()
        rows = keyed_rows(store) if store.exists() else {}
        assert all(rows.get(key) == created for key, created in seen.items()), "a finished result was lost or redone"
        seen = rows
    final = sweep(tmp_path, store, bundles=bundles / "bundles")
    assert final.returncode == 0, final.stderr[-3000:]
    rows = keyed_rows(store)
    assert all(rows[key] == created for key, created in seen.items())
    assert set(rows) == set(keyed_rows(bundles / "full.db"))


def _ok_rows(path):
    try:
        with sqlite3.connect(str(path)) as db:
            return db.execute("SELECT kind, model FROM results WHERE status='ok'").fetchall()
    except sqlite3.Error:
        return []


BLOCK_TORCH = (
    "import sys\n"
    "class Block:\n"
    "    def find_spec(self, name, path=None, target=None):\n"
    "        if name == 'torch' or name.startswith('torch.'):\n"
    "            raise ImportError('torch is blocked on the device')\n"
    "sys.meta_path.insert(0, Block())\n"
    "import runpy; sys.argv = ['edgesr_runtime', 'sweep'] + sys.argv[1:]\n"
    "runpy.run_module('edgesr_runtime', run_name='__main__')\n"
)


def test_device_sweep_runs_without_torch_and_resumes(bundles, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(REPO / "runtimes"))
    args = [sys.executable, "-c", BLOCK_TORCH, str(bundles / "bundles"), "--store", str(tmp_path / "device.db"),
            "--power", "none", "--duration-s", "0.05", "--warmup-ms", "10", "--iterations", "3", "--device", "pi"]
    first = subprocess.run(args, capture_output=True, text=True, env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-3000:]
    rows = keyed_rows(tmp_path / "device.db")
    assert sorted(k[1] for k in rows if k[0] == "latency") == sorted(MODELS)
    second = subprocess.run(args, capture_output=True, text=True, env=env, cwd=tmp_path)
    assert second.returncode == 0 and second.stderr.count("already in the store") == len(MODELS)
    assert keyed_rows(tmp_path / "device.db") == rows


def test_tiny_sweep_makes_a_report(bundles, tmp_path):
    pytest.importorskip("matplotlib")
    result = subprocess.run([sys.executable, "-m", "edgesr", "report", str(bundles / "full.db"), "--out",
                             str(tmp_path / "report"), "--formats", "html,md,csv,png"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    html = (tmp_path / "report" / "report.html").read_text()
    assert html.count("<img") >= 3 and "eSR-MAX_s2_K3_C1" in html
    assert "edgesr sweep" in html
