"""Progress of long jobs: one line per finished item with elapsed time and ETA, on stderr.

The one progress mechanism of edgesr (host and device; no third-party dependency). Lines suit
terminals and log files alike. ``min_interval_s`` thins out fast loops (thousands of items): an
item's line is printed only when that many seconds passed since the last line, and always for
the last item and for failures (``step(..., always=True)``).
"""

import sys
import time


class Progress(object):
    """``p = Progress(total, "sweep"); p.step(item, "ok")`` → ``[sweep 3/10, 12 s, ETA 28 s] item: ok``."""

    def __init__(self, total, label="progress", stream=None, min_interval_s=0.0, enabled=True):
        self.total, self.label, self.done = total, label, 0
        self.stream = stream or sys.stderr
        self.min_interval_s, self.enabled = min_interval_s, enabled
        self.started = self._last = time.time()

    def step(self, item, outcome="done", always=False):
        """Count one finished item and report it (subject to ``min_interval_s``)."""
        self.done += 1
        now = time.time()
        last = self.done >= self.total
        if not self.enabled or not (always or last or now - self._last >= self.min_interval_s):
            return
        self._last = now
        elapsed = now - self.started
        eta = elapsed / self.done * max(self.total - self.done, 0)
        print("[%s %d/%d, %.0f s, ETA %.0f s] %s: %s" % (self.label, self.done, self.total, elapsed, eta, item,
                                                         outcome), file=self.stream)
        self.stream.flush()
