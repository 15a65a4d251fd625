"""benchmarks/peers --graphs: goals from the measured ratios, and a quick run that writes the table."""

import json
import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PEERS = os.path.join(REPO, "benchmarks", "peers")
sys.path.insert(0, PEERS)

import graph_table  # noqa: E402  (benchmarks/peers/graph_table.py)

FLOOR = {"floor_ms": 10.0, "compute_ms": 10.0, "io_ms": 1.0, "intermediate_ms": 5.0, "gmacs": 1.0}


def _measured(**medians):
    return {"medians_ms": medians, "iterations": {k: 3 for k in medians},
            "max_abs_diff_vs_torch": {}, "rewrites": {}}


def test_rows_pick_the_fastest_artifact_and_goals_follow_the_issue():
    tm = graph_table.graph_row("eSR-TM_s2_K7_C16", "eSR-TM", "largest", _measured(**{
        "onnxruntime/reference": 90.0, "onnxruntime/optimised": 30.0, "litert/reference": 60.0,
        "litert/optimised": 25.0, "torch": 100.0, "cv2": 1.0}), FLOOR)
    assert tm["best"] == "litert/optimised" and tm["ort_gain"] == pytest.approx(3.0)
    assert tm["torch_over_best"] == pytest.approx(4.0) and tm["best_over_floor"] == pytest.approx(2.5)
    small = graph_table.graph_row("eSR-MAX_s2_K3_C1", "eSR-MAX", "smallest", _measured(**{
        "onnxruntime/reference": 3.0, "onnxruntime/optimised": 2.5, "litert/reference": 2.0,
        "litert/optimised": 1.5, "torch": 4.0, "cv2": 1.0}), FLOOR)
    verdicts = {(g["model"], g["goal"]): g["met"] for g in graph_table.goals([tm, small])}
    assert verdicts == {("eSR-TM_s2_K7_C16", "best >= 3x faster than torch eager"): True,
                        ("eSR-TM_s2_K7_C16", "best within 2x of the floor"): False,
                        ("eSR-MAX_s2_K3_C1", "best <= 2x cv2.resize INTER_CUBIC"): True}


def test_quick_graph_run_writes_the_table(tmp_path, shared_weights):
    for module in ("onnxruntime", "ai_edge_litert", "litert_torch", "edgesr_export"):
        pytest.importorskip(module, reason="%s is needed to convert and time the graphs" % module)
    proc = subprocess.run([sys.executable, os.path.join(PEERS, "run.py"), "--graphs", "--quick", "--resolution",
                           "64x48", "--models", "Bicubic_s2", "--out", str(tmp_path / "graphs.md")], cwd=REPO,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    report = json.loads((tmp_path / "graphs.json").read_text())
    row = report["rows"][0]
    assert row["role"] == "only" and row["best"] in graph_table.ARTIFACTS
    assert row["onnxruntime/optimised"] > 0 and row["litert/optimised"] > 0 and row["torch"] > 0
    assert row["rewrites"]["onnxruntime/optimised"] == ["subpixel-conv-transpose"]
    if report["cv2"] is not None:  # Bicubic is a bank of filters: its OpenCV artifact is timed beside the graphs
        assert row["opencv/optimised"] > 0 and row["rewrites"]["opencv/optimised"] == ["filter-bank"]
    # Bicubic x2: 16 non-zero taps per output with Σ|w| = 1.41 on inputs in [0, 1], so each side errs by at
    # most γ_16 · 1.41 ≈ 1.35e-6 (u = 2^-24), the two by 2.7e-6
    assert all(diff <= 2.7e-6 for diff in row["max_abs_diff_vs_torch"].values())
    assert report["rates"]["sgemm_gflops"] > 0 and report["rates"]["copy_gbps"] > 0
    goals = {g["goal"] for g in report["goals"]}
    assert "best <= 3x cv2.resize INTER_CUBIC" in goals or report["cv2"] is None
    assert "ORT ref/opt" in (tmp_path / "graphs.md").read_text()
