"""The timed loop: warm-up, then a window bracketed exactly by the power meter (MLPerf rule).

Every timed iteration is kept in ``trace_ms``; CPU usage is process CPU time / wall time over the
same window. See ``edgesr_runtime.stats`` for the statistics and the fps definition.
"""

import collections
import time

from .. import stats
from ..errors import EdgesrError

Timing = collections.namedtuple("Timing", "trace_ms warmup_iterations warmup_elapsed_ms duration_s cpu_s power")


def time_loop(fn, frames, warmup_ms, duration_s, min_iterations, meter=None, clock=time.perf_counter):
    """Call ``fn(frame)`` cycling through ``frames``: warm-up, then the timed window. Returns a Timing.

    Warm-up runs until ``warmup_ms`` has passed (none when 0) and is not in the trace. The window
    ends when both ``duration_s`` and ``min_iterations`` are reached; the meter brackets it exactly.
    """
    if not frames:
        raise EdgesrError("no input frames", "use --frames 1 or more")
    count, index = len(frames), 0
    start = clock()
    while (clock() - start) * 1e3 < warmup_ms:
        fn(frames[index % count])
        index += 1
    warmup_elapsed_ms = (clock() - start) * 1e3
    warmup_iterations, trace = index, []
    if meter is not None:
        meter.start()
    cpu0, t_start = stats.cpu_seconds(), clock()
    try:
        while True:
            t0 = clock()
            fn(frames[index % count])
            t1 = clock()
            trace.append((t1 - t0) * 1e3)
            index += 1
            if len(trace) >= min_iterations and t1 - t_start >= duration_s:
                break
    except BaseException:
        if meter is not None:
            meter.stop()  # end the window (and any sampling thread) before the error propagates
        raise
    wall = clock() - t_start
    cpu = stats.cpu_seconds() - cpu0
    power = meter.stop() if meter is not None else None
    return Timing(trace, warmup_iterations, warmup_elapsed_ms, wall, cpu, power)
