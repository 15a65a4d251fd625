"""Jetson on-module INA3221 power monitors, read straight from sysfs on a polling thread.

Two driver layouts exist:

- JetPack 5+ (mainline ``ina3221`` hwmon driver):
  ``/sys/bus/i2c/drivers/ina3221/*/hwmon/hwmon*/in{N}_label``, ``curr{N}_input`` (mA),
  ``in{N}_input`` (mV), N = 1..3; the ``in7`` "sum of shunt voltages" channel is skipped.
- JetPack 4 (NVIDIA ``ina3221x`` iio driver):
  ``/sys/bus/i2c/drivers/ina3221x/*/iio:device*/rail_name_{N}``, ``in_power{N}_input`` (mW),
  ``in_current{N}_input`` (mA), ``in_voltage{N}_input`` (mV), N = 0..2.

The board total follows ``boards.BOARD_TOTALS`` for the device-tree model.
"""

import glob
import os
import time

from ..errors import EdgesrError
from .base import PolledMeter
from .boards import board_total, read_board_model, total_label
from .sysfs import read_number, read_text, under

HWMON_GLOB = "sys/bus/i2c/drivers/ina3221/*/hwmon/hwmon*"
IIO_GLOB = "sys/bus/i2c/drivers/ina3221x/*/iio:device*"
SEARCHED = "/sys/bus/i2c/drivers/ina3221*"


class Rail(object):
    """One monitored supply: a name and how to read its power in mW."""

    def __init__(self, name, power_path=None, current_path=None, voltage_path=None, layout="hwmon"):
        self.name = name
        self.power_path = power_path
        self.current_path = current_path
        self.voltage_path = voltage_path
        self.layout = layout

    def read_mw(self):
        if self.power_path:
            return float(read_number(self.power_path))
        return read_number(self.current_path) * read_number(self.voltage_path) / 1000.0

    def __repr__(self):
        return "Rail(%s, %s)" % (self.name, self.layout)


def _hwmon_rails(root):
    rails = []
    for d in sorted(glob.glob(under(root, HWMON_GLOB))):
        for n in (1, 2, 3):
            label_path = os.path.join(d, "in%d_label" % n)
            if not os.path.exists(label_path):
                continue
            enable = os.path.join(d, "in%d_enable" % n)
            try:
                label = read_text(label_path)
                if os.path.exists(enable) and read_text(enable) == "0":
                    continue
            except OSError:
                continue
            if not label or label.lower().startswith("sum of"):
                continue
            rails.append(Rail(label, current_path=os.path.join(d, "curr%d_input" % n),
                              voltage_path=os.path.join(d, "in%d_input" % n), layout="hwmon"))
    return rails


def _iio_rails(root):
    rails = []
    for d in sorted(glob.glob(under(root, IIO_GLOB))):
        for n in (0, 1, 2):
            name_path = os.path.join(d, "rail_name_%d" % n)
            try:
                name = read_text(name_path)
            except OSError:
                continue
            power = os.path.join(d, "in_power%d_input" % n)
            rails.append(Rail(name, power_path=power if os.path.exists(power) else None,
                              current_path=os.path.join(d, "in_current%d_input" % n),
                              voltage_path=os.path.join(d, "in_voltage%d_input" % n), layout="iio"))
    return rails


def discover_rails(root="/"):
    """All INA3221 rails under ``root`` (hwmon first, then iio); duplicate names get ``#2``."""
    rails = _hwmon_rails(root) or _iio_rails(root)
    seen = {}
    for rail in rails:
        count = seen.get(rail.name, 0) + 1
        seen[rail.name] = count
        if count > 1:
            rail.name = "%s#%d" % (rail.name, count)
    return rails


class Ina3221Meter(PolledMeter):
    """Board power from the Jetson INA3221 rails. ``rails`` overrides which rails make the total."""

    name = "ina3221"

    def __init__(self, root="/", interval_s=0.02, model=None, rails=None, clock=time.monotonic):
        super(Ina3221Meter, self).__init__(interval_s, clock)
        self.root = root
        self.rails = discover_rails(root)
        if not self.rails:  # like nvml without a GPU: the meter is unavailable with its reason, the run goes on
            self.model, self.total_rails, self.board, self.note = model, (), None, None
            self.unavailable_reason = ("ina3221: no INA3221 sensor found under %s (run on a Jetson, or use --power "
                                       "none)" % under(root, SEARCHED))
            return
        names = [r.name for r in self.rails]
        self.model = model if model is not None else read_board_model(root)
        if rails:
            missing = [r for r in rails if r not in names]
            if missing:
                raise EdgesrError("ina3221: rails %s not found (found: %s)" % (
                    ", ".join(missing), ", ".join(names)), "pick rails from the list found")
            self.total_rails, self.board, self.note = tuple(rails), None, "total rails chosen by the user"
        else:
            self.total_rails, self.board, self.note = board_total(self.model, names)

    @property
    def source(self):
        return "ina3221:%s" % total_label(self.total_rails) if self.total_rails else self.name

    def detail(self):
        if not self.rails:
            return None
        return {"board_model": self.model, "board": self.board, "total_rails": list(self.total_rails),
                "note": self.note, "layout": self.rails[0].layout, "interval_s": self.interval_s}

    def read(self):
        parts = {}
        for rail in self.rails:
            parts[rail.name] = rail.read_mw() / 1000.0
        return sum(parts[r] for r in self.total_rails), parts
