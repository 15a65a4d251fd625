"""`edgesr results merge|show|export` on small stores."""

import csv
import json
import os

import pytest

from edgesr.cli import main
from edgesr_runtime.store import ResultStore

SHARD_A = ("eSR-MAX_s2_K3_C1", "eSR-TM_s2_K7_C16")
SHARD_B = ("eSR-TR_s2_K5_C2", "Bicubic_s2", "FSRCNN_s2_D6_S3_M4")


def latency(fps):
    return {"latency_ms": {"mean": 1000.0 / fps, "p99": 1300.0 / fps}, "fps": fps, "power_w": None,
            "environment": {"cpu": "Cortex-A76", "os": "Debian 12"}}


def make_shard(path, models, device="rpi5"):
    """Per model: a latency row on two runtimes and a quality row; plus one failure."""
    with ResultStore(path) as store:
        for i, model in enumerate(models):
            store.put("latency", model, "onnxruntime", "fp32", latency(50.0 + i), device=device)
            store.put("latency", model, "litert", "int8", latency(80.0 + i), device=device)
            store.put("quality", model, "onnxruntime", "fp32",
                      {"psnr": 31.0 + i / 10, "ssim": 0.9, "images": 2,
                       "per_image": {"a.png": {"psnr": 31.0, "ssim": 0.9}, "b.png": {"psnr": 31.2, "ssim": 0.9}}},
                      dataset="Set14")
        store.put("failure", models[0], "tensorrt", "fp16", {"reason": "no CUDA device"}, device=device,
                  status="failed")
    return str(path)


def rows_of(path):
    with ResultStore(path) as store:
        return {(r["kind"], r["model"], r["runtime"], r["precision"], r["dataset"], r["device"]): r["payload"]
                for r in store.rows()}


def test_merge_combines_disjoint_shards_and_is_idempotent(tmp_path, capsys):
    a = make_shard(tmp_path / "a.db", SHARD_A)
    b = make_shard(tmp_path / "b.db", SHARD_B)
    out = str(tmp_path / "all.db")
    assert main(["results", "merge", out, a, b]) == 0
    printed = capsys.readouterr().out
    assert "a.db: 7 rows added (7 in shard, 0 already present)" in printed
    assert "b.db: 10 rows added (10 in shard, 0 already present)" in printed
    merged = rows_of(out)
    assert merged == {**rows_of(a), **rows_of(b)} and len(merged) == 17
    assert main(["results", "merge", out, a, b]) == 0
    again = capsys.readouterr().out
    assert "a.db: 0 rows added (7 in shard, 7 already present)" in again
    assert "b.db: 0 rows added" in again and "all.db: 17 rows" in again
    assert rows_of(out) == merged


def test_merge_keeps_rows_already_in_out(tmp_path, capsys):
    a = make_shard(tmp_path / "a.db", SHARD_A)
    out = tmp_path / "out.db"
    with ResultStore(out) as store:
        store.put("latency", SHARD_A[0], "onnxruntime", "fp32", latency(999.0), device="rpi5")
    assert main(["results", "merge", str(out), a]) == 0
    assert "6 rows added (7 in shard, 1 already present)" in capsys.readouterr().out
    key = ("latency", SHARD_A[0], "onnxruntime", "fp32", "", "rpi5")
    assert rows_of(out)[key]["fps"] == 999.0


def test_merge_refuses_a_store_into_itself(tmp_path, capsys):
    a = make_shard(tmp_path / "a.db", SHARD_A)
    os.symlink(a, tmp_path / "link.db")
    for spelling in (a, str(tmp_path / "link.db"), os.path.join(str(tmp_path), ".", "a.db")):
        assert main(["results", "merge", spelling, str(tmp_path / "a.db")]) == 2
        assert "refusing to merge" in capsys.readouterr().err
    assert len(rows_of(a)) == 7


