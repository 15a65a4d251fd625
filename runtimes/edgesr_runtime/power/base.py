"""What every power meter shares: the result type, the meter interface, window integration, polling.

Timing rule (as in MLPerf Power): only samples taken inside ``[start, stop]`` count. Watts are
integrated with the trapezoid rule over the samples in the window; cumulative energy counters are
differenced between the first and last reading in the window. ``energy_j`` is the average power
times the whole window, so a window slightly wider than the sample span is not under-counted.
"""

import abc
import threading
import time

from ..errors import EdgesrError

UNIT_WATTS = "W"
UNIT_JOULES = "J"  # a cumulative energy counter, already unwrapped by the reader


class PowerResult(object):
    """The outcome of one measured window. ``avg_w``/``energy_j`` are None (never 0) when unavailable."""

    def __init__(self, source, status, reason=None, avg_w=None, energy_j=None, duration_s=None,
                 samples=None, sample_unit=UNIT_WATTS, rails=None, detail=None):
        self.source = source
        self.status = status
        self.reason = reason
        self.avg_w = avg_w
        self.energy_j = energy_j
        self.duration_s = duration_s
        self.samples = list(samples or [])
        self.sample_unit = sample_unit
        self.rails = rails  # optional {rail name: average W} for sensors with several rails
        self.detail = detail  # optional meter-specific facts (board, interval, method ...)

    @classmethod
    def unavailable(cls, source, reason, duration_s=None, detail=None):
        """A result that says why there is no number."""
        return cls(source, "unavailable", reason=reason, duration_s=duration_s, detail=detail)

    @property
    def ok(self):
        return self.status == "ok"

    def to_dict(self):
        """A JSON-ready dict; samples become ``[t, value]`` pairs."""
        return {
            "source": self.source,
            "status": self.status,
            "reason": self.reason,
            "avg_w": self.avg_w,
            "energy_j": self.energy_j,
            "duration_s": self.duration_s,
            "sample_unit": self.sample_unit,
            "n_samples": len(self.samples),
            "samples": [[t, v] for t, v in self.samples],
            "rails": dict(self.rails) if self.rails else None,
            "detail": dict(self.detail) if self.detail else None,
        }

    def __repr__(self):
        if self.ok:
            return "PowerResult(%s: %.3f W, %.3f J over %.3f s, %d samples)" % (
                self.source, self.avg_w, self.energy_j, self.duration_s, len(self.samples))
        return "PowerResult(%s: unavailable: %s)" % (self.source, self.reason)


class PowerMeter(abc.ABC):
    """Interface: ``start()`` at the start of the timed window, ``stop()`` at its end, ``close()`` once."""

    name = "meter"

    @abc.abstractmethod
    def start(self):
        """Implemented by each meter."""

    @abc.abstractmethod
    def stop(self):
        """Implemented by each meter."""

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# ---------------------------------------------------------------------------------------------
# integration


def _span_average(times, values, unit):
    """Average watts over the samples' own span, or None with a reason."""
    if unit == UNIT_JOULES:
        if len(values) < 2:
            return None, "the energy counter was read only once inside the window"
        span = times[-1] - times[0]
        energy = values[-1] - values[0]
        if span <= 0:
            return None, "the energy counter readings inside the window have no time between them"
        if energy < 0:
            return None, "the energy counter went backwards inside the window"
        return energy / span, None
    if len(values) == 1:
        return float(values[0]), None
    span = times[-1] - times[0]
    if span <= 0:
        return sum(values) / float(len(values)), None
    area = 0.0
    for i in range(1, len(values)):
        area += 0.5 * (values[i] + values[i - 1]) * (times[i] - times[i - 1])
    return area / span, None


def window_samples(samples, t_start, t_stop):
    """The samples ``(t, value[, parts])`` with ``t_start <= t <= t_stop`` (the window rule)."""
    return [s for s in samples if t_start <= s[0] <= t_stop]


def summarize(source, samples, t_start, t_stop, unit=UNIT_WATTS, detail=None):
    """Turn raw samples ``(t, value)`` or ``(t, value, parts)`` into a PowerResult for the window.

    ``parts`` is an optional ``{rail: value}`` dict in the same unit; each rail gets its own average.
    """
    duration = t_stop - t_start
    inside = window_samples(samples, t_start, t_stop)
    if not inside:
        return PowerResult.unavailable(
            source, "no samples inside the %.3f s window (%d outside it)" % (duration, len(samples)),
            duration_s=duration, detail=detail)
    times = [s[0] for s in inside]
    avg, why = _span_average(times, [s[1] for s in inside], unit)
    if avg is None:
        return PowerResult.unavailable(source, why, duration_s=duration, detail=detail)
    rails = None
    if len(inside[0]) > 2 and inside[0][2]:
        rails = {}
        for rail in inside[0][2]:
            rail_vals = [s[2].get(rail) for s in inside]
            if any(v is None for v in rail_vals):
                continue
            rail_avg, _ = _span_average(times, rail_vals, unit)
            if rail_avg is not None:
                rails[rail] = rail_avg
    return PowerResult(source, "ok", avg_w=avg, energy_j=avg * duration, duration_s=duration,
                       samples=[(s[0], s[1]) for s in inside], sample_unit=unit, rails=rails,
                       detail=detail)


