"""Compare stored quality results with the paper: per-row deltas, a family × dataset summary, the worst rows."""

import csv
from collections import defaultdict

import numpy as np

from edgesr.eval.jobs import QUALITY
from edgesr.models import DATASETS, FAMILIES, get_config, list_models
from edgesr_runtime import textable
from edgesr_runtime.files import atomic_open

ROW_FIELDS = ("model", "family", "scale", "dataset", "runtime", "precision", "psnr", "ssim",
              "paper_psnr", "paper_ssim", "delta_psnr", "delta_ssim", "images", "skipped")
SUMMARY_FIELDS = ("family", "dataset", "runtime", "models", "mean_abs_delta_psnr", "max_abs_delta_psnr",
                  "mean_delta_psnr", "mean_abs_delta_ssim", "max_abs_delta_ssim", "mean_delta_ssim")
ALL_FAMILIES = "all"


def paper_rows(store, models=None, datasets=None, runtime=None):
    """``delta_record`` of every stored quality result that the paper has numbers for."""
    known = set(list_models())
    wanted_models = None if models is None else set(models)
    out = []
    for row in store.rows(kind=QUALITY, status="ok"):
        if row["model"] not in known or (wanted_models is not None and row["model"] not in wanted_models):
            continue
        if (datasets is not None and row["dataset"] not in datasets) or (runtime and row["runtime"] != runtime):
            continue
        record = delta_record(row["model"], row["dataset"], row["runtime"], row["precision"], row["payload"])
        if record["paper_psnr"] is not None:  # a user folder or a non-paper luma: nothing to compare with
            out.append(record)
    return out


def delta_record(model_id, dataset, runtime, precision, payload):
    """One result with the paper's numbers and the deltas (ours − paper); None where the paper has none
    (a model outside the zoo: family and scale from the payload's ``model_source``)."""
    source = payload.get("model_source")
    if isinstance(source, dict):
        family, scale, paper_psnr, paper_ssim = source["family"], source["scale"], None, None
    else:
        config = get_config(model_id)
        family, scale = config.family, config.scale
        paper_psnr, paper_ssim = config.paper.psnr_db.get(dataset), config.paper.ssim.get(dataset)
    return {
        "model": model_id, "family": family, "scale": scale, "dataset": dataset,
        "runtime": runtime, "precision": precision, "psnr": payload["psnr"], "ssim": payload["ssim"],
        "paper_psnr": paper_psnr, "paper_ssim": paper_ssim,
        "delta_psnr": None if paper_psnr is None else payload["psnr"] - paper_psnr,
        "delta_ssim": None if paper_ssim is None else payload["ssim"] - paper_ssim,
        "images": payload.get("images"), "skipped": payload.get("skipped", 0),
    }


def summarize(rows):
    """Summary dicts per (family, dataset, runtime), plus an ``all`` family per (dataset, runtime)."""
    groups = defaultdict(list)
    for row in rows:
        groups[(row["family"], row["dataset"], row["runtime"])].append(row)
        groups[(ALL_FAMILIES, row["dataset"], row["runtime"])].append(row)
    order = {name: i for i, name in enumerate(FAMILIES + (ALL_FAMILIES,))}
    dataset_order = _first_seen(list(DATASETS) + [r["dataset"] for r in rows])
    summary = []
    for key in sorted(groups, key=lambda k: (dataset_order[k[1]], k[2], order[k[0]])):
        members = groups[key]
        dp = np.array([r["delta_psnr"] for r in members])
        ds = np.array([r["delta_ssim"] for r in members])
        summary.append({
            "family": key[0], "dataset": key[1], "runtime": key[2], "models": len(members),
            "mean_abs_delta_psnr": float(np.abs(dp).mean()), "max_abs_delta_psnr": float(np.abs(dp).max()),
            "mean_delta_psnr": float(dp.mean()),
            "mean_abs_delta_ssim": float(np.abs(ds).mean()), "max_abs_delta_ssim": float(np.abs(ds).max()),
            "mean_delta_ssim": float(ds.mean()),
        })
    return summary


def _first_seen(values):
    order = {}
    for value in values:
        order.setdefault(value, len(order))
    return order


def worst(rows, count=10):
    """The ``count`` rows with the largest |ΔPSNR|."""
    return sorted(rows, key=lambda r: -abs(r["delta_psnr"]))[:count]


def write_csv(path, records, fields):
    """Write dicts as CSV with the given column order (atomically)."""
    with atomic_open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(records)


def format_table(records, columns):
    """A plain aligned text table of ``records``; ``columns`` = [(header, key, format)], numbers from the 4th on."""
    rows = [[fmt % record[key] if record[key] is not None else "-" for _, key, fmt in columns] for record in records]
    return textable.format_table([h for h, _, _ in columns], rows, right=range(3, len(columns)))


SUMMARY_COLUMNS = [
    ("family", "family", "%s"), ("dataset", "dataset", "%s"), ("runtime", "runtime", "%s"),
    ("models", "models", "%d"), ("mean|dPSNR|", "mean_abs_delta_psnr", "%.4f"),
    ("max|dPSNR|", "max_abs_delta_psnr", "%.4f"), ("mean dPSNR", "mean_delta_psnr", "%+.4f"),
    ("mean|dSSIM|", "mean_abs_delta_ssim", "%.5f"), ("max|dSSIM|", "max_abs_delta_ssim", "%.5f"),
    ("mean dSSIM", "mean_delta_ssim", "%+.5f"),
]
ROW_COLUMNS = [
    ("model", "model", "%s"), ("dataset", "dataset", "%s"), ("runtime", "runtime", "%s"),
    ("PSNR", "psnr", "%.4f"), ("paper", "paper_psnr", "%.4f"), ("dPSNR", "delta_psnr", "%+.4f"),
    ("SSIM", "ssim", "%.5f"), ("paper", "paper_ssim", "%.5f"), ("dSSIM", "delta_ssim", "%+.5f"),
]