def test_merge_rejects_missing_and_foreign_inputs(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("not a store")
    out = str(tmp_path / "out.db")
    assert main(["results", "merge", out, str(tmp_path / "missing.db")]) == 2
    assert "no such store" in capsys.readouterr().err
    assert main(["results", "merge", out, str(tmp_path / "notes.txt")]) == 2
    assert "not an SQLite results store" in capsys.readouterr().err
    assert not os.path.exists(out)


def test_show_counts_and_failures(tmp_path, capsys):
    a = make_shard(tmp_path / "a.db", SHARD_A)
    assert main(["results", "show", a]) == 0
    text = capsys.readouterr().out
    assert "a.db: 7 rows" in text
    assert any(line.split() == ["latency", "litert", "rpi5", "ok", "2"] for line in text.splitlines())
    assert any(line.split() == ["quality", "onnxruntime", "-", "ok", "2"] for line in text.splitlines())
    assert "failures (1):" in text and "eSR-MAX_s2_K3_C1 [tensorrt/fp16/rpi5]: no CUDA device" in text

    assert main(["results", "show", a, "--json", "--kind", "latency"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["rows"] == 4 and summary["failures"] == []
    assert {(c["runtime"], c["rows"]) for c in summary["counts"]} == {("litert", 2), ("onnxruntime", 2)}


def test_show_marks_failures_that_succeeded_later(tmp_path, capsys):
    path = tmp_path / "s.db"
    with ResultStore(path) as store:
        store.put("failure", "Bicubic_s2", "onnxruntime", "fp32", {"stage": "eval", "reason": "disk full",
                  "error": "OSError"}, dataset="Set14", status="failed")
        store.put("quality", "Bicubic_s2", "onnxruntime", "fp32", {"psnr": 30.3}, dataset="Set14")
        store.put("failure", "Bicubic_s3", "tensorrt", "", {"stage": "latency", "error": "engine build failed"},
                  dataset="latency", device="agx", status="failed")
    assert main(["results", "show", str(path), "--json"]) == 0
    failures = {f["model"]: f for f in json.loads(capsys.readouterr().out)["failures"]}
    assert failures["Bicubic_s2"]["resolved"] and failures["Bicubic_s2"]["reason"] == "eval: disk full"
    assert not failures["Bicubic_s3"]["resolved"] and failures["Bicubic_s3"]["reason"] == "latency: engine build failed"
    assert main(["results", "show", str(path)]) == 0
    assert "eval: disk full (succeeded later)" in capsys.readouterr().out


def test_show_rejects_a_missing_store(tmp_path, capsys):
    assert main(["results", "show", str(tmp_path / "nope.db")]) == 2
    assert "no such store" in capsys.readouterr().err
    assert not (tmp_path / "nope.db").exists()


def test_export_writes_flat_csv(tmp_path, capsys):
    a = make_shard(tmp_path / "a.db", SHARD_A)
    target = tmp_path / "csv" / "a.csv"
    assert main(["results", "export", a, "--csv", str(target)]) == 0
    assert "7 rows" in capsys.readouterr().out
    with open(target, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 7
    header = list(rows[0])
    assert header[:8] == ["kind", "model", "runtime", "precision", "dataset", "device", "status", "created_at"]
    assert {"payload.latency_ms.mean", "payload.environment.cpu", "payload.psnr", "payload.reason"} <= set(header)
    quality = next(r for r in rows if r["kind"] == "quality")
    assert json.loads(quality["payload.per_image"])["b.png"]["psnr"] == 31.2
    ort = next(r for r in rows if r["kind"] == "latency" and r["runtime"] == "onnxruntime")
    assert float(ort["payload.latency_ms.mean"]) == pytest.approx(20.0)

    assert main(["results", "export", a, "--csv", str(target), "--kind", "failure"]) == 0
    with open(target, newline="") as handle:
        assert [r["payload.reason"] for r in csv.DictReader(handle)] == ["no CUDA device"]


def test_results_without_action_prints_help(capsys):
    assert main(["results"]) == 2
    assert "merge" in capsys.readouterr().out