# ---------------------------------------------------------------------------------------------
# meters


class WindowedMeter(PowerMeter):
    """Shared start/stop bookkeeping: a monotonic window and the samples taken in it.

    A meter whose sensor exists but cannot be read sets ``unavailable_reason``; it still accepts
    start/stop and returns ``unavailable`` results with that reason, so a run goes on without power.
    Subclasses implement ``_begin()`` (set ``self._t_start``, begin sampling) and ``_end()``.
    """

    sample_unit = UNIT_WATTS

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._t_start = None
        self._samples = []
        self.unavailable_reason = None

    @property
    def source(self):
        return self.name

    def detail(self):
        """Facts about this meter worth keeping beside the number (dict or None)."""
        return None

    def check(self):
        """Raise EdgesrError unless this meter can really measure on this machine."""
        if self.unavailable_reason:
            raise EdgesrError(self.unavailable_reason)

    def start(self):
        if self._t_start is not None:
            raise EdgesrError("%s: start() called twice" % self.name, "call stop() before the next start()")
        self._samples = []
        if self.unavailable_reason:
            self._t_start = self._clock()
            return
        self._begin()

    def stop(self):
        if self._t_start is None:
            raise EdgesrError("%s: stop() called before start()" % self.name, "call start() first")
        if self.unavailable_reason:
            return self._result(self._clock(), self.unavailable_reason)
        return self._end()

    @abc.abstractmethod
    def _begin(self):
        """Implemented by each meter."""

    @abc.abstractmethod
    def _end(self):
        """Implemented by each meter."""

    def _result(self, t_stop, error=None):
        t_start, self._t_start = self._t_start, None
        if error is not None:
            return PowerResult.unavailable(self.source, error, duration_s=t_stop - t_start,
                                           detail=self.detail())
        return summarize(self.source, self._samples, t_start, t_stop, self.sample_unit, self.detail())


class PolledMeter(WindowedMeter):
    """A meter that reads a sensor on a background thread every ``interval_s`` between start and stop.

    Subclasses implement ``read()`` returning ``(value, parts_or_None)`` in ``sample_unit``. One
    reading is taken synchronously at ``start()`` and one at ``stop()``, so the window is covered
    from edge to edge.
    """

    def __init__(self, interval_s=0.02, clock=time.monotonic):
        super(PolledMeter, self).__init__(clock)
        if not interval_s or interval_s <= 0:
            raise EdgesrError("%s: interval_s must be > 0, got %r" % (self.name, interval_s),
                              "pass e.g. interval_s=0.02")
        self.interval_s = float(interval_s)
        self._thread = None
        self._halt = threading.Event()
        self._error = None

    @abc.abstractmethod
    def read(self):
        """Implemented by each meter."""

    def on_start(self):
        """Hook run before the first reading of a window (e.g. reset counter unwrapping)."""

    def check(self):
        super(PolledMeter, self).check()
        self.on_start()
        try:
            self.read()
        except EdgesrError:
            raise
        except Exception as exc:
            raise EdgesrError("%s: reading failed: %s" % (self.name, exc))

    def _take(self):
        if self._error is not None:
            return
        try:
            value, parts = self.read()
        except Exception as exc:  # a sensor that vanished or became unreadable mid-window
            self._error = "%s: reading failed: %s" % (self.name, exc)
            return
        self._samples.append((self._clock(), value, parts))

    def _loop(self):
        while not self._halt.wait(self.interval_s):
            self._take()

    def _begin(self):
        self._error = None
        self._halt.clear()
        self.on_start()
        self._t_start = self._clock()
        self._take()
        self._thread = threading.Thread(target=self._loop, name="edgesr-power-%s" % self.name)
        self._thread.daemon = True
        self._thread.start()

    def _end(self):
        self._halt.set()
        self._thread.join()
        self._thread = None
        self._take()
        return self._result(self._clock(), self._error)

    def close(self):
        if self._thread is not None:
            self._halt.set()
            self._thread.join()
            self._thread = None
        self._t_start = None


def measure_idle(meter, seconds, sleep=time.sleep):
    """Measure ``meter`` for ``seconds`` with nothing running: a baseline to show beside a result.

    The returned PowerResult has ``detail['role'] == 'idle'``; never subtract it silently.
    """
    meter.start()
    try:
        sleep(seconds)
    finally:
        result = meter.stop()
    result.detail = dict(result.detail or {}, role="idle")
    return result
