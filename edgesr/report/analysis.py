"""The report's numbers beyond the joined table: fronts, agreement with the paper, rank correlation, energy.

Every function takes the joined table (``edgesr.report.table.joined_table``) and/or the paper table
and returns a small pandas DataFrame; formatting is the renderers' job.
"""

import warnings

import numpy as np

from edgesr.report.inputs import failures as failed_rows
from edgesr.report.pareto import pareto_mask
from edgesr.report.table import FRONT_GROUP, PAPER_DEVICES

GROUP = ["device", "mode", "runtime", "precision"]  # one measured series


def timed(table):
    """The rows with a measured speed."""
    return table[np.isfinite(table["fps"].astype(float))]


def fastest_per_model(rows):
    """One row per model of ``rows``: its fastest configuration (what --runtime auto deploys); ties keep order."""
    return rows.sort_values("fps", ascending=False, kind="mergesort").drop_duplicates("model")


def measured_fronts(table):
    """Our Pareto-optimal configurations per FRONT_GROUP (scale, device, mode), fastest first."""
    front = table[table["on_front"]]
    columns = FRONT_GROUP + ["model", "family", "source", "runtime", "precision", "bench", "fps", "psnr_used_db",
                             "psnr_source", "energy_mj_per_frame"]
    columns += ["paper_front_" + short for short, _, _ in PAPER_DEVICES]
    order = front.sort_values(FRONT_GROUP + ["fps"], ascending=[True] * len(FRONT_GROUP) + [False], kind="mergesort")
    return order[columns]


def outside_zoo(table):
    """The rows of models outside the zoo: each timed configuration (a quality-only row where a model has none),
    with the fastest zoo configuration of the same scale, device and mode that is at least as sharp
    (``zoo_match``, ``zoo_match_fps``; empty where no zoo model measured there is as sharp)."""
    yours = table[table["source"] != "zoo"]
    is_timed = yours["fps"].notna()
    yours = yours[is_timed | ~yours["model"].isin(yours.loc[is_timed, "model"])].copy()
    zoo = timed(table[table["source"] == "zoo"])
    matches, match_fps = [], []
    for _, row in yours.iterrows():
        peers = zoo[(zoo[FRONT_GROUP] == row[FRONT_GROUP]).all(axis=1) & (zoo["psnr_used_db"] >= row["psnr_used_db"])]
        best = fastest_per_model(peers).head(1)
        matches.append(best["model"].iloc[0] if len(best) else "")
        match_fps.append(best["fps"].iloc[0] if len(best) else np.nan)
    yours["zoo_match"], yours["zoo_match_fps"] = matches, match_fps
    return yours


def paper_fronts(paper):
    """The paper's Pareto-optimal models per scale and paper device, fastest first."""
    import pandas as pd

    parts = []
    for short, label, _ in PAPER_DEVICES:
        part = paper[paper["paper_front_" + short]].assign(paper_device=label, fps=paper["paper_fps_" + short])
        parts.append(part.sort_values(["scale", "fps"], ascending=[True, False], kind="mergesort"))
    columns = ["scale", "paper_device", "model", "family", "fps", "paper_psnr_db", "parameters"]
    return pd.concat(parts, ignore_index=True)[columns].sort_values(["scale"], kind="mergesort")


def front_agreement(table, paper):
    """Per (scale, device, mode): our front's size and how many of its models are on each paper front.

    Two paper fronts per paper device: over all the scale's models (``on_<dev>_all``) and over only the
    models measured here (``on_<dev>_same``), which is the fair one for a partial sweep.
    """
    import pandas as pd

    records = []
    for key, part in timed(table).groupby(FRONT_GROUP, sort=True):
        scale = key[0]
        ours = set(part.loc[part["on_front"], "model"])
        record = {**dict(zip(FRONT_GROUP, key)), "measured": part["model"].nunique(), "our_front": len(ours)}
        same = paper[paper["model"].isin(set(part["model"]))]
        for short, _, _ in PAPER_DEVICES:
            full_front = set(paper.loc[paper["paper_front_" + short] & (paper["scale"] == scale), "model"])
            same_front = set(same["model"][pareto_mask(same["paper_fps_" + short], same["paper_psnr_db"])])
            record["on_%s_all" % short] = len(ours & full_front)
            record["on_%s_same" % short] = len(ours & same_front)
            record["paper_front_%s_same" % short] = len(same_front)
        records.append(record)
    return pd.DataFrame.from_records(records)


