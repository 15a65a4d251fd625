"""benchmarks/int8/drops.py --bundles: the per-family INT8 table read from an export folder's manifests."""

import json
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUNDLES = os.path.join(REPO, "tests", "runtime", "fixtures", "bundles")


def test_bundles_mode_summarises_the_int8_manifests(tmp_path):
    with open(os.path.join(BUNDLES, "eSR-TM_s2_K3_C2-rpi", "manifest.json")) as handle:
        int8 = next(a for a in json.load(handle)["artifacts"] if a["name"] == "tflite-int8")
    stem = str(tmp_path / "zoo")
    done = subprocess.run([sys.executable, os.path.join(REPO, "benchmarks", "int8", "drops.py"),
                           "--bundles", BUNDLES, "--out", stem], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    with open(stem + ".json") as handle:
        rows = json.load(handle)["rows"]
    # only the rpi bundle ships an INT8 file; the cpu and onnx fixtures are skipped
    assert [r["model"] for r in rows] == ["eSR-TM_s2_K3_C2"]
    assert rows[0]["recipe"] == int8["quantization"]["recipe"]
    assert rows[0]["drop_db"] == int8["quantization"]["psnr"]["drop_db"] and rows[0]["valid"] is True
    with open(stem + ".md") as handle:
        text = handle.read()
    family_line = next(line for line in text.splitlines() if line.startswith("eSR-TM "))
    assert family_line.split()[1:3] == ["1", "1"] and "%.3f" % rows[0]["drop_db"] in family_line
    assert "1 bundles read from an rpi export folder" in text
