"""The SQLite results store shared by evaluation, benchmarking and the sweep."""

import sqlite3

import numpy as np
import pytest

from edgesr_runtime.store import ResultStore


def test_put_commits_at_once_and_has_finds_it(tmp_path):
    path = tmp_path / "r.db"
    with ResultStore(path) as store:
        store.put("quality", "eSR-MAX_s2_K3_C1", "torch", "fp32", {"psnr": np.float64(33.1)}, dataset="Set5")
        # another connection sees the row without any close/flush: it was committed
        other = sqlite3.connect(str(path))
        assert other.execute("SELECT COUNT(*) FROM results").fetchone()[0] == 1
        assert store.has("quality", "eSR-MAX_s2_K3_C1", "torch", "fp32", dataset="Set5")
        assert not store.has("quality", "eSR-MAX_s2_K3_C1", "torch", "fp32", dataset="Set14")
        assert store.rows(kind="quality")[0]["payload"] == {"psnr": 33.1}


def test_replace_false_keeps_the_first_result(tmp_path):
    with ResultStore(tmp_path / "r.db") as store:
        store.put("latency", "m", "onnxruntime", "fp32", {"fps": 1.0})
        store.put("latency", "m", "onnxruntime", "fp32", {"fps": 2.0}, replace=False)
        assert store.rows()[0]["payload"]["fps"] == 1.0
        store.put("latency", "m", "onnxruntime", "fp32", {"fps": 3.0})
        assert [r["payload"]["fps"] for r in store.rows()] == [3.0]


def test_unknown_kind_is_rejected(tmp_path):
    with ResultStore(tmp_path / "r.db") as store, pytest.raises(ValueError, match="unknown result kind"):
        store.put("speed", "m", "r", "fp32", {})


def test_merge_adds_missing_rows_only(tmp_path):
    with ResultStore(tmp_path / "a.db") as a, ResultStore(tmp_path / "b.db") as b:
        a.put("quality", "m1", "torch", "fp32", {"psnr": 1.0}, dataset="Set5")
        b.put("quality", "m1", "torch", "fp32", {"psnr": 9.0}, dataset="Set5")
        b.put("quality", "m2", "torch", "fp32", {"psnr": 2.0}, dataset="Set5")
    with ResultStore(tmp_path / "a.db") as a:
        assert a.merge_from(tmp_path / "b.db") == 1
        assert a.merge_from(tmp_path / "b.db") == 0
        assert {r["model"]: r["payload"]["psnr"] for r in a.rows()} == {"m1": 1.0, "m2": 2.0}
