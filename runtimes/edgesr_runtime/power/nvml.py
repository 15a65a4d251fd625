"""NVIDIA GPU power through NVML (``pip install nvidia-ml-py``, imported only when this meter opens).

Prefers the total-energy counter ``nvmlDeviceGetTotalEnergyConsumption`` (mJ, Volta and newer);
falls back to polling ``nvmlDeviceGetPowerUsage`` (mW). A missing package, driver or support makes
the meter ``unavailable`` (never an exception): Jetson's integrated GPU supports neither query.
"""

import time

from ..errors import EdgesrError
from .base import UNIT_JOULES, UNIT_WATTS, PolledMeter

INSTALL_HINT = "pip install nvidia-ml-py"


def _load(nvml):
    if nvml is not None:
        return nvml, None
    try:
        import pynvml
    except ImportError:
        return None, "nvml: nvidia-ml-py (pynvml) is not installed (fix: %s)" % INSTALL_HINT
    return pynvml, None


def _text(value):
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


class NvmlMeter(PolledMeter):
    """GPU ``device_index`` board power via NVML; ``method`` is ``auto``, ``energy`` or ``power``."""

    name = "nvml"

    def __init__(self, device_index=0, interval_s=0.02, method="auto", nvml=None, clock=time.monotonic):
        super(NvmlMeter, self).__init__(interval_s, clock)
        if method not in ("auto", "energy", "power"):
            raise EdgesrError("nvml: unknown method %r" % (method,), "use auto, energy or power")
        self.device_index = int(device_index)
        self.gpu_name = None
        self.method = None
        self._handle = None
        self._initialized = False
        self._nvml, self.unavailable_reason = _load(nvml)
        if self._nvml is not None:
            self.unavailable_reason = self._open(method)

    def _open(self, method):
        nv = self._nvml
        try:
            nv.nvmlInit()
        except Exception as exc:
            return "nvml: NVML could not start (%s); is the NVIDIA driver installed?" % _text(exc)
        self._initialized = True
        try:
            self._handle = nv.nvmlDeviceGetHandleByIndex(self.device_index)
            self.gpu_name = _text(nv.nvmlDeviceGetName(self._handle))
        except Exception as exc:
            return "nvml: no GPU at index %d (%s)" % (self.device_index, _text(exc))
        tried = []
        for candidate in (("energy", "power") if method == "auto" else (method,)):
            try:
                self.method = candidate
                self.read()
                return None
            except Exception as exc:
                tried.append("%s: %s" % (candidate, _text(exc)))
        self.method = None
        return "nvml: %s supports no power reading (%s)" % (self.gpu_name, "; ".join(tried))

    @property
    def sample_unit(self):
        return UNIT_JOULES if self.method == "energy" else UNIT_WATTS

    @property
    def source(self):
        return "nvml:gpu%d" % self.device_index

    def detail(self):
        note = None
        if self.method == "power":
            note = "nvmlDeviceGetPowerUsage is averaged by the driver (about 1 s on recent GPUs)"
        return {"gpu": self.gpu_name, "method": self.method, "interval_s": self.interval_s, "note": note}

    def read(self):
        nv = self._nvml
        if self.method == "energy":
            return nv.nvmlDeviceGetTotalEnergyConsumption(self._handle) / 1000.0, None
        if self.method == "power":
            return nv.nvmlDeviceGetPowerUsage(self._handle) / 1000.0, None
        raise ValueError("unknown NVML method %r" % self.method)

    def close(self):
        super(NvmlMeter, self).close()
        if self._initialized:
            self._initialized = False
            try:
                self._nvml.nvmlShutdown()
            except Exception:
                pass
