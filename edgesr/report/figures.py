"""PSNR-vs-speed figures, one per (scale, device): our measurements beside the paper's three clouds.

Each figure has four panels sharing the PSNR axis: "measured here" on one device, then the paper's
published Jetson AGX Xavier, Raspberry Pi 400 and GTX 1080 Max-Q numbers for the same scale. Speed
is on a log axis; each family has its own colour and marker; our runtime/precision pairs differ by
marker fill; the Pareto front is a step line through ringed points; Bicubic is the reference (its
PSNR and speed as dashed lines). Models outside the zoo (user modules, trained runs) are large
crosses of their own colour, each labelled with its model id. Matplotlib's Agg canvas, no pyplot state; names are deterministic.
"""

import io
import os
import re
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from edgesr.report.pareto import front_order
from edgesr.report.table import PAPER_DEVICES, where
from edgesr_runtime.files import atomic_open, write_bytes

FAMILY_STYLE = {  # colour, marker
    "Bicubic": ("#000000", "*"),
    "eSR-MAX": ("#1f77b4", "o"),
    "eSR-TM": ("#ff7f0e", "s"),
    "eSR-TR": ("#2ca02c", "^"),
    "eSR-CNN": ("#d62728", "D"),
    "ESPCN": ("#9467bd", "v"),
    "FSRCNN": ("#8c564b", "P"),
}
YOUR_STYLE = {"user": ("#e377c2", "X"), "trained": ("#17becf", "X")}  # colour, marker of non-zoo models
FILLSTYLES = ("full", "none", "left", "bottom", "right", "top")
PAPER_ONLY = "paper-only"


@dataclass
class Figure:
    """One rendered figure: ``name`` (file stem), title, caption, PNG bytes, and the files written."""

    name: str
    title: str
    caption: str
    png: bytes
    files: dict = field(default_factory=dict)


def slug(text):
    """A file-name-safe version of a device label."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "unlabelled"


def _zoo_rows(frame):
    return frame[frame["source"] == "zoo"] if "source" in frame else frame


def _plot_cloud(ax, frame, x, y, fillstyle="full", size=4.0, alpha=0.6):
    frame = _zoo_rows(frame)
    for family, (colour, marker) in FAMILY_STYLE.items():
        part = frame[frame["family"] == family]
        if len(part):
            ax.plot(part[x], part[y], linestyle="none", marker=marker, color=colour, fillstyle=fillstyle,
                    markersize=size * (1.6 if marker == "*" else 1.0), alpha=alpha, markeredgewidth=0.8)


def _plot_yours(ax, frame, x, y):
    """Each user or trained model: a large cross of its kind's colour, labelled with its model id."""
    yours = frame[frame["source"] != "zoo"] if "source" in frame else frame.iloc[:0]
    for kind, (colour, marker) in YOUR_STYLE.items():
        part = yours[yours["source"] == kind]
        ax.plot(part[x], part[y], linestyle="none", marker=marker, color=colour, markersize=11,
                markeredgecolor="black", markeredgewidth=0.6, zorder=5)
    for _, row in yours.drop_duplicates("model").iterrows():
        ax.annotate(row["model"], (row[x], row[y]), xytext=(6, 4), textcoords="offset points", fontsize=8,
                    color="0.15", zorder=6)
    return sorted(set(yours["source"]))


def _plot_front(ax, frame, x, y):
    order = front_order(frame[x].to_numpy(float), frame[y].to_numpy(float))
    xs, ys = frame[x].to_numpy(float)[order], frame[y].to_numpy(float)[order]
    ax.step(xs, ys, where="pre", color="black", linewidth=1.0, zorder=3)
    ax.plot(xs, ys, linestyle="none", marker="o", markersize=9, markerfacecolor="none", markeredgecolor="black",
            markeredgewidth=1.1, zorder=4)


