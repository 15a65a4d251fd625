"""Power meters for the latency harness: start() at the start of the timed window, stop() at its end.

``open_meter(spec)`` with spec ``auto`` (ina3221 > tegrastats > nvml > rapl, else none), ``none``,
``ina3221``, ``tegrastats``, ``nvml``, ``rapl`` or ``external:PATH``. Every meter returns a
PowerResult; an unavailable one has ``avg_w`` None and a one-line ``reason``, never a 0.
"""

from .base import PowerMeter, PowerResult, measure_idle, summarize
from .registry import available_meters, open_meter
from .tegrastats import parse_tegrastats_line

__all__ = ["PowerMeter", "PowerResult", "available_meters", "measure_idle", "open_meter",
           "parse_tegrastats_line", "summarize"]
