"""Latency statistics, throughput and process resource usage for the benchmark harness.

Percentiles use numpy's default linear interpolation between the two nearest ranks; ``std`` is
the population standard deviation (ddof=0). fps = 1000 / mean latency (ms): the single-stream
throughput with one frame in flight, which is how the paper reports frame rates.
"""

import sys
import time

import numpy as np

PERCENTILES = (90, 95, 99)
LATENCY_KEYS = ("min", "mean", "median") + tuple("p%d" % p for p in PERCENTILES) + ("std", "max")


def summarize(trace_ms):
    """{min, mean, median, p90, p95, p99, std, max} in ms of a per-iteration trace."""
    trace = np.asarray(trace_ms, dtype=np.float64)
    if trace.size == 0:
        raise ValueError("empty latency trace")
    median, p90, p95, p99 = np.percentile(trace, (50,) + PERCENTILES)
    values = (trace.min(), trace.mean(), median, p90, p95, p99, trace.std(), trace.max())
    return dict(zip(LATENCY_KEYS, (float(v) for v in values)))


def fps(mean_ms):
    """Frames per second from the mean latency (1000 / mean ms); None when mean is not positive."""
    return 1000.0 / mean_ms if mean_ms and mean_ms > 0 else None


def cpu_seconds():
    """CPU time (user + system) used by this process so far, all threads together."""
    return time.process_time()


def cpu_usage_pct(cpu_s, wall_s):
    """Process CPU time / wall time × 100: % of one core, so 400 means four busy cores (paper's usage_RPI)."""
    return 100.0 * cpu_s / wall_s if wall_s > 0 else None


def peak_rss_mb():
    """Peak resident set size of this process so far in MiB (getrusage maxrss), or None where unsupported."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maxrss / (1024.0 * 1024.0) if sys.platform == "darwin" else maxrss / 1024.0
