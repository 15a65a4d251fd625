"""Write the bundles that tests/runtime/ runs on (a few KB each), with the exporter of this checkout.

    python tests/make_runtime_fixtures.py [OUT]      # default: tests/runtime/fixtures/bundles

The device tests need real ONNX / TFLite files and golden data but may import only numpy and one
runtime, so the bundles are made here (torch + the exporter) and committed. tests/host/
test_runtime_fixtures.py re-runs this script and checks that the committed bundles still are what
the exporter makes now (same artifacts, same golden data, every committed artifact passing parity
on the fresh golden data).
"""

import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "runtime", "fixtures", "bundles")
RESOLUTION = "32x24"  # output WxH: 16x12 LR inputs keep every file a few KB

# (model id, target, extra export options): eSR-TM with fp32/fp16/int8 TFLite and ONNX (rpi),
# eSR-MAX with ONNX + TFLite fp32 (cpu), and a dynamic-shape ONNX (onnx --dynamic).
BUNDLES = (
    ("eSR-TM_s2_K3_C2", "rpi", ()),
    ("eSR-MAX_s2_K3_C1", "cpu", ()),
    ("eSR-MAX_s2_K3_C1", "onnx", ("--dynamic",)),
)


def bundle_name(model_id, target):
    return "%s-%s" % (model_id, target)


def make(out=DEFAULT_OUT):
    """Export every fixture bundle into ``out`` (replacing it); returns the bundle folders."""
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out)
    for model_id, target, extra in BUNDLES:
        subprocess.run([sys.executable, "-m", "edgesr", "export", "--target", target, "--model", model_id,
                        "--resolution", RESOLUTION, "--out", out, "--no-progress"] + list(extra),
                       check=True, stdout=subprocess.DEVNULL)
    return [os.path.join(out, bundle_name(model_id, target)) for model_id, target, _ in BUNDLES]


if __name__ == "__main__":
    for folder in make(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUT):
        print(folder)
