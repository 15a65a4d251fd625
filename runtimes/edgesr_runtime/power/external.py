"""An external power meter's log: a CSV of ``timestamp,watts`` lines (unix seconds, W).

USB power meters used on a Raspberry Pi write such a log on the host. The meter notes the
wall-clock window at start() and stop(); at stop() it reads the CSV and integrates the samples
inside the window with the trapezoid rule. A header line, ``#`` comments and extra columns are
allowed; the two clocks must agree (NTP on both machines, or the meter on the same host).
"""

import os
import time

from ..errors import EdgesrError
from .base import PowerResult, WindowedMeter, summarize


def read_power_csv(path):
    """``[(unix_s, watts), ...]`` from the log and the count of lines that were not samples."""
    samples, skipped = [], 0
    with open(path, "r") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            fields = [x.strip() for x in line.split(",")]
            try:
                samples.append((float(fields[0]), float(fields[1])))
            except (ValueError, IndexError):
                skipped += 1  # the header, or a line the meter is still writing
    samples.sort()
    return samples, skipped


class ExternalCsvMeter(WindowedMeter):
    """Average watts from an external meter's CSV over the window (``wait_s``: let the log catch up)."""

    name = "external"

    def __init__(self, path, wait_s=0.0, wall_clock=time.time, clock=time.monotonic):
        super(ExternalCsvMeter, self).__init__(clock)
        self.path = path
        self.wait_s = float(wait_s)
        self._wall = wall_clock
        self._wall_start = None
        if not path:
            raise EdgesrError("external: no log path given", "use --power external:PATH/TO/LOG.csv")
        if not os.path.isfile(path):
            raise EdgesrError("external: power log %s does not exist" % path,
                              "start the USB meter logging to that file first, or use --power none")

    @property
    def source(self):
        return "external:%s" % os.path.basename(self.path)

    def detail(self):
        return {"path": os.path.abspath(self.path), "clock": "unix seconds"}

    def _begin(self):
        self._t_start = self._clock()
        self._wall_start = self._wall()

    def _end(self):
        wall_stop = self._wall()
        t_start, wall_start = self._t_start, self._wall_start
        duration = wall_stop - wall_start
        if self.wait_s > 0:
            time.sleep(self.wait_s)
        self._t_start = None
        try:
            rows, skipped = read_power_csv(self.path)
        except OSError as exc:
            return PowerResult.unavailable(self.source, "external: cannot read %s: %s" % (
                self.path, exc.strerror or exc), duration_s=duration, detail=self.detail())
        result = summarize(self.source, rows, wall_start, wall_stop, detail=self.detail())
        # Kept samples go on the monotonic axis like every other meter's: (t_monotonic_s, W).
        offset = t_start - wall_start
        result.samples = [(t + offset, w) for t, w in result.samples]
        if not result.ok:
            span = ("log covers %.3f..%.3f" % (rows[0][0], rows[-1][0])) if rows else "log holds no samples"
            result.reason = "external: no samples in %s inside the window %.3f..%.3f (unix s); %s%s" % (
                self.path, wall_start, wall_stop, span,
                ", %d unparsed lines" % skipped if skipped else "")
        return result
