"""Hostile inputs on the device side: foreign SQLite files, non-finite timings, manifests that point
outside their bundle, damaged golden data, tampered bundles in a sweep. numpy + one runtime only."""

import argparse
import json
import os
import shutil
import sqlite3
import sys
from pathlib import Path

import numpy as np
import pytest

from edgesr_runtime import bundle as bundle_io
from edgesr_runtime.commands.options import add_power_options, add_timing_options
from edgesr_runtime.errors import EdgesrError
from edgesr_runtime.harness import MeasureRequest
from edgesr_runtime.store import ResultStore

from .foreign_files import foreign_database, run_with_read_only_folder

BUNDLE = "eSR-MAX_s2_K3_C1-cpu"
REPO = Path(__file__).resolve().parents[2]
FAST = ("--power", "none", "--duration-s", "0.05", "--iterations", "3", "--warmup-ms", "5")


# -- the results store ---------------------------------------------------------------------------


def test_a_foreign_sqlite_file_is_refused_and_left_byte_for_byte(tmp_path):
    path = foreign_database(tmp_path / "other.db")
    before = path.read_bytes()
    with pytest.raises(EdgesrError, match="database of another program.*users.*left untouched"):
        ResultStore(path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["other.db"]  # no -wal / -shm left beside it


READ_ONLY_CHECK = (
    "import sys\n"
    "from edgesr_runtime.errors import EdgesrError\n"
    "from edgesr_runtime.store import ResultStore\n"
    "with ResultStore(sys.argv[1], read_only=True) as store:\n"
    "    print('rows', store.count())\n"
    "try:\n"
    "    ResultStore(sys.argv[1])\n"
    "except EdgesrError as err:\n"
    "    print('writer:', err)\n"
)


def test_a_store_on_a_read_only_medium_is_read_and_refused_for_writing_clearly(tmp_path):
    folder = tmp_path / "sdcard"
    folder.mkdir()
    path = folder / "results.db"
    with ResultStore(path) as store:  # a WAL database: reading it normally creates a -shm file beside it
        store.put("quality", "m", "torch", "fp32", {"psnr": 30.0}, dataset="Set5")
    before = path.read_bytes()
    result = run_with_read_only_folder(folder, [sys.executable, "-c", READ_ONLY_CHECK, str(path)],
                                       env=dict(os.environ, PYTHONPATH=str(REPO / "runtimes")))
    assert result.returncode == 0, result.stderr
    assert "rows 1" in result.stdout
    assert ("writer: cannot write results store %s:" % path) in result.stdout
    assert "the file system is read-only" in result.stdout or "no permission to write in" in result.stdout
    assert path.read_bytes() == before and sorted(os.listdir(folder)) == ["results.db"]


def test_device_bench_refuses_a_store_it_cannot_write_before_measuring(tmp_path, fixture_bundles):
    folder = tmp_path / "sdcard"
    folder.mkdir()
    bench = ["-m", "edgesr_runtime", "bench", str(fixture_bundles / BUNDLE), "--store", str(folder / "new.db")]
    result = run_with_read_only_folder(folder, [sys.executable] + bench + list(FAST),
                                       env=dict(os.environ, PYTHONPATH=str(REPO / "runtimes")))
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("edgesr-device: error: cannot write results store")
    assert "fps" not in result.stdout  # refused before measuring
    assert os.listdir(folder) == []


def test_reading_a_store_never_creates_or_converts_a_file(tmp_path):
    with pytest.raises(EdgesrError, match="no results store at"):
        ResultStore(tmp_path / "missing.db", read_only=True)
    assert not (tmp_path / "missing.db").exists()
    (tmp_path / "empty.db").write_bytes(b"")
    with pytest.raises(EdgesrError, match="no results store at"):
        ResultStore(tmp_path / "empty.db", read_only=True)
    assert (tmp_path / "empty.db").read_bytes() == b""
    path = tmp_path / "odd #name?.db"  # URI characters in the name are quoted
    with ResultStore(path) as store:
        store.put("quality", "m", "torch", "fp32", {"psnr": 30.0}, dataset="Set5")
    with ResultStore(path, read_only=True) as store:
        assert store.count() == 1
        with pytest.raises(EdgesrError, match="cannot write results store"):
            store.put("quality", "n", "torch", "fp32", {"psnr": 1.0}, dataset="Set5")


def test_a_file_that_is_not_sqlite_is_refused(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("my notes\n")
    with pytest.raises(EdgesrError, match="not an SQLite file"):
        ResultStore(path)
    assert path.read_text() == "my notes\n"


def test_an_empty_file_becomes_a_new_store(tmp_path):
    """A 0-byte file (touch, mktemp) holds nobody's data: a writer initialises it as a store."""
    path = tmp_path / "new.db"
    path.touch()
    with ResultStore(path) as store:
        store.put("quality", "m", "torch", "fp32", {"psnr": 30.0}, dataset="Set5")
    with ResultStore(path) as store:
        assert store.count() == 1


def test_a_store_of_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "future.db"
    ResultStore(path).close()
    db = sqlite3.connect(str(path))
    db.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    db.commit()
    db.close()
    with pytest.raises(EdgesrError, match="schema version 99"):
        ResultStore(path)


def test_a_merge_that_cannot_finish_changes_nothing(tmp_path):
    """All or nothing: the first shard fits, the second fills the (capped) file: neither is kept."""
    small, big = tmp_path / "small.db", tmp_path / "big.db"
    with ResultStore(small) as store:
        store.put("quality", "a", "torch", "fp32", {"psnr": 1.0}, dataset="Set5")
    with ResultStore(big) as store:
        for i in range(300):
            store.put("quality", "m%d" % i, "torch", "fp32", {"pad": "x" * 2000}, dataset="Set5")
    with ResultStore(tmp_path / "out.db") as out:
        out.put("quality", "kept", "torch", "fp32", {"psnr": 2.0}, dataset="Set5")
        pages = out._db.execute("PRAGMA page_count").fetchone()[0]
        out._db.execute("PRAGMA max_page_count=%d" % (pages + 4))  # SQLite's own "database or disk is full"
        with pytest.raises(EdgesrError, match="cannot write results store .*full"):
            out.merge_all([small, big])
        assert [r["model"] for r in out.rows()] == ["kept"]


def test_a_merge_with_a_foreign_input_writes_nothing(tmp_path):
    shard = tmp_path / "shard.db"
    with ResultStore(shard) as store:
        store.put("quality", "a", "torch", "fp32", {"psnr": 1.0}, dataset="Set5")
    other = foreign_database(tmp_path / "other.db")
    before = other.read_bytes()
    with ResultStore(tmp_path / "out.db") as out:
        with pytest.raises(EdgesrError, match="another program"):
            out.merge_all([shard, other])
        assert out.count() == 0
    assert other.read_bytes() == before


# -- timing options --------------------------------------------------------------------------------


@pytest.mark.parametrize("option, value", [("--duration-s", "nan"), ("--duration-s", "inf"),
                                           ("--warmup-ms", "inf"), ("--warmup-ms", "-1"), ("--idle-s", "nan")])
def test_non_finite_or_negative_timings_are_refused_by_the_parser(option, value, capsys):
    parser = argparse.ArgumentParser(prog="bench")
    add_timing_options(parser)
    add_power_options(parser, idle=True)
    with pytest.raises(SystemExit) as stop:
        parser.parse_args([option, value])
    assert stop.value.code == 2
    assert "must be a finite number >= 0" in capsys.readouterr().err


@pytest.mark.parametrize("field", ["duration_s", "warmup_ms", "idle_s"])
@pytest.mark.parametrize("value", [float("nan"), float("inf"), -0.5])
def test_measure_request_refuses_non_finite_timings(field, value):
    with pytest.raises(EdgesrError, match="bad timing setting %s" % field):
        MeasureRequest(**{field: value}).validate()


def test_device_bench_refuses_inf_up_front(device_cli, fixture_bundles):
    proc = device_cli("bench", fixture_bundles / BUNDLE, "--power", "none", "--duration-s", "inf")
    assert proc.returncode == 2 and "finite number" in proc.stderr and "Traceback" not in proc.stderr


# -- manifests and golden data ---------------------------------------------------------------------


def rewrite_manifest(folder, change):
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text())
    change(manifest)
    path.write_text(json.dumps(manifest))


@pytest.mark.parametrize("name", ["../../outside.onnx", "/tmp/outside.onnx", "../sibling/model.onnx"])
def test_an_artifact_path_outside_the_bundle_is_refused(bundle_copy, name, device_cli):
    folder = bundle_copy(BUNDLE)
    outside = folder.parent / "outside.onnx"
    shutil.copy(str(folder / "model.onnx"), str(outside))

    def point_outside(manifest):
        manifest["artifacts"][0]["file"] = name
    rewrite_manifest(folder, point_outside)
    with pytest.raises(EdgesrError, match="not a path inside the bundle|outside the bundle"):
        bundle_io.load_manifest(folder)
    proc = device_cli("check", folder)
    assert proc.returncode != 0 and "all files match" not in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and repr(name) in proc.stderr


def test_a_files_entry_through_a_link_out_of_the_bundle_is_refused(bundle_copy, tmp_path):
    folder = bundle_copy(BUNDLE)
    (tmp_path / "elsewhere").mkdir()
    os.symlink(str(tmp_path / "elsewhere"), str(folder / "link"))

    def list_through_link(manifest):
        manifest["files"]["link/model.onnx"] = manifest["files"]["model.onnx"]
    rewrite_manifest(folder, list_through_link)
    with pytest.raises(EdgesrError, match="outside the bundle"):
        bundle_io.load_manifest(folder)


def test_check_no_verify_with_truncated_golden_data_is_one_line(bundle_copy, device_cli):
    folder = bundle_copy(BUNDLE)
    golden = folder / "golden.npz"
    golden.write_bytes(golden.read_bytes()[:300])
    proc = device_cli("check", folder, "--no-verify")
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert "cannot read golden data" in proc.stderr and "BadZipFile" in proc.stderr


# -- device sweep ----------------------------------------------------------------------------------


def test_device_sweep_verifies_sha256_and_exits_non_zero_on_failures(device_cli, fixture_bundles, installed,
                                                                      tmp_path):
    if not installed["onnxruntime"][0]:
        pytest.skip("onnxruntime is not installed")
    folder = tmp_path / "bundles"
    folder.mkdir()
    for name in ("eSR-MAX_s2_K3_C1-onnx", BUNDLE):
        shutil.copytree(str(fixture_bundles / name), str(folder / name))
    tampered = folder / BUNDLE / "model.onnx"
    data = bytearray(tampered.read_bytes())
    data[-1] ^= 1
    tampered.write_bytes(bytes(data))
    db = tmp_path / "device.db"
    proc = device_cli("sweep", folder, "--store", db, "--device", "pi", *FAST)
    assert proc.returncode == 1, proc.stderr
    assert "1 of 2 bundles failed" in proc.stderr and BUNDLE in proc.stderr
    with ResultStore(db) as store:
        failure, = store.rows(kind="failure")
        assert "sha256" in failure["payload"]["reason"]
        assert len(store.rows(kind="latency")) == 1


def test_device_bench_refuses_a_foreign_store_before_measuring(device_cli, fixture_bundles, tmp_path):
    other = foreign_database(tmp_path / "other.db")
    before = other.read_bytes()
    proc = device_cli("bench", fixture_bundles / BUNDLE, "--store", other, *FAST)
    assert proc.returncode == 2 and "another program" in proc.stderr
    assert other.read_bytes() == before


def test_device_bench_of_a_missing_path_says_it_does_not_exist(device_cli, tmp_path):
    proc = device_cli("bench", tmp_path / "missing-dir", "--power", "none")
    assert proc.returncode == 2 and "missing-dir does not exist" in proc.stderr
    assert "suffix" not in proc.stderr


def test_a_saved_manifest_is_readable_by_all_like_any_new_file(bundle_copy):
    from edgesr_runtime.files import FILE_MODE

    folder = bundle_copy(BUNDLE)
    bundle_io.save_manifest(folder, bundle_io.load_manifest(folder))
    assert (folder / "manifest.json").stat().st_mode & 0o777 == FILE_MODE


def test_a_store_on_a_full_disk_is_one_clear_error_and_keeps_its_rows(tmp_path):
    """What eval, bench and sweep meet when the disk fills: SQLite's "database or disk is full"."""
    with ResultStore(tmp_path / "r.db") as store:
        store.put("quality", "kept", "torch", "fp32", {"psnr": 2.0}, dataset="Set5")
        pages = store._db.execute("PRAGMA page_count").fetchone()[0]
        store._db.execute("PRAGMA max_page_count=%d" % pages)
        with pytest.raises(EdgesrError, match="cannot write results store .*full.*free some space"):
            store.put("quality", "big", "torch", "fp32", {"pad": "x" * 100000}, dataset="Set5")
        assert [r["model"] for r in store.rows()] == ["kept"]
