"""One pandas table per report: our measurements joined with the paper's published numbers.

``paper_table(dataset)`` has one row per model of the zoo (1185). ``joined_table(rows, dataset)`` has
one row per measured configuration (model, runtime, precision, device, bench setting): a latency
row, with the quality measured for the same model on ``dataset`` (same runtime and precision
preferred, else the closest: same runtime, then any, then by name), plus quality-only
configurations that have no latency row. The column ``psnr_used_db`` is what plots and fronts use:
our PSNR where measured (``psnr_source`` = "measured"), the paper's otherwise ("paper"). Fronts
(``on_front``) are per FRONT_GROUP: a scale on a device in one bench mode (model only, or
end-to-end with colour conversion), across runtimes and precisions.

Models outside the zoo (your own modules and trained runs; ``edgesr.models.source``) sit in the same
table with ``source`` "user" or "trained" (zoo rows: "zoo"), their family, scale and parameters from
the ``model_source`` record their results carry, and no paper numbers.
"""

import math

from edgesr.models import get_config, list_models
from edgesr.models.registry import parse_model_id
from edgesr.report.pareto import pareto_flags
from edgesr_runtime.errors import EdgesrError

# (short name, label, PaperMetrics speed field); the paper's three measured devices.
PAPER_DEVICES = (
    ("agx", "Jetson AGX Xavier", "speed_agx_fps"),
    ("rpi", "Raspberry Pi 400", "speed_rpi_fps"),
    ("maxq", "GTX 1080 Max-Q", "speed_maxq_fps"),
)

LATENCY_STATS = ("mean", "median", "p90", "p99", "std")
FRONT_GROUP = ["scale", "device", "mode"]


def where(device, mode):
    """A front group's place in words: "rpi5", or "rpi5, end-to-end" when the bench timed more than the model."""
    return (device or "(unlabelled device)") + ("" if mode in ("model", "") else ", " + mode)


def paper_table(dataset):
    """All 1185 models with the paper's numbers on ``dataset`` and their paper-front flags per scale."""
    import pandas as pd

    records = []
    for model_id in list_models():
        config = get_config(model_id)
        paper = config.paper
        records.append({
            "model": model_id,
            "family": config.family,
            "scale": config.scale,
            "parameters": paper.parameters,
            "paper_psnr_db": paper.psnr_db[dataset],
            "paper_ssim": paper.ssim[dataset],
            "paper_fps_agx": paper.speed_agx_fps,
            "paper_fps_rpi": paper.speed_rpi_fps,
            "paper_fps_maxq": paper.speed_maxq_fps,
            "paper_power_agx_w": paper.power_agx_mw / 1000.0,
            "paper_power_maxq_w": float(paper.power_maxq_w),
            "paper_usage_rpi_pct": paper.usage_rpi_pct,
            "paper_energy_agx_mj_per_frame": paper.power_agx_mw / paper.speed_agx_fps,
            "paper_energy_maxq_mj_per_frame": 1000.0 * paper.power_maxq_w / paper.speed_maxq_fps,
        })
    table = pd.DataFrame.from_records(records)
    for short, _, _ in PAPER_DEVICES:
        table["paper_front_" + short] = pareto_flags(table, "paper_fps_" + short, "paper_psnr_db", by=["scale"])
    return table


