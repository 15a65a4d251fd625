#!/usr/bin/env python3
"""INT8 PSNR drop per family: the recipe chooser on a sample of the zoo (no timing).

    python benchmarks/int8/drops.py [--every N | --extremes | --models ID,...] [--resolution WxH] [--out STEM]
    python benchmarks/int8/drops.py --bundles DIR [--out STEM]

Every N-th model id of each family (all scales, in list_models order; the families interleaved so that
``--budget-s`` cuts them alike) is exported for the rpi target
with precision int8 and default options otherwise; the chosen recipe, its PSNR drop against FP32 and
the drops of the candidates tried are recorded. ``--bundles DIR`` exports nothing: it reads the rows
from the manifests of an existing rpi export folder (e.g. a full-zoo ``edgesr export --target rpi
--models '*' --out DIR``). Writes STEM.md (per-family median / max drop, recipes
chosen, refusals) and STEM.json (one row per model). Default STEM benchmarks/int8/results/drops-<date>.
"""

import argparse
import collections
import datetime
import itertools
import os
import sys
import tempfile
import time

import numpy as np

from edgesr_runtime import bundle as bundle_io
from edgesr_runtime.textable import format_table

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "peers"))

import result_files  # noqa: E402  (benchmarks/peers/result_files.py)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--every", type=int, default=20, help="take every N-th model of each family (default 20)")
    parser.add_argument("--extremes", action="store_true", help="instead of --every: per family and scale the "
                                                                     "smallest and the largest config (by parameters)")
    parser.add_argument("--models", help="instead of --every: these comma-separated ids")
    parser.add_argument("--bundles", help="instead of exporting: summarise the rpi bundles in this folder")
    parser.add_argument("--resolution", default="480x288", help="output size WxH, divisible by 2, 3 and 4 "
                                                                "(default 480x288)")
    parser.add_argument("--budget-s", type=float, default=None, help="stop starting new models after this time")
    parser.add_argument("--out", help="output stem (default benchmarks/int8/results/drops-<date>)")
    return parser.parse_args(argv)


def sample(every):
    """Every ``every``-th id per family, the families interleaved (a time budget cuts them alike)."""
    from edgesr.models import FAMILIES, list_models

    columns = itertools.zip_longest(*[list_models(family=family)[::every] for family in FAMILIES])
    return [model_id for column in columns for model_id in column if model_id]


def extremes():
    """Per family and scale the smallest and the largest config by parameter count, families interleaved."""
    from edgesr.models import FAMILIES, build_module, count_parameters, get_config, list_models

    def parameters(model_id):
        return count_parameters(build_module(get_config(model_id)))

    per_family = []
    for family in FAMILIES:
        ids = []
        for scale in (2, 3, 4):
            models = sorted(list_models(family=family, scale=scale), key=parameters)
            ids += list(dict.fromkeys(models[:1] + models[-1:]))
        per_family.append(ids)
    return [m for column in itertools.zip_longest(*per_family) for m in column if m]


def row(model_id, family, artifacts):
    """One result row from a bundle's artifact list (its tflite-int8 entry)."""
    int8 = next((a for a in artifacts if a["name"] == "tflite-int8"), {})
    quantization = int8.get("quantization") or {}
    return {"model": model_id, "family": family, "valid": int8.get("valid"),
            "recipe": quantization.get("recipe"), "drop_db": (quantization.get("psnr") or {}).get("drop_db"),
            "tried": (quantization.get("choice") or {}).get("tried"), "error": int8.get("error")}


def one(model_id, resolution, folder):
    from edgesr.exporting import export_zoo_model
    from edgesr.models import get_config

    report = export_zoo_model(model_id, "rpi", folder, {"resolution": resolution, "precision": "int8"},
                              log=lambda message: None)
    return row(model_id, get_config(model_id).family, report.artifacts)


