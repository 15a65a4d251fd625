"""Summarize a full ``edgesr eval`` run for docs/evaluation.md: coverage, wall time, rate, targets, Bicubic_s3.

    nice -n 10 edgesr eval --models '*' --datasets Set5,Set14,BSDS100 --workers 2 --store runs/eval-full.db
    python benchmarks/eval_full.py --store runs/eval-full.db [--started EPOCH_SECONDS]

Wall time runs from --started (the launch time; default: the first stored result) to the last result.
Targets: mean |ΔPSNR| ≤ 0.05 dB and mean |ΔSSIM| ≤ 0.002 per family and dataset.
"""

import argparse
import sys

import numpy as np

from edgesr.eval import compare
from edgesr.models import list_models
from edgesr_runtime.store import ResultStore

DATASETS = ("Set5", "Set14", "BSDS100")
PSNR_TARGET_DB, SSIM_TARGET = 0.05, 0.002


def coverage_and_rate(rows, started=None):
    """Text lines: results and minutes per dataset, wall time, rate; an extrapolated full time when partial.

    Datasets run one after the other, so a dataset's effective time per result is the span of its
    results divided by their count; the extrapolation scales that to all models (labelled as such).
    """
    times = np.array([r["created_at"] for r in rows])
    start = started if started is not None else times.min()
    wall = times.max() - start
    total_models = len(list_models())
    lines, extrapolated = [], 0.0
    for dataset in DATASETS:
        stamps = np.array([r["created_at"] for r in rows if r["dataset"] == dataset])
        if len(stamps):
            span = stamps.max() - stamps.min()
            extrapolated += span / len(stamps) * total_models
            lines.append("%-8s %4d of %d models in %.1f min (%.2f s per result)"
                         % (dataset, len(stamps), total_models, span / 60, span / len(stamps)))
    lines.append("wall time %.1f min for %d model-datasets: %.1f model-datasets/minute"
                 % (wall / 60, len(rows), len(rows) / (wall / 60)))
    missing = [d for d in DATASETS if not any(r["dataset"] == d for r in rows)]
    if missing:
        lines.append("PARTIAL run: no result yet on %s, no extrapolation" % ", ".join(missing))
    elif len(rows) < total_models * len(DATASETS):
        lines.append("PARTIAL run: EXTRAPOLATED full %d x %d time %.0f min (from the per-dataset rates above)"
                     % (total_models, len(DATASETS), extrapolated / 60))
    return lines


def target_lines(summary):
    """The summary rows with a pass/fail mark against the targets."""
    lines = []
    for s in summary:
        ok = s["mean_abs_delta_psnr"] <= PSNR_TARGET_DB and s["mean_abs_delta_ssim"] <= SSIM_TARGET
        lines.append("%-8s %-8s %4d  mean|dPSNR| %.4f  max %.4f  mean|dSSIM| %.5f  max %.5f  %s"
                     % (s["family"], s["dataset"], s["models"], s["mean_abs_delta_psnr"], s["max_abs_delta_psnr"],
                        s["mean_abs_delta_ssim"], s["max_abs_delta_ssim"], "ok" if ok else "MISSES TARGET"))
    return lines


def bicubic_s3_lines():
    """PSNR of the shipped Bicubic_s3 model vs a standard MATLAB bicubic ×3 upscale of the same LR input."""
    from edgesr.eval import protocol
    from edgesr.eval.datasets import resolve_dataset
    from edgesr.eval.evaluate import evaluate
    from edgesr.eval.imresize import imresize
    from edgesr.eval.prepare import prepared
    from edgesr.eval.predictors import open_predictor
    from edgesr.models import get_config

    def standard_bicubic(lr):
        return imresize(lr, 3).astype(np.float32)

    paper = get_config("Bicubic_s3").paper
    lines = []
    for dataset in DATASETS:
        data = prepared(resolve_dataset(dataset), 3, protocol.LUMA_PAPER)
        shipped = evaluate(open_predictor("torch", "Bicubic_s3"), data)
        standard = evaluate(standard_bicubic, data)
        lines.append("%-8s Bicubic_s3 model %.4f dB (paper %.4f), standard MATLAB bicubic x3 %.4f dB: shift costs %.2f dB"
                     % (dataset, shipped["psnr"], paper.psnr_db[dataset], standard["psnr"],
                        standard["psnr"] - shipped["psnr"]))
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True)
    parser.add_argument("--started", type=float, help="launch time (epoch seconds) of the run")
    parser.add_argument("--runtime", default="torch")
    parser.add_argument("--no-bicubic", action="store_true", help="skip the Bicubic_s3 comparison")
    args = parser.parse_args(argv)
    with ResultStore(args.store) as store:
        rows = compare.paper_rows(store, datasets=list(DATASETS), runtime=args.runtime)
        stored = [r for r in store.rows(kind="quality", status="ok")
                  if r["dataset"] in DATASETS and r["runtime"] == args.runtime]
        failures = store.rows(kind="failure")
    if not rows:
        sys.exit("no %s results in %s" % (args.runtime, args.store))
    print("\n".join(coverage_and_rate(stored, args.started)))
    print("failures stored: %d" % len(failures))
    print()
    print("\n".join(target_lines(compare.summarize(rows))))
    print()
    print("worst 10 by |dPSNR|:")
    print(compare.format_table(compare.worst(rows, 10), compare.ROW_COLUMNS))
    if not args.no_bicubic:
        print()
        print("\n".join(bicubic_s3_lines()))


if __name__ == "__main__":
    main()
