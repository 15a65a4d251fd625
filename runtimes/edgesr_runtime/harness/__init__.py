"""The latency + power harness as a library (numpy + one runtime, no torch).

    from edgesr_runtime.harness import MeasureRequest, format_summary, measure_bundle, write_latency
    from edgesr_runtime.store import ResultStore

    result = measure_bundle("eSR-TM_s2_K7_C16-rpi", MeasureRequest(runtime="auto", power="auto"))
    print(format_summary(result.to_dict()))
    with ResultStore("results.db") as store:
        write_latency(store, result)

Modules, one job each: ``request`` (what to measure), ``frames`` (inputs), ``timing`` (the timed
loop), ``endtoend`` (the RGB frame path), ``autoselect`` (runtime auto), ``measure`` (runner, file,
bundle), ``result`` (BenchResult = the edgesr-bench/1 object), ``summary`` (text), ``latency_rows``
(the store writer).
"""

from .latency_rows import device_label, latency_done, record_failure, setting_key, write_latency
from .measure import measure, measure_bundle, measure_file, measure_runner
from .request import (AUTO, DEFAULT_DURATION_S, DEFAULT_FRAMES, DEFAULT_MIN_ITERATIONS, DEFAULT_WARMUP_MS,
                      MeasureRequest)
from .result import SCHEMA, BenchResult, to_json
from .summary import format_summary

__all__ = ["AUTO", "BenchResult", "DEFAULT_DURATION_S", "DEFAULT_FRAMES", "DEFAULT_MIN_ITERATIONS",
           "DEFAULT_WARMUP_MS", "MeasureRequest", "SCHEMA", "device_label", "format_summary", "latency_done",
           "measure", "measure_bundle", "measure_file", "measure_runner", "record_failure", "setting_key",
           "to_json", "write_latency"]