def from_bundles(folder):
    """Rows of the bundles with an INT8 file in an export folder (from their manifests), in list_models order."""
    from edgesr.models import list_models

    order = {model_id: i for i, model_id in enumerate(list_models())}
    rows = []
    for name in sorted(os.listdir(folder)):
        bundle = os.path.join(folder, name)
        if not name.startswith(".") and os.path.isfile(bundle_io.manifest_path(bundle)):
            manifest = bundle_io.load_manifest(bundle)
            model = manifest["model"]
            if not any(a["name"] == "tflite-int8" for a in manifest["artifacts"]):
                continue  # a bundle of another target: no INT8 file to summarise
            rows.append(dict(row(model["id"], model["family"], manifest["artifacts"]),
                             resolution=manifest["options"].get("resolution")))
    return sorted(rows, key=lambda r: order.get(r["model"], len(order)))


def summary(rows):
    by_family = collections.OrderedDict()
    for row in rows:
        by_family.setdefault(row["family"], []).append(row)
    body = []
    for family, items in by_family.items():
        drops = [r["drop_db"] for r in items if r["drop_db"] is not None]
        recipes = collections.Counter(r["recipe"] for r in items if r["valid"])
        body.append([family, len(items), sum(1 for r in items if r["valid"]),
                     "%.3f" % np.median(drops) if drops else "-", "%.3f" % max(drops) if drops else "-",
                     ", ".join("%s %d" % kv for kv in recipes.most_common()) or "-"])
    return format_table(["family", "models", "valid", "median drop dB", "max drop dB", "recipes kept"], body,
                        right=(1, 2, 3, 4))


def largest_drops(rows, count):
    """The ``count`` valid rows with the largest PSNR drop, largest first."""
    valid = [r for r in rows if r["valid"] and r["drop_db"] is not None]
    return sorted(valid, key=lambda r: r["drop_db"], reverse=True)[:count]


def measure(models, resolution, budget_s):
    """Export each model in turn (rows as they finish), stopping new ones after ``budget_s``."""
    rows, started = [], time.time()
    with tempfile.TemporaryDirectory() as folder:
        for model_id in models:
            if budget_s is not None and time.time() - started > budget_s:
                break
            rows.append(one(model_id, resolution, folder))
            r = rows[-1]
            print("%s %s %s %s" % (model_id, r["recipe"], r["drop_db"], "valid" if r["valid"] else "REFUSED"),
                  flush=True)
    return rows


def main(argv=None):
    args = parse_args(argv)
    if args.bundles:
        rows = from_bundles(args.bundles)
        models = [r["model"] for r in rows]
        resolution = ", ".join(sorted({str(r.pop("resolution")) for r in rows}))
        scope = "%d bundles read from an rpi export folder (nothing exported by this command), output %s" % (
            len(rows), resolution)
    else:
        models = args.models.split(",") if args.models else extremes() if args.extremes else sample(args.every)
        rows = measure(models, args.resolution, args.budget_s)
        resolution = args.resolution
        scope = "%d of the %d sampled models measured in the time budget, output %s" % (
            len(rows), len(models), resolution)
    command = result_files.command_line("benchmarks/int8/drops.py", argv)
    refused = [r for r in rows if not r["valid"]]
    text = "\n".join(
        ["# INT8 PSNR drop per family (%s)" % datetime.date.today().isoformat(), "",
         "Command: `%s`; %s, load average at the end %s." % (command, scope, result_files.load_text()), "",
         "```", summary(rows), "```", "",
         "Largest drops: %s" % ", ".join("%s %s (%.4f dB)" % (r["model"], r["recipe"], r["drop_db"])
                                         for r in largest_drops(rows, 5)), "",
         "Refused (no recipe within the limit): %s" % (", ".join("%s (%.3f dB)" % (r["model"], r["drop_db"])
                                                                 if r["drop_db"] is not None else r["model"]
                                                                 for r in refused) or "none"), ""]) + "\n"
    result_files.save(args.out or result_files.default_stem(HERE, "drops"), text,
                      {"command": command, "resolution": resolution, "rows": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
