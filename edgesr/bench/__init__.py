"""Host-side benchmarking: export (or reuse) a bundle, then run the device harness on it.

    from edgesr.bench import BenchRequest, measure
    result = measure(BenchRequest("eSR-TM_s2_K7_C16", runtime="auto"))   # a BenchResult; .to_dict() is the JSON

Timing, runtime auto, power and the result are ``edgesr_runtime.harness``; this package adds only
what the host has: ``bundles`` (export) and ``runners`` (PyTorch eager).
"""

from edgesr.bench.host import BenchRequest, measure

__all__ = ["BenchRequest", "measure"]