def _plot_bicubic(ax, frame, x, y):
    bicubic = frame[(frame["family"] == "Bicubic") & np.isfinite(frame[x].astype(float))]
    for _, row in bicubic.iterrows():
        ax.axhline(row[y], color="0.45", linestyle="--", linewidth=0.8, zorder=1)
        ax.axvline(row[x], color="0.45", linestyle="--", linewidth=0.8, zorder=1)


def _speed_label(ax, value, _pos=None):
    """Plain numbers on the log speed axis, fewer of them the more decades the axis spans."""
    if value <= 0:
        return ""
    low, high = ax.get_xlim()
    decades = np.log10(high / low) if low > 0 else 99.0
    mantissa = int(round(value / 10 ** np.floor(np.log10(value) + 1e-9)))
    labelled = (range(1, 10) if decades < 0.5 else (1, 2, 3, 5, 7) if decades < 1.2 else (1, 2, 5)
                if decades < 2.5 else (1,))
    return "%g" % value if mantissa in labelled else ""


def _axes(ax, dataset, xlabel, title):
    from matplotlib.ticker import FuncFormatter

    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(partial(_speed_label, ax)))
    ax.xaxis.set_minor_formatter(FuncFormatter(partial(_speed_label, ax)))
    ax.set_xlabel(xlabel)
    ax.set_ylabel("PSNR on %s (dB)" % dataset)
    ax.set_title(title, fontsize=10)
    ax.grid(True, which="both", linewidth=0.3, alpha=0.5)


def _measured_panel(ax, part, place, scale, dataset):
    if part.empty:
        ax.text(0.5, 0.5, "nothing measured here at ×%d\n(run `edgesr sweep`, then `edgesr report STORE`)" % scale,
                transform=ax.transAxes, ha="center", va="center", fontsize=10, color="0.3")
        ax.set_xticks([])
        ax.set_ylabel("PSNR on %s (dB)" % dataset)
        ax.set_title("measured here: none", fontsize=10)
        return [], []
    combos = sorted(set(zip(part["runtime"], part["precision"])))
    for (runtime, precision), fill in zip(combos, FILLSTYLES * len(combos)):
        chosen = part[(part["runtime"] == runtime) & (part["precision"] == precision)]
        _plot_cloud(ax, chosen, "fps", "psnr_used_db", fillstyle=fill, size=6, alpha=0.85)
    kinds = _plot_yours(ax, part, "fps", "psnr_used_db")
    _plot_front(ax, part, "fps", "psnr_used_db")
    _plot_bicubic(ax, part, "fps", "psnr_used_db")
    n_measured = int((part["psnr_source"] == "measured").sum())
    source = ("PSNR measured here" if n_measured == len(part) else "PSNR: the paper's (not measured here)"
              if n_measured == 0 else "PSNR measured here for %d of %d points, the paper's for the rest"
              % (n_measured, len(part)))
    _axes(ax, dataset, "speed (output frames/s, measured here; log scale)",
          "measured here: %s, %d configurations\n%s" % (place, len(part), source))
    return combos, kinds


def _paper_panel(ax, paper, short, label, dataset):
    x = "paper_fps_" + short
    _plot_cloud(ax, paper, x, "paper_psnr_db")
    _plot_front(ax, paper, x, "paper_psnr_db")
    _plot_bicubic(ax, paper, x, "paper_psnr_db")
    _axes(ax, dataset, "speed (Full-HD output frames/s; log scale)",
          "paper (published): %s, %d models" % (label, len(paper)))


def _legend(fig, combos, kinds=()):
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], linestyle="none", marker=m, color=c, label=f) for f, (c, m) in FAMILY_STYLE.items()]
    handles += [Line2D([], [], linestyle="none", marker=YOUR_STYLE[k][1], color=YOUR_STYLE[k][0], markersize=9,
                       markeredgecolor="black", label="your model (%s)" % k) for k in kinds]
    handles.append(Line2D([], [], color="black", linewidth=1.0, marker="o", markersize=9, markerfacecolor="none",
                          label="Pareto front"))
    handles.append(Line2D([], [], color="0.45", linestyle="--", linewidth=0.8, label="Bicubic PSNR and speed"))
    for (runtime, precision), fill in zip(combos, FILLSTYLES * len(combos)):
        handles.append(Line2D([], [], linestyle="none", marker="o", color="0.3", fillstyle=fill,
                              label="measured: %s %s" % (runtime, precision)))
    fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 6), fontsize=9, frameon=False)


