"""Rows, goals and the Markdown / CSV / JSON files of a graph run (``run.py --graphs``)."""

import peer_table
from peer_table import ratio

ARTIFACTS = ("onnxruntime/reference", "onnxruntime/optimised", "litert/reference", "litert/optimised",
             "opencv/optimised")
COLUMNS = (
    ("model", "model"),
    ("onnxruntime/reference", "ORT ref ms"),
    ("onnxruntime/optimised", "ORT opt ms"),
    ("ort_gain", "ORT ref/opt"),
    ("litert/reference", "LiteRT ref ms"),
    ("litert/optimised", "LiteRT opt ms"),
    ("litert_gain", "LiteRT ref/opt"),
    ("opencv/optimised", "OpenCV bank ms"),
    ("torch", "torch eager ms"),
    ("cv2", "cv2 INTER_CUBIC ms"),
    ("best", "best artifact"),
    ("torch_over_best", "torch/best"),
    ("best_over_cv2", "best/cv2"),
    ("floor_ms", "floor ms"),
    ("best_over_floor", "best/floor"),
)
TM = "eSR-TM_s2_K7_C16"


def graph_row(model_id, family, role, measured, floor):
    """One model's row: the medians, the gains of the optimised graphs, the best artifact and its ratios."""
    medians = measured["medians_ms"]
    timed = {name: medians[name] for name in ARTIFACTS if name in medians}
    best = min(timed, key=timed.get)
    best_ms = timed[best]
    row = {"model": model_id, "family": family, "role": role, "best": best, "best_ms": best_ms,
           "ort_gain": ratio(medians.get("onnxruntime/reference"), medians.get("onnxruntime/optimised")),
           "litert_gain": ratio(medians.get("litert/reference"), medians.get("litert/optimised")),
           "torch_over_best": ratio(medians.get("torch"), best_ms),
           "best_over_cv2": ratio(best_ms, medians.get("cv2")),
           "floor_ms": floor["floor_ms"], "best_over_floor": ratio(best_ms, floor["floor_ms"]), "floor": floor}
    row.update(medians)
    row.update({k: measured[k] for k in ("iterations", "max_abs_diff_vs_torch", "rewrites")})
    return row


def goals(rows):
    """The issue's goals on this machine, each with its measured value and met / missed."""
    found = []

    def add(row, text, value, target, at_least):
        met = None if value is None else (value >= target if at_least else value <= target)
        found.append({"goal": text, "model": row["model"], "value": value, "target": target,
                      "met": met, "floor": row["floor"], "best": row["best"], "best_ms": row["best_ms"]})

    for row in rows:
        if row["model"] == TM:
            add(row, "best >= 3x faster than torch eager", row["torch_over_best"], 3.0, True)
            add(row, "best within 2x of the floor", row["best_over_floor"], 2.0, False)
        elif row["role"] in ("largest", "only"):
            add(row, "largest x2 config: best >= 3x faster than torch eager", row["torch_over_best"], 3.0, True)
        if row["model"] == "eSR-MAX_s2_K3_C1":
            add(row, "best <= 2x cv2.resize INTER_CUBIC", row["best_over_cv2"], 2.0, False)
        if row["model"] == "Bicubic_s2":
            add(row, "best <= 3x cv2.resize INTER_CUBIC", row["best_over_cv2"], 3.0, False)
    return found


def _cell(key, value):
    if value is None:
        return "n/a"
    if isinstance(value, str):
        return value
    if key.endswith("_gain") or "_over_" in key:
        return "%.2fx" % value
    return "%.3f" % value if value < 10 else "%.1f" % value


def _goal_line(goal):
    verdict = "n/a" if goal["met"] is None else "met" if goal["met"] else "MISSED"
    floor = goal["floor"]
    return ("| %s | %s | %s | %s%g | %s | %s %.1f ms; floor %.1f ms (compute %.1f, I/O %.1f; widest "
            "intermediate round trip %.1f), %.2f GMAC |" % (
                goal["model"], goal["goal"], _cell("x_over_", goal["value"]),
                ">= " if "faster" in goal["goal"] else "<= ", goal["target"], verdict, goal["best"], goal["best_ms"],
                floor["floor_ms"], floor["compute_ms"], floor["io_ms"], floor["intermediate_ms"], floor["gmacs"]))


def markdown(report):
    """The Markdown record: conditions, machine rates, the table, the goals, rewrites, differences, notes."""
    machine, settings, rates = report["machine"], report["settings"], report["rates"]
    lines = ["# Graph benchmark %s" % report["created_at"], "",
             "- command: `%s`" % report["command"],
             "- machine: %s, %s CPUs; %s" % (machine.get("cpu"), machine.get("cpu_count"), machine.get("os")),
             "- load average (1/5/15 min): before %s, after %s; niceness %s" % (
                 report["load_before"], report["load_after"], machine.get("niceness")),
             "- threads: %(threads)s for every runtime; LR %(lr_width)dx%(lr_height)d per frame; %(rounds)d "
             "interleaved rounds of >= %(duration_s)g s and >= %(iterations)d iterations per variant "
             "(warm-up %(warmup_ms)g ms each), %(frames)d distinct frames" % settings,
             "- measured rates (numpy, %d threads): sgemm %.1f GFLOP/s, copy %.1f GB/s (read + write)" % (
                 rates["threads"], rates["sgemm_gflops"], rates["copy_gbps"]),
             "- versions: %s" % ", ".join("%s %s" % kv for kv in sorted(report["versions"].items())), ""]
    best_column = [key for key, _ in COLUMNS].index("best")
    lines += peer_table.markdown_table(COLUMNS, report["rows"], _cell, left=(0, best_column))
    lines += ["", "## Goals", "", "| model | goal | measured | target | verdict | roofline |",
              "|---|---|---:|---|---|---|"]
    lines += [_goal_line(goal) for goal in report["goals"]]
    lines += ["", "## Rewrites and max |artifact - torch| on one frame", ""]
    for row in report["rows"]:
        parts = ["%s %s (%.1e)" % (name, "+".join(row["rewrites"][name]) or "literal",
                                   row["max_abs_diff_vs_torch"][name]) for name in ARTIFACTS
                 if name in row["rewrites"]]
        lines.append("- %s: %s" % (row["model"], "; ".join(parts)))
    errors = ["- %s: ERROR %s" % (e["model"], e["error"]) for e in report.get("errors", [])]
    lines += ([""] + errors if errors else []) + [""] + ["- %s" % note for note in report["notes"]]
    return "\n".join(lines) + "\n"


def write_report(stem, report):
    """Write ``stem``.md, .json and .csv (each atomically); returns the three paths."""
    keys = [k for k, _ in COLUMNS] + ["family", "role", "best_ms"]
    return peer_table.write_report(stem, report, markdown(report), keys)
