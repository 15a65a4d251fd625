"""Linux RAPL energy counters (``/sys/class/powercap/intel-rapl:*``), unwrapped across wrap-around.

Each zone has ``name`` (``package-0``, ``dram``, ``psys`` ...), ``energy_uj`` (a counter in uJ that
wraps at ``max_energy_range_uj``). Since Linux 5.10 ``energy_uj`` is readable by root only, so a
present but unreadable counter makes the meter ``unavailable`` with that reason.
"""

import errno
import glob
import os
import re
import time

from ..errors import EdgesrError
from .base import UNIT_JOULES, PolledMeter
from .sysfs import read_number, read_text, under

POWERCAP = "sys/class/powercap"
_ZONE_DIR = re.compile(r"^intel-rapl(:\d+)+$")


class RaplZone(object):
    """One powercap zone and the state needed to unwrap its counter within a window."""

    def __init__(self, path, name, max_range_uj):
        self.path = path
        self.name = name
        self.max_range_uj = max_range_uj
        self.reset()

    @property
    def energy_path(self):
        return os.path.join(self.path, "energy_uj")

    def reset(self):
        self._last = None
        self._total_uj = 0

    def read_j(self):
        """Energy since reset() in J, adding ``max_energy_range_uj`` at each wrap."""
        raw = read_number(self.energy_path)
        if self._last is not None:
            delta = raw - self._last
            if delta < 0:
                if not self.max_range_uj:
                    raise EdgesrError("rapl: %s wrapped but max_energy_range_uj is unknown" % self.name)
                delta += self.max_range_uj
            self._total_uj += delta
        self._last = raw
        return self._total_uj / 1e6


def discover_zones(root="/"):
    """Every RAPL zone (packages and sub-zones) under ``root``, in path order."""
    zones = []
    for path in sorted(glob.glob(under(root, os.path.join(POWERCAP, "intel-rapl:*")))):
        if not _ZONE_DIR.match(os.path.basename(path)):
            continue
        try:
            name = read_text(os.path.join(path, "name"))
        except OSError:
            name = os.path.basename(path)
        try:
            max_range = read_number(os.path.join(path, "max_energy_range_uj"))
        except (OSError, ValueError):
            max_range = None
        zones.append(RaplZone(path, name, max_range))
    return zones


def _top_level(zone):
    return os.path.basename(zone.path).count(":") == 1


class RaplMeter(PolledMeter):
    """CPU package energy from RAPL. ``domains`` picks zones by name (default: every ``package-*``)."""

    name = "rapl"
    sample_unit = UNIT_JOULES

    def __init__(self, root="/", interval_s=0.1, domains=None, clock=time.monotonic):
        super(RaplMeter, self).__init__(interval_s, clock)
        self.root = root
        zones = discover_zones(root)
        if not zones:
            raise EdgesrError("rapl: no RAPL zones under %s" % under(root, POWERCAP + "/intel-rapl:*"),
                              "RAPL needs an x86 CPU with the intel_rapl driver; use --power none "
                              "or an external meter")
        if domains:
            picked = [z for z in zones if z.name in domains]
            missing = sorted(set(domains) - set(z.name for z in picked))
            if missing:
                raise EdgesrError("rapl: zones %s not found (found: %s)" % (
                    ", ".join(missing), ", ".join(z.name for z in zones)), "pick zone names from the list")
        else:
            picked = [z for z in zones if _top_level(z) and z.name.startswith("package")]
            picked = picked or [z for z in zones if _top_level(z)]
        self.zones = picked
        names = [z.name for z in picked]
        self._labels = [z.name if names.count(z.name) == 1 else "%s(%s)" % (z.name, os.path.basename(z.path))
                        for z in picked]
        self.unavailable_reason = self._readability()

    def _readability(self):
        for zone in self.zones:
            try:
                read_number(zone.energy_path)
            except OSError as exc:
                if exc.errno in (errno.EACCES, errno.EPERM):
                    return ("rapl: permission denied reading %s (energy_uj is root-only since Linux "
                            "5.10; fix: run as root or `sudo chmod a+r %s`)" % (
                                zone.energy_path, under(self.root, POWERCAP + "/intel-rapl:*/energy_uj")))
                return "rapl: cannot read %s: %s" % (zone.energy_path, exc.strerror or exc)
            except ValueError as exc:
                return "rapl: %s does not hold a number: %s" % (zone.energy_path, exc)
        return None

    @property
    def source(self):
        return "rapl:%s" % "+".join(self._labels)

    def detail(self):
        return {"zones": [os.path.basename(z.path) for z in self.zones], "interval_s": self.interval_s,
                "note": "CPU package energy only; not the whole machine"}

    def on_start(self):
        for zone in self.zones:
            zone.reset()

    def read(self):
        parts = {}
        for label, zone in zip(self._labels, self.zones):
            parts[label] = zone.read_j()
        return sum(parts.values()), parts
