"""``edgesr eval``: store writes and skips, bad inputs as one-line errors, --compare-paper output."""

import csv
import json
import shutil

import pytest

from edgesr.cli import main
from edgesr.eval.datasets import resolve_dataset
from edgesr_runtime.store import ResultStore


def run_cli(capsys, *argv):
    """(exit code, stdout, stderr) of ``edgesr eval ...`` in this process, without a progress bar."""
    code = main(["eval", *argv, "--workers", "1", "--no-progress"])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code, err, *fragments):
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("edgesr: error: "), err
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.fixture
def two_set5_images(tmp_path):
    folder = tmp_path / "mini"
    folder.mkdir()
    for name in ("bird.png", "head.png"):
        shutil.copy(resolve_dataset("Set5").root / name, folder / name)
    return folder


def test_results_are_stored_then_skipped_unless_forced(tmp_path, capsys):
    db = str(tmp_path / "r.db")
    code, out, err = run_cli(capsys, "--models", "Bicubic_s2,Bicubic_s4", "--datasets", "Set5", "--store", db, "--json")
    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert {(r["model"], r["dataset"], r["runtime"]) for r in records} == {
        ("Bicubic_s2", "Set5", "torch"), ("Bicubic_s4", "Set5", "torch")}
    assert all(abs(r["psnr"] - r["paper_psnr"]) < 0.01 for r in records)  # bicubic pins the data pipeline
    with ResultStore(db) as store:
        rows = store.rows(kind="quality")
    assert len(rows) == 2 and rows[0]["precision"] == "fp32" and rows[0]["payload"]["images"] == 5
    code, _, err = run_cli(capsys, "--models", "Bicubic_s2,Bicubic_s4", "--datasets", "Set5", "--store", db)
    assert code == 0 and "0 of 2 (model, dataset) results to evaluate, 2 already in" in err
    code, _, err = run_cli(capsys, "--models", "Bicubic_s2", "--datasets", "Set5", "--store", db, "--force")
    assert code == 0 and "1 of 1" in err


def test_store_defaults_to_env_var_then_current_directory(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert run_cli(capsys, "--models", "Bicubic_s4", "--datasets", "Set5")[0] == 0
    assert (tmp_path / "edgesr-results.db").is_file()
    monkeypatch.setenv("EDGESR_STORE", str(tmp_path / "env.db"))
    assert run_cli(capsys, "--models", "Bicubic_s4", "--datasets", "Set5")[0] == 0
    assert (tmp_path / "env.db").is_file()


def test_unreadable_image_is_reported_skipped_and_counted(tmp_path, two_set5_images, capsys):
    (two_set5_images / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\ntruncated")
    db = str(tmp_path / "r.db")
    code, _, err = run_cli(capsys, "--models", "Bicubic_s2", "--datasets", str(two_set5_images), "--store", db)
    assert code == 0
    assert "warning: skipped broken.png" in err and "cannot read image" in err
    with ResultStore(db) as store:
        (row,) = store.rows(kind="quality")
    payload = row["payload"]
    assert row["dataset"] == str(two_set5_images.resolve())
    assert payload["images"] == 2 and payload["skipped"] == 1
    assert payload["skipped_files"][0]["file"] == "broken.png"
    assert set(payload["per_image"]) == {"bird.png", "head.png"}


def test_dataset_with_only_unreadable_images_is_a_stored_failure(tmp_path, capsys):
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "a.png").write_bytes(b"junk")
    db = str(tmp_path / "r.db")
    code, _, err = run_cli(capsys, "--models", "Bicubic_s2", "--datasets", str(folder), "--store", db)
    assert code == 1 and "Bicubic_s2 on" in err and "no readable image" in err
    with ResultStore(db) as store:
        (row,) = store.rows(kind="failure")
        assert store.count(kind="quality") == 0
    assert row["status"] == "failed" and "no readable image" in row["payload"]["reason"]


def test_empty_dataset_folder_is_a_one_line_error(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = run_cli(capsys, "--models", "Bicubic_s2", "--datasets", str(empty), "--store", str(tmp_path / "r.db"))
    assert_one_line_error(code, err, "holds no images")


def test_unknown_dataset_name_is_a_did_you_mean_error(tmp_path, capsys):
    code, _, err = run_cli(capsys, "--models", "Bicubic_s2", "--datasets", "Set5,Set15", "--store", str(tmp_path / "r.db"))
    assert_one_line_error(code, err, "unknown dataset 'Set15'", "did you mean")
    assert not (tmp_path / "r.db").exists() or ResultStore(str(tmp_path / "r.db")).count() == 0


def test_other_bad_inputs_are_one_line_errors(tmp_path, capsys):
    db = str(tmp_path / "r.db")
    assert_one_line_error(*run_cli(capsys, "--models", "eSR-TM_s2_K7_C17", "--datasets", "Set5", "--store", db)[::2],
                          "did you mean")
    assert_one_line_error(*run_cli(capsys, "--datasets", "Set5", "--store", db)[::2], "no models to evaluate")
    assert_one_line_error(*run_cli(capsys, "--compare-paper", "--store", db)[::2], "no stored quality results")
    assert_one_line_error(*run_cli(capsys, "--models", "Bicubic_s2", "--csv", "x.csv", "--store", db)[::2],
                          "--compare-paper")


def test_compare_paper_table_json_and_csv(tmp_path, capsys):
    db = str(tmp_path / "r.db")
    assert run_cli(capsys, "--models", "Bicubic_s2,Bicubic_s3", "--datasets", "Set5", "--store", db)[0] == 0
    code, out, _ = run_cli(capsys, "--compare-paper", "--store", db, "--json")
    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == 2
    for record in records:
        assert {"model", "dataset", "runtime", "psnr", "ssim", "paper_psnr", "paper_ssim"} <= set(record)
        assert record["delta_psnr"] == pytest.approx(record["psnr"] - record["paper_psnr"])
    summary_csv, rows_csv = tmp_path / "summary.csv", tmp_path / "rows.csv"
    code, out, _ = run_cli(capsys, "--compare-paper", "--store", db, "--csv", str(summary_csv),
                           "--rows-csv", str(rows_csv))
    assert code == 0 and "mean|dPSNR|" in out and "worst 10" in out
    summary = list(csv.DictReader(summary_csv.open()))
    assert [(r["family"], r["dataset"], r["models"]) for r in summary] == [("Bicubic", "Set5", "2"), ("all", "Set5", "2")]
    assert float(summary[1]["max_abs_delta_psnr"]) < 0.01
    assert len(list(csv.DictReader(rows_csv.open()))) == 2
    code, out, _ = run_cli(capsys, "--compare-paper", "--store", db, "--models", "Bicubic_s2", "--json")
    assert [json.loads(line)["model"] for line in out.splitlines()] == ["Bicubic_s2"]