def scale_figure(scale, device, mode, measured, paper, dataset):
    """The four-panel matplotlib Figure of one scale on one device in one bench mode (device None: none)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure as MplFigure

    fig = MplFigure(figsize=(12, 10.5), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)  # Agg, whatever backend the caller's pyplot uses
    axes = fig.subplots(2, 2, sharey=True).ravel()
    timed = measured[np.isfinite(measured["fps"].astype(float))]
    part = timed[(timed["scale"] == scale) & (timed["device"] == device) & (timed["mode"] == mode)]
    place = where(device, mode) if device is not None else None
    combos, kinds = _measured_panel(axes[0], part, place, scale, dataset)
    paper_scale = paper[paper["scale"] == scale]
    for ax, (short, label, _) in zip(axes[1:], PAPER_DEVICES):
        _paper_panel(ax, paper_scale, short, label, dataset)
    title = "measured on %s" % place if device is not None else "nothing measured yet"
    fig.suptitle("×%d super-resolution: PSNR on %s vs speed — %s, beside the paper's published numbers"
                 % (scale, dataset, title), fontsize=12)
    _legend(fig, combos, kinds)
    return fig


def figure_plan(measured):
    """[(scale, device, mode)] measured, plus (scale, None, None) paper-only figures for unmeasured scales."""
    timed = measured[np.isfinite(measured["fps"].astype(float))]
    plan = sorted({(int(s), d, m) for s, d, m in zip(timed["scale"], timed["device"], timed["mode"])})
    covered = {s for s, _, _ in plan}
    return plan + [(s, None, None) for s in (2, 3, 4) if s not in covered]


def figure_name(scale, device, mode):
    """pareto_x2_rpi5, pareto_x2_rpi5_end-to-end, pareto_x4_paper-only."""
    if device is None:
        return "pareto_x%d_%s" % (scale, PAPER_ONLY)
    return "pareto_x%d_%s" % (scale, slug(device)) + ("" if mode == "model" else "_" + slug(mode))


def render(measured, paper, dataset, out_dir=None, formats=("png",)):
    """Draw every planned figure; write ``<name>.png`` / ``.svg`` into ``out_dir`` per ``formats``."""
    import matplotlib

    figures = []
    for scale, device, mode in figure_plan(measured):
        name = figure_name(scale, device, mode)
        fig = scale_figure(scale, device, mode, measured, paper, dataset)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", metadata={"Software": None})
        place = where(device, mode) if device is not None else "paper only"
        record = Figure(name=name, title="×%d, %s" % (scale, place), caption=_caption(scale, device, mode, dataset),
                        png=buffer.getvalue())
        if out_dir is not None and "png" in formats:
            record.files["png"] = os.path.join(out_dir, name + ".png")
            write_bytes(record.files["png"], record.png)
        if out_dir is not None and "svg" in formats:
            record.files["svg"] = os.path.join(out_dir, name + ".svg")
            with matplotlib.rc_context({"svg.hashsalt": "edgesr-report"}):
                with atomic_open(record.files["svg"], "wb") as handle:
                    fig.savefig(handle, format="svg", metadata={"Date": None})
        figures.append(record)
    return figures


def _caption(scale, device, mode, dataset):
    top_left = ("Top left: measured here on %s." % where(device, mode) if device is not None
                else "Top left: nothing measured at this scale yet.")
    return ("×%d: PSNR on %s (dB) against speed (frames/s, log axis). %s The other three panels, "
            "“paper (published)”, are the paper's numbers for all ×%d models. Ringed points joined by the step "
            "line are the Pareto front; dashed lines mark Bicubic." % (scale, dataset, top_left, scale))
