"""The ``none`` meter: accepts start/stop and always reports ``unavailable`` (avg_w None, never 0)."""

import time

from .base import WindowedMeter


class NoneMeter(WindowedMeter):
    """No power measurement; ``reason`` says why (chosen by the user, or nothing found by ``auto``)."""

    name = "none"

    def __init__(self, reason="no power meter selected (--power none)", clock=time.monotonic):
        super(NoneMeter, self).__init__(clock)
        self.unavailable_reason = reason

    def check(self):
        """``none`` always "works": it never measures."""

    def _begin(self):
        """Nothing to sample."""

    def _end(self):
        return self._result(self._clock(), self.unavailable_reason)
