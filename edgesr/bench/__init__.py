"""Host-side benchmarking: export (or reuse) a bundle, pick the runtime, run the device harness on it.

    from edgesr.bench import BenchRequest, measure
    result = measure(BenchRequest("eSR-TM_s2_K7_C16", runtime="auto"))   # an edgesr-bench/1 dict

The timing itself is ``edgesr_runtime.bench``; this package only decides what gets timed:
``bundles`` (export and the artifacts that passed parity), ``runners`` (a Runner per runtime,
PyTorch eager included), ``auto`` (the brief race between runtimes) and ``host`` (the whole run).
"""

from edgesr.bench.host import BenchRequest, measure, store_result

__all__ = ["BenchRequest", "measure", "store_result"]