def _number(value):
    """A float, or NaN for None / non-numbers."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number


def _latency_record(row):
    payload = row["payload"]
    latency = payload.get("latency_ms") if isinstance(payload.get("latency_ms"), dict) else {}
    fps = _number(payload.get("fps"))
    if math.isnan(fps) and _number(latency.get("mean")) > 0:
        fps = 1000.0 / _number(latency.get("mean"))
    power = _number(payload.get("power_w"))
    energy = _number(payload.get("energy_mj_per_frame"))
    if math.isnan(energy) and power > 0 and fps > 0:
        energy = 1000.0 * power / fps
    record = {"fps": fps}
    record.update({"latency_%s_ms" % k: _number(latency.get(k)) for k in LATENCY_STATS})
    record.update(power_w=power, energy_mj_per_frame=energy, cpu_usage_pct=_number(payload.get("cpu_usage_pct")))
    return record


def _quality_record(row):
    if row is None:
        return {"psnr_db": math.nan, "ssim": math.nan, "n_images": math.nan, "quality_from": ""}
    payload = row["payload"]
    return {
        "psnr_db": _number(payload.get("psnr")),
        "ssim": _number(payload.get("ssim")),
        "n_images": _number(payload.get("n_images", payload.get("images"))),
        "quality_from": "%s/%s" % (row["runtime"], row["precision"]),
    }


def _best_quality(candidates, runtime, precision, device):
    """The quality row closest to a configuration: same runtime+precision (+device), same runtime, any."""
    def rank(row):
        same_rt = row["runtime"] == runtime
        return (not (same_rt and row["precision"] == precision), not same_rt, row["device"] != device,
                row["runtime"], row["precision"], row["device"])

    return min(candidates, key=rank) if candidates else None


def joined_table(rows, dataset, device=None, runtime=None, paper=None):
    """The report's table (one row per measured configuration); filtered to one device / runtime if given.

    ``paper``: ``paper_table(dataset)`` when the caller already has it. A tagged dataset
    ("Set14@standard-luma") joins our rows of that tag with the paper's numbers of its base name.
    """
    import pandas as pd

    ok = [r for r in rows if r["status"] == "ok"]
    latency = [r for r in ok if r["kind"] == "latency" and device in (None, r["device"])
               and runtime in (None, r["runtime"])]
    quality = {}
    for row in ok:
        if row["kind"] == "quality" and row["dataset"] == dataset:
            quality.setdefault(row["model"], []).append(row)
    records = []
    for row in latency:
        best = _best_quality(quality.get(row["model"], []), row["runtime"], row["precision"], row["device"])
        records.append({**_key(row, bench=row["dataset"], mode=row["payload"].get("mode") or "model"),
                        **_latency_record(row), **_quality_record(best)})
    timed = {(r["model"], r["runtime"], r["precision"]) for r in latency}
    if device is None:
        for rows_of_model in quality.values():
            for row in rows_of_model:
                key = (row["model"], row["runtime"], row["precision"])
                if key not in timed and runtime in (None, row["runtime"]):
                    timed.add(key)
                    records.append({**_key(row, bench="", mode=""), **_latency_record({"payload": {}}),
                                    **_quality_record(row)})
    measured = pd.DataFrame.from_records(records, columns=_MEASURED_COLUMNS)
    outside = outside_zoo(rows, set(measured["model"]))
    return _finish(measured, dataset, paper_table(dataset.split("@")[0]) if paper is None else paper, outside)


def _scale_from_shapes(payload):
    """The scale of a latency payload from its input and output shapes (N×C×H×W or N×H×W×C), else None."""
    shapes = payload.get("input_shape"), payload.get("output_shape")
    if not all(isinstance(s, list) and len(s) == 4 for s in shapes):
        return None
    ratios = {o // i for i, o in zip(shapes[0], shapes[1]) if isinstance(i, int) and isinstance(o, int) and i > 1}
    return ratios.pop() if len(ratios) == 1 else None


def outside_zoo(rows, models):
    """{model: {source, family, scale, parameters}} for the ``models`` that are not zoo ids.

    From the ``model_source`` record their rows carry; a device-side row without one is a "user" model
    whose scale comes from its shapes. A model with neither is an error that names it.
    """
    found = {}
    for row in rows:
        model = row["model"]
        if model not in models or parse_model_id(model) is not None:
            continue
        record = row["payload"].get("model_source")
        if isinstance(record, dict) and record.get("kind") in ("user", "trained"):
            found[model] = {"source": record["kind"], "family": str(record.get("family") or "user"),
                            "scale": int(record["scale"]), "parameters": _number(record.get("parameters"))}
        elif model not in found and _scale_from_shapes(row["payload"]):
            found[model] = {"source": "user", "family": "user", "scale": _scale_from_shapes(row["payload"]),
                            "parameters": math.nan}
    for model in sorted(models):
        if parse_model_id(model) is not None:
            get_config(model)  # a malformed or unknown zoo id is an error that names it
        elif model not in found:
            raise EdgesrError("model %r is neither a zoo id nor labelled as a user model in its results" % model,
                              "re-run its bench/eval with this edgesr, which records the model's source")
    return found


def _key(row, bench, mode):
    return {"model": row["model"], "runtime": row["runtime"], "precision": row["precision"],
            "device": row["device"], "mode": mode, "bench": bench}


_MEASURED_COLUMNS = (["model", "runtime", "precision", "device", "mode", "bench", "fps"]
                     + ["latency_%s_ms" % k for k in LATENCY_STATS]
                     + ["power_w", "energy_mj_per_frame", "cpu_usage_pct", "psnr_db", "ssim", "n_images",
                        "quality_from"])


def _finish(measured, dataset, paper, outside):
    """Add the paper's columns (and the facts of models outside the zoo), the plotted PSNR, the front flags;
    sort deterministically."""
    table = measured.merge(paper, on="model", how="left", validate="many_to_one")
    table["source"] = "zoo"
    for model, facts in outside.items():
        mine = table["model"] == model
        for column, value in facts.items():
            table.loc[mine, column] = value
    table.insert(1, "family", table.pop("family"))
    table.insert(3, "source", table.pop("source"))
    table.insert(2, "scale", table.pop("scale").astype(int))
    table.insert(table.columns.get_loc("psnr_db"), "dataset", dataset)
    measured_psnr = table["psnr_db"].astype(float)
    table["psnr_source"] = measured_psnr.notna().map({True: "measured", False: "paper"})
    table["psnr_used_db"] = measured_psnr.fillna(table["paper_psnr_db"])
    table["on_front"] = pareto_flags(table, "fps", "psnr_used_db", by=FRONT_GROUP)
    order = FRONT_GROUP + ["runtime", "precision", "bench", "model"]
    return table.sort_values(order, kind="mergesort").reset_index(drop=True)
