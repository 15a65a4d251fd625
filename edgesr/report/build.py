"""``build_report``: read the inputs, join them with the paper, draw, and write the requested files."""

import importlib.util
import os
from collections import Counter

from edgesr.models import DATASETS
from edgesr.report import document, figures, html, markdown, provenance
from edgesr.report import reference as reference_runs
from edgesr.report.inputs import load_inputs
from edgesr.report.table import joined_table, paper_table
from edgesr_runtime.errors import EdgesrError
from edgesr_runtime.files import atomic_open, ensure_folder, write_text

FORMATS = ("html", "md", "csv", "png", "svg", "parquet")
DEFAULT_FORMATS = ("html", "md", "csv", "png", "parquet")
STEM = "report"  # report.html, report.md, report.csv (the joined table), report.parquet
PAPER_STEM = "paper"  # paper.csv: all 1185 models with the paper's numbers and front flags


def parse_formats(text):
    """A tuple of formats from "html,md,..."; an unknown name is an EdgesrError."""
    chosen = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise EdgesrError("unknown report format %s" % ", ".join(map(repr, unknown or [text])),
                          "use a comma-separated subset of " + ",".join(FORMATS))
    return chosen


def _check_filter(rows, field, value):
    if value is None:
        return
    present = sorted({r[field] for r in rows if r["kind"] == "latency"})
    if value not in present:
        raise EdgesrError("no latency rows with %s %r in the inputs" % (field, value),
                          "use one of: %s" % (", ".join(map(repr, present)) or "(none measured)"))


def _parquet(table, path, notes):
    if importlib.util.find_spec("pyarrow") is None:  # pandas' Parquet engine
        notes.append("Parquet skipped: pyarrow is not installed (`pip install pyarrow`); the CSV has the same table.")
        return False
    with atomic_open(path, "wb") as handle:
        table.to_parquet(handle, index=False)
    return True


def _csv(table, path):
    with atomic_open(path, "w", newline="", encoding="utf-8") as handle:
        table.to_csv(handle, index=False)


def build_report(inputs, out_dir, dataset="Set14", device=None, runtime=None, formats=DEFAULT_FORMATS,
                 command="", cwd=None, reference=None, reference_label=None):
    """Write the report into ``out_dir``; returns the paths written, in a stable order.

    ``reference``: a store, bench JSON or earlier report.csv to compare this run with (same machine)."""
    paper_dataset = dataset.split("@")[0]  # the evaluator tags a non-paper luma: "Set14@standard-luma"
    if paper_dataset not in DATASETS:
        raise EdgesrError("unknown dataset %r" % dataset, "use one of " + ", ".join(DATASETS))
    rows, metas = load_inputs(inputs)
    _check_filter(rows, "device", device)
    _check_filter(rows, "runtime", runtime)
    ensure_folder(out_dir)
    paper = paper_table(paper_dataset)
    table = joined_table(rows, dataset, device=device, runtime=runtime, paper=paper)
    compared = (reference_runs.compare(table, reference_runs.load_reference(reference, dataset, paper))
                if reference else None)
    notes, written = [], []
    figure_formats = set(formats) | ({"png"} if "md" in formats else set())  # the Markdown links the PNGs
    drawn = (figures.render(table, paper, dataset, out_dir, formats=figure_formats)
             if figure_formats & {"html", "png", "svg"} else [])
    written += [f.files[k] for f in drawn for k in ("png", "svg") if k in f.files]
    if "csv" in formats:
        written += [os.path.join(out_dir, STEM + ".csv"), os.path.join(out_dir, PAPER_STEM + ".csv")]
        _csv(table, written[-2])
        _csv(paper, written[-1])
    if "parquet" in formats and _parquet(table, os.path.join(out_dir, STEM + ".parquet"), notes):
        written.append(os.path.join(out_dir, STEM + ".parquet"))
    kept = [r for r in rows if device in (None, r["device"]) and runtime in (None, r["runtime"])]
    ctx = document.Context(
        dataset=dataset, table=table, paper=paper, rows=rows, figures=drawn,
        sources=[(path, Counter(r["kind"] for r in rows if r["source"] == str(path))) for path in inputs],
        command=command or provenance.this_command(), cwd=cwd or os.getcwd(),
        recorded_commands=provenance.recorded_commands(kept, metas), environments=provenance.environments(kept),
        device=device, runtime=runtime, notes=notes,
        files=[os.path.basename(p) for p in written if not p.endswith((".png", ".svg"))],
        reference=compared, reference_label=reference_label or ("`%s`" % reference if reference else ""),
    )
    blocks = document.compose(ctx)
    if "md" in formats:
        written.append(os.path.join(out_dir, STEM + ".md"))
        write_text(written[-1], markdown.render(blocks))
    if "html" in formats:
        written.append(os.path.join(out_dir, STEM + ".html"))
        write_text(written[-1], html.render(blocks))
    return written
