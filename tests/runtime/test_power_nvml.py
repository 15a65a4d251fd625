"""NVML meter: unavailable (not an exception) without pynvml or a driver; energy counter preferred.

The stand-in modules below replace the third-party ``pynvml`` library, never code under test.
"""

import time

import pytest

from edgesr_runtime.power import open_meter
from edgesr_runtime.power.nvml import NvmlMeter


class FakeNvml(object):
    """The slice of the pynvml API the meter uses, with a GPU drawing a steady 250 W."""

    def __init__(self, energy=True, power=True):
        self.energy, self.power = energy, power
        self.t0 = time.monotonic()
        self.shutdown = False

    def nvmlInit(self):
        pass

    def nvmlShutdown(self):
        self.shutdown = True

    def nvmlDeviceGetHandleByIndex(self, i):
        if i != 0:
            raise RuntimeError("Invalid Argument")
        return "h0"

    def nvmlDeviceGetName(self, h):
        return b"NVIDIA H100 80GB HBM3"

    def nvmlDeviceGetTotalEnergyConsumption(self, h):
        if not self.energy:
            raise RuntimeError("Not Supported")
        return 1.0e9 + 250.0 * 1000.0 * (time.monotonic() - self.t0)  # mJ

    def nvmlDeviceGetPowerUsage(self, h):
        if not self.power:
            raise RuntimeError("Not Supported")
        return 250000  # mW


def test_missing_pynvml_is_unavailable(monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "pynvml", None)  # makes `import pynvml` fail
    meter = open_meter("nvml")
    meter.start()
    r = meter.stop()
    meter.close()
    assert r.status == "unavailable" and r.avg_w is None
    assert "nvidia-ml-py" in r.reason


def test_energy_counter_preferred():
    nv = FakeNvml()
    meter = NvmlMeter(nvml=nv, interval_s=0.01)
    assert meter.method == "energy" and meter.sample_unit == "J"
    meter.start()
    time.sleep(0.1)
    r = meter.stop()
    meter.close()
    assert r.status == "ok", r.reason
    # the fake counter reads the clock a moment after the meter does: 2% of the 0.1 s allows a 2 ms preemption
    assert r.avg_w == pytest.approx(250.0, rel=0.02)
    assert r.detail["gpu"] == "NVIDIA H100 80GB HBM3"
    assert nv.shutdown


def test_power_polling_when_energy_unsupported():
    meter = NvmlMeter(nvml=FakeNvml(energy=False), interval_s=0.01)
    assert meter.method == "power" and meter.sample_unit == "W"
    meter.start()
    time.sleep(0.05)
    r = meter.stop()
    assert r.avg_w == pytest.approx(250.0) and "averaged" in r.detail["note"]


def test_jetson_igpu_supports_neither():
    meter = NvmlMeter(nvml=FakeNvml(energy=False, power=False))
    meter.start()
    r = meter.stop()
    assert r.status == "unavailable" and "supports no power reading" in r.reason
