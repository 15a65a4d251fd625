"""The check report as text: one table line per artifact, the reasons, the counts."""

import collections

from ..textable import format_table as text_table
from .artifacts import ERROR, FAIL, PASS, SKIP


def _fmt_err(value):
    return "-" if value is None else "%.2e" % value


def _fmt_psnr(result):
    if "psnr_db" not in result:
        return "-"
    return "inf" if result["psnr_db"] is None else "%.1f" % result["psnr_db"]


def _fmt_tol(result):
    tol = result.get("tolerance")
    if not tol:
        return "-"
    parts = []
    if tol.get("max_abs_err") is not None:
        parts.append("<=%.0e" % tol["max_abs_err"])
    if tol.get("min_psnr_db") is not None:
        parts.append(">=%.0f dB" % tol["min_psnr_db"])
    if tol.get("inputs") == "images":
        parts.append("images")
    return ", ".join(parts)


def format_table(manifest, results, verified=True):
    """A readable report: one line per artifact, then the reasons of whatever did not pass."""
    model = manifest.get("model", {})
    lines = ["bundle %s x%s, target %s (%s)%s" % (
        model.get("id"), model.get("scale"), manifest.get("target"), manifest.get("profile"),
        ": all files match their sha256" if verified else ": sha256 NOT verified")]
    header = ("artifact", "runtime", "prec", "samples", "max|err|", "PSNR dB", "tolerance", "NaN/Inf", "result")
    rows = [(r["artifact"] or "?", r["runtime"] or "?", r["precision"] or "?", r.get("samples", "-"),
             _fmt_err(r.get("max_abs_err")), _fmt_psnr(r), _fmt_tol(r),
             "-" if "nan_or_inf" not in r else ("YES" if r["nan_or_inf"] else "no"), r["status"]) for r in results]
    lines.append(text_table(header, rows))
    for r in results:
        if r.get("reason"):
            lines.append("  %s %s: %s" % (r["status"], r["artifact"], r["reason"]))
    counts = collections.Counter(r["status"] for r in results)
    lines.append("%d passed, %d failed, %d errors, %d skipped" % (counts[PASS], counts[FAIL], counts[ERROR],
                                                                 counts[SKIP]))
    return "\n".join(lines)
