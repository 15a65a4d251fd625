"""Host commands on SQLite files that are not edgesr stores, and a few smaller hostile inputs:
nothing is written to another program's database, merges are all or nothing, errors come once."""

import os
import sys

import pytest

from edgesr.cli import main
from edgesr_runtime.store import ResultStore
from runtime.foreign_files import foreign_database, run_with_read_only_folder  # tests/runtime/foreign_files.py


def shard(path, model):
    with ResultStore(path) as store:
        store.put("quality", model, "torch", "fp32", {"psnr": 30.0, "ssim": 0.9}, dataset="Set14")
    return path


@pytest.mark.parametrize("command", [
    lambda db, tmp: ["report", str(db), "--out", str(tmp / "r"), "--formats", "md"],
    lambda db, tmp: ["results", "show", str(db)],
    lambda db, tmp: ["results", "merge", str(db), str(shard(tmp / "a.db", "Bicubic_s2"))],
    lambda db, tmp: ["results", "merge", str(tmp / "out.db"), str(db)],
    lambda db, tmp: ["eval", "--compare-paper", "--store", str(db)],
], ids=["report", "results-show", "merge-into", "merge-from", "eval-store"])
def test_a_foreign_database_is_refused_and_left_byte_for_byte(tmp_path, capsys, command):
    other = foreign_database(tmp_path / "other.db")
    before = other.read_bytes()
    assert main(command(other, tmp_path)) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "not an edgesr results store" in err
    assert other.read_bytes() == before
    assert not (tmp_path / "other.db-wal").exists()


def test_a_merge_with_one_bad_input_adds_nothing_and_creates_nothing(tmp_path, capsys):
    good = shard(tmp_path / "a.db", "Bicubic_s2")
    other = foreign_database(tmp_path / "other.db")
    out = tmp_path / "out.db"
    assert main(["results", "merge", str(out), str(good), str(other)]) == 2
    assert not out.exists()
    existing = shard(tmp_path / "existing.db", "eSR-MAX_s2_K3_C1")
    assert main(["results", "merge", str(existing), str(good), str(other)]) == 2
    with ResultStore(existing) as store:
        assert [r["model"] for r in store.rows()] == ["eSR-MAX_s2_K3_C1"]


def test_weights_verify_of_a_missing_folder_says_so_once(tmp_path, capsys):
    missing = tmp_path / "missing"
    assert main(["weights", "verify", "--weights-dir", str(missing)]) == 2
    err = capsys.readouterr().err
    assert err.count("does not exist") == 1 and str(missing) in err


def test_a_store_on_a_read_only_medium_is_shown_exported_and_reported(tmp_path):
    folder = tmp_path / "sdcard"
    folder.mkdir()
    store = shard(folder / "results.db", "Bicubic_s2")
    before = store.read_bytes()
    script = ("import sys\nfrom edgesr.cli import main\nargs = sys.argv[1:]\n"
              "codes = [main(['results', 'show', args[0]]), main(['results', 'export', args[0], '--csv', args[1]]),\n"
              "         main(['report', args[0], '--out', args[2], '--formats', 'csv'])]\n"
              "print('codes', codes)\n")
    result = run_with_read_only_folder(folder, [sys.executable, "-c", script, str(store), str(tmp_path / "x.csv"),
                                                str(tmp_path / "report")], env=dict(os.environ))
    assert "codes [0, 0, 0]" in result.stdout, result.stdout + result.stderr
    assert "Bicubic_s2" in (tmp_path / "x.csv").read_text() and (tmp_path / "report" / "report.csv").is_file()
    assert store.read_bytes() == before and sorted(os.listdir(folder)) == ["results.db"]
