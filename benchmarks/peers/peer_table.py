"""Peer rows, their ratios, and the Markdown / CSV / JSON files of one peer run."""

import csv
import io
import json
import os

from edgesr_runtime.files import ensure_folder, write_text

COLUMNS = (
    ("model", "model"),
    ("edgesr_runtime", "edgesr runtime (auto)"),
    ("edgesr_median_ms", "edgesr median ms"),
    ("torch_median_ms", "torch eager median ms"),
    ("cv2_median_ms", "cv2 INTER_CUBIC median ms"),
    ("speedup_vs_torch", "speed-up vs torch (torch/edgesr)"),
    ("edgesr_vs_cv2", "edgesr/cv2 time ratio"),
)


def ratio(numerator, denominator):
    """numerator / denominator, None when either is missing or the denominator is not positive."""
    if numerator is None or not denominator or denominator <= 0:
        return None
    return numerator / denominator


def _median(result):
    return result["latency_ms"]["median"] if result else None


def _latency(result):
    """The latency facts a row keeps of one harness result (None when it was not measured)."""
    if not result:
        return None
    keep = ("median", "p90", "p99", "min", "mean", "std")
    return dict({k: result["latency_ms"][k] for k in keep}, iterations=result["iterations"],
                runtime=result["runtime"], artifact=result.get("artifact"), threads=result.get("threads"))


def peer_row(model_id, edgesr=None, torch=None, cv2=None, error=None):
    """One model's row: the three medians, the two ratios, and what each measurement was."""
    edgesr_ms, torch_ms, cv2_ms = _median(edgesr), _median(torch), _median(cv2)
    return {
        "model": model_id,
        "input_shape": (edgesr or torch or {}).get("input_shape"),
        "output_shape": (edgesr or torch or {}).get("output_shape"),
        "edgesr_runtime": edgesr["runtime"] if edgesr else None,
        "edgesr_median_ms": edgesr_ms,
        "torch_median_ms": torch_ms,
        "cv2_median_ms": cv2_ms,
        "speedup_vs_torch": ratio(torch_ms, edgesr_ms),
        "edgesr_vs_cv2": ratio(edgesr_ms, cv2_ms),
        "auto": edgesr.get("auto") if edgesr else None,
        "edgesr": _latency(edgesr),
        "torch": _latency(torch),
        "cv2": _latency(cv2),
        "error": error,
    }


def _cell(key, value):
    if value is None:
        return "n/a"
    if key.endswith("_ms"):
        return "%.3f" % value if value < 10 else "%.1f" % value
    if key in ("speedup_vs_torch", "edgesr_vs_cv2"):
        return "%.2fx" % value
    return str(value)


def text_table(rows):
    """The rows as an aligned plain-text table (for the terminal)."""
    cells = [[title for _, title in COLUMNS]] + [[_cell(k, row.get(k)) for k, _ in COLUMNS] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(line, widths)))
                     for line in cells)


def _candidates(row):
    auto = row.get("auto") or {}
    parts = ["%s %.3f ms" % (rt, c["median_ms"]) for rt, c in sorted(auto.get("candidates", {}).items())]
    parts += ["%s excluded (%s)" % item for item in sorted(auto.get("excluded", {}).items())]
    return "; ".join(parts) or "n/a"


def markdown(report):
    """The Markdown record of a peer run: conditions, the table, auto's brief medians, notes."""
    machine = report["machine"]
    lines = ["# Peer benchmark %s" % report["created_at"], "",
             "- machine: %s, %s CPUs; %s" % (machine.get("cpu"), machine.get("cpu_count"), machine.get("os")),
             "- load average (1/5/15 min): before %s, after %s; niceness %s" % (
                 report["load_before"], report["load_after"], machine.get("niceness")),
             "- threads: %s for every runtime (torch.set_num_threads, ORT intra-op, LiteRT, cv2.setNumThreads)"
             % report["settings"]["threads"],
             "- timing: warm-up %(warmup_ms)g ms, >= %(duration_s)g s and >= %(iterations)d iterations per "
             "measurement, %(frames)d distinct frames, output %(resolution)s" % report["settings"],
             "- versions: %s" % ", ".join("%s %s" % kv for kv in sorted(report["versions"].items())), ""]
    lines += markdown_table(COLUMNS, report["rows"], _cell, left=(0, 1))
    lines += ["", "auto's brief runs (median per candidate):", ""]
    lines += ["- %s: %s" % (row["model"], _candidates(row)) for row in report["rows"]]
    errors = ["- %s: ERROR %s" % (row["model"], row["error"]) for row in report["rows"] if row.get("error")]
    lines += ([""] + errors if errors else []) + [""] + ["- %s" % note for note in report["notes"]]
    return "\n".join(lines) + "\n"


def markdown_table(columns, rows, cell, left):
    """A Markdown table of ``rows`` (dicts) over ``columns`` [(key, title)]; columns in ``left`` are left-aligned."""
    lines = ["| " + " | ".join(title for _, title in columns) + " |",
             "|" + "|".join("---" if i in left else "---:" for i in range(len(columns))) + "|"]
    return lines + ["| " + " | ".join(cell(k, row.get(k)) for k, _ in columns) + " |" for row in rows]


def csv_text(rows, keys=None):
    """The rows as CSV over ``keys`` (default: the table columns plus input/output shapes)."""
    keys = keys or [k for k, _ in COLUMNS] + ["input_shape", "output_shape", "error"]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=keys, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "x".join(map(str, row[k])) if isinstance(row.get(k), list) else row.get(k)
                         for k in keys})
    return buffer.getvalue()


def write_report(stem, report, markdown_text=None, csv_keys=None):
    """Write ``stem``.md, .json and .csv atomically; returns the three paths."""
    ensure_folder(os.path.dirname(os.path.abspath(stem)))
    paths = [stem + ".md", stem + ".json", stem + ".csv"]
    texts = [markdown_text or markdown(report), json.dumps(report, indent=1, sort_keys=True) + "\n",
             csv_text(report["rows"], csv_keys)]
    for path, text in zip(paths, texts):
        write_text(path, text)
    return paths
