"""`edgesr report --reference`: this run against a reference run of the same models (hand-computed expectations)."""

import os
import subprocess
import sys

import pytest

from edgesr.report.reference import compare, load_reference
from edgesr.report.table import joined_table, paper_table
from edgesr.report.inputs import load_inputs
from edgesr_runtime.errors import EdgesrError
from edgesr_runtime.store import ResultStore

# model -> (PSNR, reference fps, this run's fps). Reference front (x2): Bicubic, eSR-MAX, eSR-TM (ESPCN is
# dominated by eSR-TM). This run: eSR-MAX (360, 30.1) now dominates Bicubic (200, 30.0), so Bicubic leaves.
POINTS = {
    "Bicubic_s2": (30.0, 100.0, 200.0),
    "eSR-MAX_s2_K3_C1": (30.1, 90.0, 360.0),
    "eSR-TM_s2_K7_C16": (31.9, 10.0, 40.0),
    "ESPCN_s2_D0_S15": (31.2, 8.0, 30.0),
}
RATIOS = {"Bicubic": 2.0, "eSR-MAX": 4.0, "eSR-TM": 4.0, "ESPCN": 3.75}


def _store(path, column, models=tuple(POINTS)):
    with ResultStore(path) as store:
        for model in models:
            values = POINTS[model]
            store.put("latency", model, "onnxruntime", "fp32", {"fps": values[column], "mode": "model"},
                      dataset="model:1080x1920/t2", device="vm")
            store.put("quality", model, "onnxruntime", "fp32", {"psnr": values[0], "ssim": 0.9, "images": 14},
                      dataset="Set14")
        if column == 2:  # a slower second configuration: each model's fastest one is what counts
            store.put("latency", "eSR-MAX_s2_K3_C1", "litert", "int8", {"fps": 100.0, "mode": "model"},
                      dataset="model:1080x1920/t2", device="vm")
    return str(path)


@pytest.fixture()
def stores(tmp_path):
    return _store(tmp_path / "reference.db", 1), _store(tmp_path / "current.db", 2)


def _table(path):
    rows, _ = load_inputs([path])
    return joined_table(rows, "Set14")


def test_compare_gives_ratios_fronts_and_correlation(stores):
    reference, current = stores
    result = compare(_table(current), _table(reference))
    speed = result["speed"].set_index("family")
    for family, ratio in RATIOS.items():  # quotients of small binary-exact numbers: exact in float64
        assert speed.loc[family, "median_ratio"] == ratio
    assert speed.loc["all", "median_ratio"] == 3.875
    assert speed.loc["all", "share_faster"] == 1.0 and speed.loc["all", "n"] == 4
    fronts = result["fronts"].set_index("scale")
    assert fronts.loc[2, "reference_front"] == 3 and fronts.loc[2, "front"] == 2
    assert fronts.loc[2, "left"] == "Bicubic_s2" and fronts.loc[2, "joined"] == "–"
    assert fronts.loc[2, "families"] == "eSR-MAX 1, eSR-TM 1"
    assert result["models"] == (4, 4, 4)
    assert set(result["correlation"]["scale"]) == {"2"}


def test_a_report_csv_is_as_good_a_reference_as_its_store(stores, tmp_path):
    reference, current = stores
    paper = paper_table("Set14")
    csv = tmp_path / "reference.csv"
    _table(reference).to_csv(csv, index=False)
    from_csv = compare(_table(current), load_reference(str(csv), "Set14", paper))
    from_store = compare(_table(current), load_reference(reference, "Set14", paper))
    for key in ("speed", "fronts", "correlation"):
        assert from_csv[key].equals(from_store[key]), key


def test_report_cli_adds_the_section_and_refuses_a_bad_reference(stores, tmp_path):
    reference, current = stores
    env = {**os.environ, "MPLBACKEND": "Agg"}
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "edgesr", "report", current, "--out", str(out), "--formats", "md",
           "--reference", reference, "--reference-label", "reference graphs"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    page = (out / "report.md").read_text()
    assert "## This run against the reference run" in page and "Reference: reference graphs." in page
    assert "| eSR-MAX | 1 | 4.00 |" in page
    bad = tmp_path / "other.csv"
    bad.write_text("a,b\n1,2\n")
    for path, message in ((str(tmp_path / "missing.db"), "does not exist"), (str(bad), "not the report.csv")):
        done = subprocess.run(cmd[:-4] + ["--reference", path], capture_output=True, text=True, timeout=300, env=env)
        assert done.returncode != 0 and message in done.stderr and "Traceback" not in done.stderr


def test_a_reference_slice_compares_that_slice_on_both_sides(stores, tmp_path):
    _, current = stores
    part = _store(tmp_path / "part.db", 1, ("Bicubic_s2", "ESPCN_s2_D0_S15"))  # a reference of two models only
    result = compare(_table(current), _table(part))
    assert result["models"] == (4, 2, 2)
    assert result["speed"].set_index("family").loc["all", "n"] == 2
    fronts = result["fronts"].set_index("scale")
    # between these two, ESPCN (31.2 dB) is sharper and Bicubic faster on both sides: no model left or
    # joined; over the whole current run eSR-MAX/eSR-TM would dominate both and show as "joined"
    assert fronts.loc[2, "reference_front"] == 2 and fronts.loc[2, "front"] == 2
    assert fronts.loc[2, "joined"] == "–" and fronts.loc[2, "left"] == "–"


def test_disjoint_runs_are_refused(stores, tmp_path):
    reference, _ = stores
    other = tmp_path / "other.db"
    with ResultStore(str(other)) as store:
        store.put("latency", "FSRCNN_s2_D6_S3_M4", "onnxruntime", "fp32", {"fps": 5.0, "mode": "model"},
                  dataset="model:1080x1920/t2", device="vm")
    with pytest.raises(EdgesrError, match="no timed model in common"):
        compare(_table(str(other)), _table(reference))
