"""benchmarks/peers/ort_levels.py and ort_profile.py: quick runs on a tiny frame, real ONNX Runtime."""

import json
import os
import subprocess
import sys

import pytest

from edgesr_runtime.check.compare import TOLERANCES

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PEERS = os.path.join(REPO, "benchmarks", "peers")

pytest.importorskip("onnxruntime", reason="onnxruntime is needed to time the levels")


def _run(args, tmp_path):
    proc = subprocess.run([sys.executable] + args, cwd=str(tmp_path), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_levels_run_groups_by_the_widest_convolution_input(tmp_path, shared_weights):
    stem = str(tmp_path / "levels")
    _run([os.path.join(PEERS, "ort_levels.py"), "--models", "eSR-MAX_s2_K3_C2,ESPCN_s2_D4_S32", "--resolution",
          "48x36", "--rounds", "1", "--out", stem], tmp_path)
    rows = {r["model"]: r for r in json.loads(open(stem + ".json").read())["rows"]}
    assert rows["eSR-MAX_s2_K3_C2"]["widest_input"] == 1 and rows["eSR-MAX_s2_K3_C2"]["rule"] == "extended"
    assert rows["ESPCN_s2_D4_S32"]["widest_input"] == 32 and rows["ESPCN_s2_D4_S32"]["rule"] == "all"
    # the same arithmetic at both levels, the convolutions' sums perhaps in another order (other kernels):
    # within the FP32 parity tolerance every ONNX artifact is gated on
    assert all(r["max_abs_diff"] <= TOLERANCES["fp32"].max_abs_err for r in rows.values())
    assert all(r["all_ms"] > 0 and r["extended_ms"] > 0 for r in rows.values())
    assert "widest conv input" in open(stem + ".md").read()


def test_profile_sums_ort_node_times_per_op_type(tmp_path, shared_weights):
    out = _run([os.path.join(PEERS, "ort_profile.py"), "eSR-TM_s2_K3_C2", "--resolution", "64x48", "--runs", "2"],
               tmp_path)
    assert "level extended" in out  # the level the exporter records for this one-channel graph
    ops = {line.split()[0] for line in out.splitlines()[3:] if line.strip()}
    assert {"Conv", "Exp", "ReduceMax", "DepthToSpace"} <= ops
