"""The run's log (``log.csv``: one row per logged step) and its loss / validation-PSNR figure (``curves.png``).

A row holds the step, the mean training loss since the previous row, the learning rate, the wall
time so far and, on validation steps, one PSNR column per validation dataset. Both files are
rewritten atomically from the history kept in the checkpoint, so a resumed run's log has no gaps
or repeats.
"""

import csv
import io
import math

from edgesr_runtime.files import write_bytes, write_text

LOG_FILE = "log.csv"
CURVES_FILE = "curves.png"
BASE_FIELDS = ("step", "loss", "lr", "seconds")


def psnr_field(dataset):
    return "psnr_" + dataset


def write_log(path, history, datasets):
    columns = list(BASE_FIELDS) + [psnr_field(d) for d in datasets]
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in history:
        writer.writerow({k: ("" if row.get(k) is None else row[k]) for k in columns})
    write_text(path, text.getvalue())


def write_figure(path, history, datasets, title, references=None):
    """Loss (log scale) and validation PSNR against the step; ``references`` {dataset: dB} (the paper's) as dashed lines."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # heavy: imported only when a figure is drawn
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 4), dpi=100)
    FigureCanvasAgg(figure)
    loss_axes, psnr_axes = figure.subplots(1, 2)
    points = [(r["step"], r["loss"]) for r in history if r.get("loss") is not None and r["loss"] > 0]
    if points:
        loss_axes.plot(*zip(*points), color="#1f77b4", linewidth=1)
        loss_axes.set_yscale("log")
    loss_axes.set(xlabel="step", ylabel="training loss", title="loss")
    colours = ("#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
    for n, dataset in enumerate(datasets):
        colour = colours[n % len(colours)]
        values = [(r["step"], r[psnr_field(dataset)]) for r in history
                  if r.get(psnr_field(dataset)) is not None and math.isfinite(r[psnr_field(dataset)])]
        if values:
            psnr_axes.plot(*zip(*values), marker=".", color=colour, label=dataset)
        if references and dataset in references:
            psnr_axes.axhline(references[dataset], color=colour, linestyle="--", linewidth=1,
                              label="%s, paper" % dataset)
    psnr_axes.set(xlabel="step", ylabel="PSNR (dB, Y)", title="validation PSNR")
    if psnr_axes.get_legend_handles_labels()[0]:
        psnr_axes.legend(fontsize=8)
    figure.suptitle(title)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    write_bytes(path, buffer.getvalue())
