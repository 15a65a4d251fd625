"""Parity check of a bundle: run each artifact on the golden inputs and compare with the PyTorch outputs.

The same code gates artifacts at export time on the host and re-checks them on the device
(``python -m edgesr_runtime check BUNDLE``), from golden.npz alone: no torch. One job per module:
``compare`` (error statistics and tolerances), ``artifacts`` (running one artifact),
``whole_bundle`` (a whole bundle: sha256, selection, exit code), ``table`` (the text report).
"""

from .artifacts import ERROR, FAIL, PASS, SKIP, check_artifact, check_result, parity_record, samples_for
from .whole_bundle import check_bundle, exit_code, select
from .compare import TOLERANCES, Comparison, Tolerance, judge, tolerance_for
from .table import format_table

__all__ = ["ERROR", "FAIL", "PASS", "SKIP", "TOLERANCES", "Comparison", "Tolerance", "check_artifact",
           "check_bundle", "check_result", "exit_code", "format_table", "judge", "parity_record", "samples_for",
           "select", "tolerance_for"]
