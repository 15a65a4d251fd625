"""The peer benchmark script: its --quick run writes the table with both ratio columns."""

import json
import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PEERS = os.path.join(REPO, "benchmarks", "peers")
sys.path.insert(0, PEERS)

import peer_table as table  # noqa: E402  (benchmarks/peers/peer_table.py)


def test_ratios_are_torch_over_edgesr_and_edgesr_over_cv2():
    def result(ms, runtime):
        return {"latency_ms": {"median": ms, "p90": ms, "p99": ms, "min": ms, "mean": ms, "std": 0.0},
                "iterations": 3, "runtime": runtime, "input_shape": [1, 1, 4, 4], "output_shape": [1, 1, 8, 8]}

    row = table.peer_row("m", result(2.0, "litert"), result(10.0, "torch"), result(0.5, "opencv"))
    assert row["speedup_vs_torch"] == pytest.approx(5.0) and row["edgesr_vs_cv2"] == pytest.approx(4.0)
    assert table.peer_row("m", result(2.0, "litert"))["edgesr_vs_cv2"] is None
    assert table.ratio(1.0, 0.0) is None


def test_quick_run_writes_the_table_files(tmp_path, tmp_path_factory, shared_weights):
    for module in ("ai_edge_litert", "litert_torch"):  # export[tflite], an optional extra
        pytest.importorskip(module, reason="%s is needed to export and time a cpu bundle" % module)
    bundles = tmp_path_factory.getbasetemp() / "edgesr-bundles"  # shared with test_bench_host
    proc = subprocess.run([sys.executable, os.path.join(PEERS, "run.py"), "--quick", "--resolution", "96x72",
                           "--bundles", str(bundles), "--out", str(tmp_path / "peers.md")], cwd=REPO,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    report = json.loads((tmp_path / "peers.json").read_text())
    assert [row["model"] for row in report["rows"]] == ["eSR-MAX_s2_K3_C1"]
    row = report["rows"][0]
    assert row["edgesr_runtime"] in row["auto"]["candidates"] and row["speedup_vs_torch"] > 0
    assert report["load_before"] is None or len(report["load_before"].split()) == 3
    markdown = (tmp_path / "peers.md").read_text()
    assert "speed-up vs torch (torch/edgesr)" in markdown and "edgesr/cv2 time ratio" in markdown
    header = (tmp_path / "peers.csv").read_text().splitlines()[0].split(",")
    assert {"speedup_vs_torch", "edgesr_vs_cv2"} <= set(header)
    if report["cv2"]:
        assert row["edgesr_vs_cv2"] > 0 and row["cv2"]["runtime"] == "opencv"
    else:
        assert row["edgesr_vs_cv2"] is None and any("cv2 is not installed" in n for n in report["notes"])
