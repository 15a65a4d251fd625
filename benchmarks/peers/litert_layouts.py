"""NCHW vs NHWC (channels-last) deployment forms on LiteRT, per model, in interleaved rounds.

    python benchmarks/peers/litert_layouts.py --models eSR-TM_s2_K3_C2,eSR-TM_s2_K7_C8 [--lr 540x960]

For each model: the reference module and its LiteRT deployment form with ``channels_last`` True and
False (expsum softmax, as RUNTIME_OPTIONS), converted with ``convert_fp32`` at the LR size, checked
against PyTorch on one frame, then timed in rounds (each variant 3 inferences per round, 5 rounds) so
load drift hits all alike. Prints median ms and NCHW ÷ NHWC: what ``edgesr.models.deploy.runtime_options``
chooses from (NCHW on LiteRT for 2-4 channels per sub-pixel).
"""

import argparse
import os
import tempfile
import time

import numpy as np
import torch

from graphs import convert, graph_runner  # benchmarks/peers/graphs.py


def variants(model_id):
    from edgesr.models import create_model
    from edgesr.models.deploy import deployment_form

    reference = create_model(model_id).eval()
    forms = {"reference": reference}
    for channels_last in (True, False):
        forms["nhwc" if channels_last else "nchw"] = deployment_form(reference, "litert", softmax="expsum",
                                                                     channels_last=channels_last)
    return reference, forms


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", required=True, help="comma-separated zoo ids (eSR-MAX/TM/TR/CNN)")
    parser.add_argument("--lr", default="540x960", help="LR input HxW (default 540x960: Full-HD output at x2)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    height, width = (int(v) for v in args.lr.split("x"))
    frame = np.random.default_rng(0).random((1, 1, height, width), dtype=np.float32)
    folder = tempfile.mkdtemp(prefix="litert-layouts-")
    print("| model | reference ms | NHWC ms | NCHW ms | NCHW ÷ NHWC | max abs diff vs PyTorch |")
    print("|---|---|---|---|---|---|")
    for model_id in args.models.split(","):
        reference, forms = variants(model_id)
        with torch.no_grad():
            want = reference(torch.from_numpy(frame)).numpy()
        runners, worst = {}, 0.0
        for name, module in forms.items():
            path = os.path.join(folder, "%s-%s.tflite" % (model_id, name))
            convert(module, "litert", path, height, width, reference.config.scale)
            runners[name] = graph_runner("litert", path, args.threads)
            runners[name].load()
            worst = max(worst, float(np.abs(runners[name].infer(frame).reshape(want.shape) - want).max()))
        times = {name: [] for name in runners}
        for _ in range(args.rounds):
            for name, runner in runners.items():
                runner.infer(frame)
                started = time.perf_counter()
                for _ in range(3):
                    runner.infer(frame)
                times[name].append((time.perf_counter() - started) / 3 * 1000)
        ms = {name: float(np.median(t)) for name, t in times.items()}
        print("| %s | %.1f | %.1f | %.1f | %.2f | %.1e |" % (model_id, ms["reference"], ms["nhwc"], ms["nchw"],
                                                          ms["nchw"] / ms["nhwc"], worst), flush=True)


if __name__ == "__main__":
    main()
