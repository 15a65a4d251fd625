"""This run against a reference run of the same models on the same machine (e.g. reference vs optimised graphs).

The reference is a results store / bench JSON (read like the report's inputs) or the ``report.csv`` of an
earlier report (the joined table, so a run whose store was not kept can still be compared). Each side is
reduced to one point per model, its fastest timed configuration (what ``--runtime auto`` deploys), and then
compared: the speed ratio per family, the Pareto front per scale on each side and which families moved,
and Spearman's rho against each paper device on each side.
"""

import os

from edgesr.report import analysis
from edgesr.report.inputs import load_inputs
from edgesr.report.pareto import pareto_mask
from edgesr.report.table import joined_table
from edgesr_runtime.errors import EdgesrError

NEEDED = ("model", "family", "scale", "runtime", "precision", "fps", "psnr_used_db")


def load_reference(path, dataset, paper):
    """The reference as a joined table: a report CSV read as is, anything else through the report's inputs."""
    if not os.path.exists(path):
        raise EdgesrError("reference %s does not exist" % path,
                          "pass a results store, bench JSON or the report.csv of an earlier report")
    if path.lower().endswith(".csv"):
        import pandas as pd

        table = pd.read_csv(path)
        missing = [c for c in NEEDED if c not in table.columns]
        if missing:
            raise EdgesrError("%s is not the report.csv of an edgesr report (no column %s)" % (path, missing[0]),
                              "pass the report.csv an `edgesr report` wrote, or a results store")
        return table
    rows, _ = load_inputs([path])
    return joined_table(rows, dataset, paper=paper)


def points(table):
    """One row per model, indexed by model: its fastest timed configuration, with the paper's speeds and used PSNR."""
    return analysis.fastest_per_model(analysis.timed(table)).set_index("model")


def speed_by_family(current, reference):
    """Per family: models in both runs, median / min / max of this run's fps over the reference's, share faster."""
    import pandas as pd

    both = current.join(reference[["fps"]].rename(columns={"fps": "fps_reference"}), how="inner")
    ratio = both["fps"] / both["fps_reference"]
    records = [_ratio_record(family, part) for family, part in ratio.groupby(both["family"], sort=True)]
    if records:
        records.append(_ratio_record("all", ratio))
    return pd.DataFrame.from_records(records)


def _ratio_record(family, ratio):
    """The speed-up summary of one family's (or all) per-model fps ratios."""
    return {"family": family, "n": len(ratio), "median_ratio": ratio.median(), "min_ratio": ratio.min(),
            "max_ratio": ratio.max(), "share_faster": float((ratio > 1).mean())}


def _front(points):
    """The models on the (fps, used PSNR) front of ``points``."""
    mask = pareto_mask(points["fps"].to_numpy(float), points["psnr_used_db"].to_numpy(float))
    return points[mask]


def _families(front):
    counts = front["family"].value_counts()
    return ", ".join("%s %d" % (family, counts[family]) for family in sorted(counts.index)) or "–"


def fronts_by_scale(current, reference):
    """Per scale: each side's front size and families, the models that joined and left the front."""
    import pandas as pd

    records = []
    for scale in sorted(set(current["scale"]) | set(reference["scale"])):
        ours = _front(current[current["scale"] == scale])
        theirs = _front(reference[reference["scale"] == scale])
        joined, left = sorted(set(ours.index) - set(theirs.index)), sorted(set(theirs.index) - set(ours.index))
        records.append({"scale": int(scale), "reference_front": len(theirs), "front": len(ours),
                        "reference_families": _families(theirs), "families": _families(ours),
                        "joined": ", ".join(joined) or "–", "left": ", ".join(left) or "–"})
    return pd.DataFrame.from_records(records)


def correlation_by_scale(current, reference):
    """Spearman rho of each side's per-model fastest fps against each paper device, per scale and pooled
    (the report's rank-correlation records of each side, side by side)."""
    import pandas as pd

    sides = []
    for side, frame in (("reference", reference), ("current", current)):
        records = pd.DataFrame.from_records(analysis.correlation_records({}, frame)).set_index("scale")
        records = records[[c for c in records.columns if not c.startswith("p_")]]
        sides.append(records.rename(columns=lambda c: "%s_%s" % (c, side)))
    return sides[0].join(sides[1], how="outer").reset_index()


def compare(table, reference_table):
    """The three comparison tables of ``table`` (this run) against ``reference_table``; EdgesrError if disjoint.

    All three are over the models timed in both runs, so a reference that covers a slice of this run (e.g.
    ``--shard 1/8`` with ``--graph reference``) compares that slice on both sides, fronts included.
    """
    current, reference = points(table), points(reference_table)
    common = sorted(set(current.index) & set(reference.index))
    if not common:
        raise EdgesrError("the reference has no timed model in common with the inputs",
                          "compare runs over the same models (same --models) on the same machine")
    sizes = (len(current), len(reference), len(common))
    current, reference = current.loc[common], reference.loc[common]
    return {"speed": speed_by_family(current, reference), "fronts": fronts_by_scale(current, reference),
            "correlation": correlation_by_scale(current, reference), "models": sizes}