def _spearman(ours, theirs):
    """(rho, p) over the pairs where both sides are finite; NaN when fewer than 3 such pairs."""
    from scipy.stats import spearmanr

    keep = np.isfinite(ours) & np.isfinite(theirs)
    if keep.sum() < 3:
        return np.nan, np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # constant input: rho is NaN, said as such in the table
        result = spearmanr(ours[keep], theirs[keep])
    return float(result.statistic), float(result.pvalue)


FASTEST_PER_MODEL = "fastest per model"  # runtime label of the pooled series in rank_correlation


def correlation_records(labels, part):
    """Spearman rows for one measured series: one per scale, plus all scales pooled when several."""
    subsets = [(str(s), part[part["scale"] == s]) for s in sorted(part["scale"].unique())]
    if len(subsets) > 1:
        subsets.append(("all", part))
    records = []
    for scale, subset in subsets:
        paper_speeds = subset[["paper_fps_" + short for short, _, _ in PAPER_DEVICES]].astype(float)
        with_paper = np.isfinite(subset["fps"].to_numpy(float)) & np.isfinite(paper_speeds.to_numpy()).any(axis=1)
        record = dict(labels, scale=scale, n=int(with_paper.sum()))  # models outside the zoo have no paper speed
        for short, _, _ in PAPER_DEVICES:
            rho, p = _spearman(subset["fps"].to_numpy(float), subset["paper_fps_" + short].to_numpy(float))
            record.update({"rho_" + short: rho, "p_" + short: p})
        records.append(record)
    return records


def rank_correlation(table):
    """Spearman's rho between our fps and the paper's per paper device, per (device, runtime, precision).

    One row per scale and one with all scales pooled (pooling mixes in the scale's own speed effect).
    Where a device measured several runtimes or precisions, a series "fastest per model" (each model's
    fastest configuration there, i.e. what --runtime auto deploys) covers every model of that device.
    """
    import pandas as pd

    timed_rows = timed(table)
    records = []
    for key, part in timed_rows.groupby(GROUP, sort=True):
        records += correlation_records(dict(zip(GROUP, key)), part)
    for key, part in timed_rows.groupby(["device", "mode"], sort=True):
        if len(part.groupby(["runtime", "precision"])) > 1:
            labels = {"device": key[0], "mode": key[1], "runtime": FASTEST_PER_MODEL, "precision": "any"}
            records += correlation_records(labels, fastest_per_model(part))
    return pd.DataFrame.from_records(records)


def energy_summary(table):
    """Per (device, runtime, precision) with power measured: energy per frame, ours beside the paper's."""
    import pandas as pd

    rows = table[np.isfinite(table["energy_mj_per_frame"].astype(float))]
    records = []
    for key, part in rows.groupby(GROUP, sort=True):
        best = part.loc[part["energy_mj_per_frame"].idxmin()]
        records.append({
            **dict(zip(GROUP, key)),
            "n": len(part),
            "median_mj_per_frame": part["energy_mj_per_frame"].median(),
            "median_power_w": part["power_w"].median(),
            "lowest_mj_per_frame": best["energy_mj_per_frame"],
            "lowest_model": best["model"],
            "paper_agx_median_mj_per_frame": part["paper_energy_agx_mj_per_frame"].median(),
            "paper_maxq_median_mj_per_frame": part["paper_energy_maxq_mj_per_frame"].median(),
        })
    return pd.DataFrame.from_records(records)


def failures(rows, device=None, runtime=None):
    """The stored failures with their reasons and whether a later run succeeded (filtered like the table)."""
    import pandas as pd

    columns = ["model", "runtime", "precision", "device", "dataset", "reason", "resolved"]
    records = [{c: r[c] for c in columns} for r in failed_rows(rows)
               if device in (None, r["device"]) and runtime in (None, r["runtime"])]
    return pd.DataFrame.from_records(records, columns=columns)
