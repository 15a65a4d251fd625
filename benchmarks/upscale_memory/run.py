"""Peak memory of ``edgesr upscale`` against the image size (issue 13: memory follows the tile, not the image).

Writes synthetic RGB PNGs (a smooth gradient plus noise) of about 1, 12 and 24 megapixels to a
temporary folder, upscales each in a fresh process running ``edgesr upscale`` and reads that
process's peak resident set size (VmHWM of /proc/self/status at its exit; ``ru_maxrss`` would also
count the benchmark's own memory, which a forked child inherits as its high-water mark). The goal is

    peak RSS ≤ 3 × (output image's uint8 bytes) + baseline,

where the baseline is the peak RSS of the same command on a one-tile image (512×512, the default
``--tile``), measured in the same run: Python, torch, the model and one tile's working set — the
part that does not grow with the image.

    python benchmarks/upscale_memory/run.py [--models eSR-TM_s2_K7_C16 Bicubic_s2] [--sizes 1 12 24]
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

ASPECT = 3 / 2  # width / height, as a camera photo


def synthetic_photo(megapixels, seed=0, baseline_size=512):
    """uint8 H×W×3: a smooth colour gradient plus Gaussian noise (σ = 8 grey levels); 0 MP: the baseline."""
    if megapixels <= 0:
        height = width = baseline_size
    else:
        height = int(round((megapixels * 1e6 / ASPECT) ** 0.5))
        width = int(round(height * ASPECT))
    rng = np.random.default_rng(seed)
    rows = np.linspace(0, 1, height, dtype=np.float32)[:, None]
    cols = np.linspace(0, 1, width, dtype=np.float32)[None, :]
    image = np.empty((height, width, 3), dtype=np.uint8)
    for channel, (a, b) in enumerate([(200, 40), (60, 160), (120, -80)]):
        plane = 30 + a * rows + b * cols + rng.normal(0, 8, (height, width)).astype(np.float32)
        image[..., channel] = np.clip(plane, 0, 255)
    return image


# ``python -m edgesr ARGS...`` that reports its own peak RSS (kB) on the last stderr line.
MEASURED_EDGESR = """
import re, runpy, sys
sys.argv, code = ["edgesr"] + sys.argv[1:], 0
try:
    runpy.run_module("edgesr", run_name="__main__", alter_sys=True)
except SystemExit as done:
    code = done.code
finally:
    status = open("/proc/self/status").read()
    sys.stderr.write("VmHWM %s\\n" % re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1))
sys.exit(code)
"""


def peak_rss_bytes(arguments, folder):
    """Run ``edgesr ARGUMENTS`` in a fresh process; return (exit code, seconds, its peak RSS in bytes).

    It runs in ``folder``: ``python -c`` imports from its working directory first, and the edgesr
    measured must be the one on the path (PYTHONPATH or installed), not a checkout that happens to be there.
    """
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", MEASURED_EDGESR] + arguments, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, cwd=folder)
    seconds = time.perf_counter() - start
    lines = result.stderr.splitlines()
    if result.returncode:
        sys.stderr.write(result.stderr)
    return result.returncode, seconds, int(lines[-1].split()[1]) * 1024


def measure(folder, model, megapixels, extra):
    image = synthetic_photo(megapixels)
    source = Path(folder) / ("photo_%gMP.png" % megapixels)
    if not source.exists():
        Image.fromarray(image).save(source, compress_level=1)
    scale = int(model.split("_s")[1].split("_")[0])
    arguments = ["upscale", str(source), "--model", model, "--out", str(Path(folder) / "out")] + extra
    code, seconds, peak = peak_rss_bytes(arguments, folder)
    output_bytes = image.shape[0] * image.shape[1] * 3 * scale * scale
    return image.shape, code, seconds, peak, output_bytes


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", default=["eSR-TM_s2_K7_C16", "Bicubic_s2"])
    parser.add_argument("--sizes", nargs="+", type=float, default=[1, 12, 24], help="megapixels")
    parser.add_argument("--extra", default="", help="extra options for edgesr upscale, e.g. '--tile 256'")
    args = parser.parse_args(argv)
    mb = 1e6
    print("| model | input | output MB | peak RSS MB | goal MB (3×output + baseline) | within goal | seconds |")
    print("|---|---|---:|---:|---:|---|---:|")
    failed = False
    with tempfile.TemporaryDirectory() as folder:
        for model in args.models:
            _, code, _, baseline, _ = measure(folder, model, 0, args.extra.split())
            if code:
                return code
            print("| %s | 512×512 (baseline: one tile) | – | %.0f | – | – | – |" % (model, baseline / mb))
            for megapixels in args.sizes:
                shape, code, seconds, peak, output_bytes = measure(folder, model, megapixels, args.extra.split())
                goal = 3 * output_bytes + baseline
                within = code == 0 and peak <= goal
                failed |= not within
                print("| %s | %d×%d (%g MP) | %.0f | %.0f | %.0f | %s | %.1f |" % (
                    model, shape[1], shape[0], megapixels, output_bytes / mb, peak / mb, goal / mb,
                    "yes" if within else ("no" if code == 0 else "exit %d" % code), seconds), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
