"""Speed of the reference architectures (EDSR-baseline, WinAttn-SR) beside a zoo model, in one run.

    python benchmarks/reference_architectures.py [--resolution 640x360] [--threads 2] [--out DIR]

Exports each model for ``--target cpu`` (parity-gated ONNX and TFLite FP32; the architectures with a
fresh seeded initialisation, since speed does not depend on the weights) and times each artifact with
``edgesr.api.bench``. Prints one line per (model, runtime) with fps, the median latency and the ratio
of the zoo reference's fps to the model's (measured in the same run, so machine load affects both).
"""

import argparse
import time

import torch

from edgesr import api
from edgesr.models.source import resolve

REFERENCE = "eSR-TM_s2_K7_C16"
ARCHITECTURES = ("edgesr.baselines:edsr_baseline?scale=2", "edgesr.baselines:window_attention_sr?scale=2")
RUNTIMES = ("onnxruntime", "litert")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--resolution", default="640x360", help="output WxH (default 640x360)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--duration-s", type=float, default=3.0)
    parser.add_argument("--out", default="reference-architectures-bundles")
    args = parser.parse_args()
    torch.manual_seed(0)
    sources = [resolve(REFERENCE)] + [resolve(spec, pretrained=False) for spec in ARCHITECTURES]
    reference_fps = {}
    for source in sources:
        started = time.time()
        bundle = api.export(source, "cpu", args.out, {"resolution": args.resolution})
        print("%s: %s parameters; bundle %s (%s, valid %s) in %.0f s" % (
            source.model_id, source.parameters or "(zoo)", bundle.path, bundle.status, bundle.valid, time.time() - started))
        for runtime in RUNTIMES:
            result = api.bench(source, runtime=runtime, target="cpu", bundles_dir=args.out,
                               resolution=args.resolution, duration_s=args.duration_s, power="none",
                               threads=args.threads)
            reference_fps.setdefault(runtime, result.fps)
            print("  %-11s %s  %.2f fps  median %.1f ms  %s fps / this = %.0f×" % (
                runtime, result.precision, result.fps, result.latency_ms["median"], REFERENCE,
                reference_fps[runtime] / result.fps), flush=True)


if __name__ == "__main__":
    main()
