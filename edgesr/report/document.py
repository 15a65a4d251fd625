"""The report as a list of neutral blocks (headings, text, tables, figures) that each renderer writes out.

``compose`` decides what the report says and formats every number once, so the HTML and Markdown
pages are the same report in two syntaxes.
"""

import math
from dataclasses import dataclass, field
from typing import List

import numpy as np

from edgesr.report import analysis, provenance
from edgesr.report.table import FRONT_GROUP, PAPER_DEVICES, where

MAX_LISTED = 100  # rows of a long table shown in the page (the CSV has all)


@dataclass
class Heading:
    level: int
    text: str


@dataclass
class Text:
    text: str


@dataclass
class Code:
    text: str


@dataclass
class Items:
    items: List[str]


@dataclass
class Table:
    header: List[str]
    rows: List[List[str]]
    note: str = ""


@dataclass
class FigureBlock:
    figure: object  # edgesr.report.figures.Figure


@dataclass
class Context:
    """Everything ``compose`` needs: the tables, the figures and where they came from."""

    dataset: str
    table: object
    paper: object
    rows: list
    figures: list
    sources: list  # (path, {kind: n})
    command: str
    cwd: str
    recorded_commands: list
    environments: dict
    device: str = None
    runtime: str = None
    notes: list = field(default_factory=list)
    files: list = field(default_factory=list)
    reference: dict = None  # edgesr.report.reference.compare() of this run against --reference
    reference_label: str = ""


def fmt(value, kind="num"):
    """One cell: NaN/None → "–", bools → yes/"", numbers by ``kind`` (num, db, rho, p, int)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else ""
    if isinstance(value, str):
        return value
    value = float(value)
    if kind == "db":
        return "%.2f" % value
    if kind == "rho":
        return "%.3f" % value
    if kind == "p":
        return "%.2g" % value if value > 0 else "<1e-300"  # float underflow
    if kind == "int":
        return "%d" % value
    magnitude = abs(value)
    return "%.0f" % value if magnitude >= 100 else "%.1f" % value if magnitude >= 10 else "%.2f" % value if (
        magnitude >= 0.1 or magnitude == 0) else "%.3g" % value


def frame_table(frame, columns, note=""):
    """A Table from DataFrame columns: [(column, header, kind)]; at most MAX_LISTED rows."""
    shown = frame.head(MAX_LISTED)
    rows = [[fmt(row[c], k) for c, _, k in columns] for _, row in shown.iterrows()]
    if len(frame) > MAX_LISTED:
        note = (note + " " if note else "") + "First %d of %d rows; the CSV has all." % (MAX_LISTED, len(frame))
    return Table([h for _, h, _ in columns], rows, note)


def _sources(ctx):
    items = []
    for path, counts in ctx.sources:
        what = ", ".join("%d %s" % (n, kind) for kind, n in sorted(counts.items())) or "no rows"
        items.append("`%s`: %s" % (path, what))
    return items or ["no inputs: the paper's published numbers only"]


def _summary(ctx):
    timed = analysis.timed(ctx.table)
    quality = ctx.table["psnr_source"] == "measured"
    filters = ", ".join("%s %s" % (k, v) for k, v in (("device", ctx.device), ("runtime", ctx.runtime)) if v)
    return [
        "Quality: PSNR on **%s** (the `--dataset` option; Set5, Set14, BSDS100, Urban100, Manga109)." % ctx.dataset,
        "Measured here: %d configurations with a speed (%d models; devices: %s); %d models with PSNR measured here%s."
        % (len(timed), timed["model"].nunique(), ", ".join(sorted(set(timed["device"]))) or "none",
           ctx.table.loc[quality, "model"].nunique(), "; filtered to " + filters if filters else ""),
        "Paper (published): all %d models on Jetson AGX Xavier, Raspberry Pi 400 and GTX 1080 Max-Q — always shown."
        % len(ctx.paper),
    ] + ctx.notes


def _measured_front_blocks(ctx):
    blocks = [Heading(2, "Pareto-optimal configurations — measured here")]
    fronts = analysis.measured_fronts(ctx.table)
    if fronts.empty:
        return blocks + [Text("Nothing measured yet: run `edgesr sweep` (or `edgesr bench`) and pass its store.")]
    blocks.append(Text("Per scale, device and bench mode, over every runtime and precision measured there: no other "
                       "configuration is both at least as fast and at least as sharp. \"On paper front\" columns "
                       "say whether the model is on the paper's front for that device (all models of the scale)."))
    columns = [("model", "model", ""), ("family", "family", ""), ("source", "source", ""),
               ("runtime", "runtime", ""), ("precision", "precision", ""), ("bench", "bench setting", ""),
               ("fps", "fps", "num"),
               ("psnr_used_db", "PSNR (dB)", "db"),
               ("psnr_source", "PSNR from", ""), ("energy_mj_per_frame", "mJ/frame", "num")]
    columns += [("paper_front_" + short, "on paper front: " + short.upper(), "") for short, _, _ in PAPER_DEVICES]
    for (scale, device, mode), part in fronts.groupby(FRONT_GROUP, sort=True):
        blocks += [Heading(3, "×%d on %s" % (scale, where(device, mode))), frame_table(part, columns)]
    return blocks


def _your_model_blocks(ctx):
    """Every timed configuration of a model outside the zoo (its quality-only row where it has none)."""
    yours = analysis.outside_zoo(ctx.table)
    if yours.empty:
        return []
    columns = [("model", "model", ""), ("source", "source", ""), ("family", "family", ""), ("scale", "scale", "int"),
               ("parameters", "parameters", "int"), ("device", "device", ""), ("runtime", "runtime", ""),
               ("precision", "precision", ""), ("fps", "fps", "num"), ("psnr_used_db", "PSNR (dB)", "db"),
               ("psnr_source", "PSNR from", ""), ("on_front", "on our front", ""),
               ("zoo_match", "fastest zoo model as sharp", ""), ("zoo_match_fps", "its fps", "num")]
    return [Heading(2, "Your models — measured here"),
            Text("Models outside the zoo (source \"user\": a module factory; \"trained\": a run of `edgesr train`), "
                 "measured like the zoo and on the same axes (crosses in the figures). They have no paper numbers; "
                 "\"on our front\" is against every model measured at the same scale, device and bench mode; the last "
                 "two columns name the fastest zoo model measured there with at least the same PSNR."),
            frame_table(yours, columns)]


def _agreement_blocks(ctx):
    agreement = analysis.front_agreement(ctx.table, ctx.paper)
    if agreement.empty:
        return []
    columns = [("scale", "scale", "int"), ("device", "device", ""), ("mode", "mode", ""),
               ("measured", "models measured", "int"),
               ("our_front", "our front", "int")]
    for short, _, _ in PAPER_DEVICES:
        columns += [("on_%s_all" % short, "on %s front (all)" % short.upper(), "int"),
                    ("on_%s_same" % short, "on %s front (same models)" % short.upper(), "int")]
    return [
        Heading(2, "How many of our front models are on the paper's fronts"),
        Text("\"all\": the paper's front over every model of the scale; \"same models\": the paper's front over only "
             "the models measured here (the fair comparison for a partial sweep)."),
        frame_table(agreement, columns),
    ]


def _correlation_blocks(ctx):
    rho = analysis.rank_correlation(ctx.table)
    if rho.empty:
        return []
    columns = [("device", "device", ""), ("mode", "mode", ""), ("runtime", "runtime", ""),
               ("precision", "precision", ""), ("scale", "scale", ""), ("n", "n", "int")]
    for short, _, _ in PAPER_DEVICES:
        columns += [("rho_" + short, "ρ vs %s" % short.upper(), "rho"), ("p_" + short, "p", "p")]
    return [
        Heading(2, "Rank correlation of our speed with the paper's"),
        Text("Spearman's ρ (scipy.stats.spearmanr) between our fps and the paper's per device, over the same models; "
             "n is the number of models; \"–\" when n < 3, a side is constant or the paper has no number. Pooling "
             "scales adds the scales' own speed differences. \"%s\": each model's fastest configuration on the "
             "device (what --runtime auto deploys), over every model measured there." % analysis.FASTEST_PER_MODEL),
        frame_table(rho, columns),
    ]


def _energy_blocks(ctx):
    energy = analysis.energy_summary(ctx.table)
    blocks = [Heading(2, "Energy per frame")]
    if energy.empty:
        return blocks + [Text("No power was measured in these inputs (power_w is null), so no energy per frame.")]
    columns = [("device", "device", ""), ("mode", "mode", ""), ("runtime", "runtime", ""),
               ("precision", "precision", ""), ("n", "n", "int"), ("median_power_w", "median W", "num"),
               ("median_mj_per_frame", "median mJ/frame", "num"), ("lowest_mj_per_frame", "lowest mJ/frame", "num"),
               ("lowest_model", "lowest model", ""),
               ("paper_agx_median_mj_per_frame", "paper AGX median mJ/frame", "num"),
               ("paper_maxq_median_mj_per_frame", "paper Max-Q median mJ/frame", "num")]
    return blocks + [Text("Energy per frame = power × frame time, for the configurations with power measured; the "
                          "paper's medians are over the same models (its power / its fps)."),
                     frame_table(energy, columns)]


def _paper_front_blocks(ctx):
    blocks = [Heading(2, "Pareto-optimal models — paper (published)")]
    fronts = analysis.paper_fronts(ctx.paper)
    columns = [("paper_device", "device", ""), ("model", "model", ""), ("family", "family", ""),
               ("fps", "fps (Full-HD)", "num"), ("paper_psnr_db", "PSNR (dB)", "db"),
               ("parameters", "parameters", "int")]
    for scale, part in fronts.groupby("scale", sort=True):
        blocks += [Heading(3, "×%d" % scale), frame_table(part, columns)]
    return blocks


def _failure_blocks(ctx):
    failed = analysis.failures(ctx.rows, ctx.device, ctx.runtime)
    if failed.empty:
        return []
    open_ = failed[~failed["resolved"]]
    note = ("%d more failed once and succeeded in a later run (not listed)." % (len(failed) - len(open_))
            if len(open_) < len(failed) else "")
    columns = [(c, c, "") for c in ("model", "runtime", "precision", "device", "dataset", "reason")]
    return [Heading(2, "Failures (%d)" % len(open_)), frame_table(open_, columns, note)]


def _values(values):
    """One cell for an environment key: the value, or the values with their row counts (at most 3)."""
    if len(values) == 1:
        return values[0][0]
    shown = "; ".join("%s (%d rows)" % (v, n) for v, n in values[:3])
    return shown + ("; … %d more distinct values" % (len(values) - 3) if len(values) > 3 else "")


def _environment_blocks(ctx):
    blocks = [Heading(2, "Environment")]
    if not ctx.environments:
        return blocks + [Text("No latency rows with an `environment` payload in these inputs.")]
    blocks.append(Text("As each latency row recorded it (unknown fields left out)."))
    for device, keys in ctx.environments.items():
        rows = [[key, _values(values)] for key, values in keys]
        blocks += [Heading(3, device or "(unlabelled device)"), Table(["key", "value"], rows)]
    return blocks


def _reproduce_blocks(ctx):
    blocks = [Heading(2, "Reproduce"), Text("This report (run in %s):" % provenance.folder_words(ctx.cwd)), Code(ctx.command)]
    if ctx.recorded_commands:
        shown = ctx.recorded_commands[:5]
        more = len(ctx.recorded_commands) - len(shown)
        blocks += [Text("Commands recorded in the inputs (the sweep that measured them)%s:"
                        % (", first 5 of %d" % len(ctx.recorded_commands) if more else "")),
                   Code("\n".join(shown))]
    else:
        blocks.append(Text("No sweep command is recorded in the inputs."))
    return blocks


def _reference_blocks(ctx):
    if not ctx.reference:
        return []
    ours, theirs, both = ctx.reference["models"]
    blocks = [Heading(2, "This run against the reference run"),
              Text("Reference: %s. Each side is reduced to one point per model, its fastest timed configuration "
                   "(what --runtime auto deploys); %d models here, %d in the reference, %d in both: the tables below "
                   "are over the models in both. Compare runs made on the same machine: a speed ratio across "
                   "machines measures the machines."
                   % (ctx.reference_label, ours, theirs, both))]
    speed = [("family", "family", ""), ("n", "models", "int"), ("median_ratio", "median speed-up ×", "num"),
             ("min_ratio", "min ×", "num"), ("max_ratio", "max ×", "num"), ("share_faster", "share faster", "num")]
    blocks += [Heading(3, "Speed-up per family (this run's fps ÷ the reference's)"),
               frame_table(ctx.reference["speed"], speed)]
    fronts = [("scale", "scale", "int"), ("reference_front", "reference front", "int"), ("front", "front", "int"),
              ("reference_families", "reference front families", ""), ("families", "front families", ""),
              ("joined", "joined the front", ""), ("left", "left the front", "")]
    blocks += [Heading(3, "Pareto fronts per scale (fps, PSNR used)"), frame_table(ctx.reference["fronts"], fronts)]
    rho = [("scale", "scale", ""), ("n_reference", "n ref", "int"), ("n_current", "n", "int")]
    for short, _, _ in PAPER_DEVICES:
        rho += [("rho_%s_reference" % short, "ρ %s ref" % short.upper(), "rho"),
                ("rho_%s_current" % short, "ρ %s" % short.upper(), "rho")]
    blocks += [Heading(3, "Rank correlation with the paper's speeds, both runs"), frame_table(ctx.reference["correlation"], rho)]
    return blocks


def compose(ctx):
    """The report's blocks, in reading order."""
    blocks = [Heading(1, "edge-SR speed–quality report"), Items(_summary(ctx)), Heading(2, "Inputs"),
              Items(_sources(ctx))]
    blocks += _reproduce_blocks(ctx)
    blocks.append(Heading(2, "Figures"))
    blocks += [FigureBlock(f) for f in ctx.figures]
    blocks += _measured_front_blocks(ctx) + _your_model_blocks(ctx) + _agreement_blocks(ctx)
    blocks += _correlation_blocks(ctx) + _reference_blocks(ctx) + _energy_blocks(ctx)
    blocks += _paper_front_blocks(ctx) + _failure_blocks(ctx) + _environment_blocks(ctx)
    if ctx.files:
        blocks += [Heading(2, "Files"), Items(["`%s`" % f for f in ctx.files])]
    return blocks
