"""What the machine was when a number was measured: CPU, OS, runtimes, GPU, Jetson power mode, git.

``capture_environment()`` never raises and never imports a heavy runtime just to learn its version
(``importlib.metadata`` first). Anything that cannot be read is None, or ``"unknown"`` for Jetson
settings on a Jetson. ``root`` (for /proc, /sys, /etc) and ``search_path`` (where ``nvidia-smi``,
``nvpmodel`` and ``git`` are looked up) are injectable for tests.
"""

import copy
import datetime
import functools
import glob
import importlib
import importlib.metadata
import importlib.util
import os
import platform
import re
import shutil
import subprocess
import sys

from . import __version__
from .power.boards import read_board_model

# runtime name -> (distribution names to ask importlib.metadata, import name, may import for version)
RUNTIMES = (
    ("numpy", ("numpy",), "numpy", True),
    ("onnxruntime", ("onnxruntime", "onnxruntime-gpu", "onnxruntime-directml", "onnxruntime-openvino"),
     "onnxruntime", False),
    ("ai_edge_litert", ("ai-edge-litert", "ai-edge-litert-nightly"), "ai_edge_litert", False),
    ("tflite_runtime", ("tflite-runtime",), "tflite_runtime", True),
    ("tensorrt", ("tensorrt", "tensorrt-cu12", "tensorrt-cu11"), "tensorrt", True),
    ("pycuda", ("pycuda",), "pycuda", True),
    ("cuda-python", ("cuda-python", "cuda-bindings"), "cuda", False),
    ("torch", ("torch",), "torch", False),
    ("nvidia-ml-py", ("nvidia-ml-py", "pynvml"), "pynvml", False),
    ("opencv", ("opencv-python-headless", "opencv-python", "opencv-contrib-python"), "cv2", False),
)

# (implementer, part) from /proc/cpuinfo -> core name, for ARM boards whose cpuinfo has no model name.
ARM_CORES = {
    (0x41, 0xd03): "Cortex-A53", (0x41, 0xd04): "Cortex-A35", (0x41, 0xd05): "Cortex-A55",
    (0x41, 0xd07): "Cortex-A57", (0x41, 0xd08): "Cortex-A72", (0x41, 0xd09): "Cortex-A73",
    (0x41, 0xd0a): "Cortex-A75", (0x41, 0xd0b): "Cortex-A76", (0x41, 0xd0c): "Neoverse-N1",
    (0x41, 0xd0d): "Cortex-A77", (0x41, 0xd40): "Neoverse-V1", (0x41, 0xd41): "Cortex-A78",
    (0x41, 0xd42): "Cortex-A78AE", (0x41, 0xd4b): "Cortex-A78C", (0x41, 0xd4f): "Neoverse-V2",
    (0x4e, 0x003): "NVIDIA Denver 2", (0x4e, 0x004): "NVIDIA Carmel",
}


def _path(root, rel):
    return os.path.join(root, rel.lstrip("/"))


def _read(root, rel):
    try:
        with open(_path(root, rel), "rb") as f:
            return f.read().decode("utf-8", "replace").replace("\x00", "").strip()
    except OSError:
        return None


def _run(argv, search_path, timeout_s, cwd=None):
    """stdout of a command found on ``search_path``, or None (missing, failing, or too slow)."""
    exe = shutil.which(argv[0], path=search_path)
    if not exe:
        return None
    try:
        out = subprocess.run([exe] + list(argv[1:]), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             timeout=timeout_s, cwd=cwd, universal_newlines=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout if out.returncode == 0 else None


# ---------------------------------------------------------------------------------------------- CPU


def _cpuinfo_blocks(text):
    blocks, block = [], {}
    for line in text.splitlines():
        if not line.strip():
            if block:
                blocks.append(block)
            block = {}
            continue
        key, _, value = line.partition(":")
        block[key.strip().lower()] = value.strip()
    if block:
        blocks.append(block)
    return blocks


def _cpu_model(blocks):
    names = []
    for b in blocks:
        name = b.get("model name")
        if name and not name.startswith("ARMv"):
            key = name
        else:
            try:
                key = ARM_CORES.get((int(b["cpu implementer"], 16), int(b["cpu part"], 16)), name)
            except (KeyError, ValueError):
                key = name
        if key and key not in names:
            names.append(key)
    return " + ".join(names) if names else None


def _governor(root):
    found = []
    for p in sorted(glob.glob(_path(root, "sys/devices/system/cpu/cpu[0-9]*/cpufreq/scaling_governor"))):
        value = _read("/", p)
        if value and value not in found:
            found.append(value)
    return ",".join(found) if found else None


def cpu_info(root="/"):
    """CPU model, logical/physical core counts, cpufreq governor and max clock."""
    text = _read(root, "proc/cpuinfo") or ""
    blocks = _cpuinfo_blocks(text)
    procs = [b for b in blocks if "processor" in b]
    cores = set((b.get("physical id"), b.get("core id")) for b in procs if "core id" in b)
    max_khz = _read(root, "sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq")
    board = None
    for b in blocks:  # Raspberry Pi: a trailing block with "Model : Raspberry Pi 400 Rev 1.0"
        if "processor" not in b and b.get("model"):
            board = b["model"]
    return {
        "model": _cpu_model(procs) or (platform.processor() if platform.system() != "Linux" else None) or None,
        "cores_logical": len(procs) or os.cpu_count(),
        "cores_physical": len(cores) if cores else (len(procs) or None),
        "governor": _governor(root),
        "max_mhz": int(max_khz) // 1000 if max_khz and max_khz.isdigit() else None,
        "board_from_cpuinfo": board,
    }


# ----------------------------------------------------------------------------------------- OS, Python


def os_info(root="/"):
    pretty = None
    for rel in ("etc/os-release", "usr/lib/os-release"):
        text = _read(root, rel)
        if text:
            m = re.search(r'^PRETTY_NAME=(.*)$', text, re.M)
            if m:
                pretty = m.group(1).strip().strip('"').strip("'")
                break
    return {"system": platform.system() or None, "kernel": platform.release() or None,
            "machine": platform.machine() or None, "pretty_name": pretty}


def python_info():
    """Implementation, version and whether a virtual environment runs it: no interpreter path, because
    results get committed and shared (results recorded before this carry an ``executable`` path instead)."""
    return {"version": platform.python_version(), "implementation": platform.python_implementation(),
            "venv": sys.prefix != getattr(sys, "base_prefix", sys.prefix)}


# ----------------------------------------------------------------------------------------- runtimes


def _dist_version(names):
    for name in names:
        try:
            return importlib.metadata.version(name)
        except Exception:
            continue
    return None


def runtime_version(dists, module, may_import):
    """The installed version, ``"unknown"`` if importable without metadata, None if absent."""
    version = _dist_version(dists)
    if version:
        return version
    try:
        if importlib.util.find_spec(module) is None:
            return None
    except (ImportError, ValueError):
        return None
    if may_import:
        try:
            return str(getattr(importlib.import_module(module), "__version__", "unknown"))
        except Exception:
            return "unknown"
    return "unknown"


def runtime_versions(extra_runtimes=None):
    """Versions of every known runtime, plus ``extra_runtimes`` (distribution or module names)."""
    out = {}
    for name, dists, module, may_import in RUNTIMES:
        out[name] = runtime_version(dists, module, may_import)
    for extra in extra_runtimes or ():
        if extra not in out:
            out[extra] = runtime_version((extra,), extra.replace("-", "_"), False)
    return out


# ------------------------------------------------------------------------------------------------ GPU


def gpu_info(search_path=None, timeout_s=5.0):
    """``[{name, driver, memory_mib}]`` from nvidia-smi (or NVML), or None without an NVIDIA GPU."""
    out = _run(["nvidia-smi", "--query-gpu=name,driver_version,memory.total",
                "--format=csv,noheader,nounits"], search_path, timeout_s)
    if out:
        gpus = []
        for line in out.strip().splitlines():
            fields = [f.strip() for f in line.split(",")]
            if len(fields) >= 2:
                mem = fields[2] if len(fields) > 2 else ""
                gpus.append({"name": fields[0], "driver": fields[1],
                             "memory_mib": int(mem) if mem.isdigit() else None, "via": "nvidia-smi"})
        if gpus:
            return gpus
    return _gpu_from_nvml()


def _gpu_from_nvml():
    try:
        import pynvml
    except ImportError:
        return None
    try:
        pynvml.nvmlInit()
    except Exception:
        return None
    try:
        def text(v):
            return v.decode() if isinstance(v, bytes) else str(v)
        driver = text(pynvml.nvmlSystemGetDriverVersion())
        gpus = []
        for i in range(pynvml.nvmlDeviceGetCount()):
            h = pynvml.nvmlDeviceGetHandleByIndex(i)
            gpus.append({"name": text(pynvml.nvmlDeviceGetName(h)), "driver": driver,
                         "memory_mib": None, "via": "nvml"})
        return gpus or None
    except Exception:
        return None
    finally:
        try:
            pynvml.nvmlShutdown()
        except Exception:
            pass


# --------------------------------------------------------------------------------------------- Jetson


def l4t_release(root="/"):
    """``"35.4.1"`` from /etc/nv_tegra_release (``# R35 (release), REVISION: 4.1, ...``), or None."""
    text = _read(root, "etc/nv_tegra_release")
    if not text:
        return None
    m = re.search(r"R(\d+)\s*\(release\),\s*REVISION:\s*([\d.]+)", text)
    return "%s.%s" % (m.group(1), m.group(2)) if m else None


def nvpmodel_mode(root="/", search_path=None, timeout_s=5.0):
    """``{"name": "MAXN", "id": 0}`` from ``nvpmodel -q`` (or its status file), else ``"unknown"``."""
    out = _run(["nvpmodel", "-q"], search_path, timeout_s)
    if out:
        m = re.search(r"NV Power Mode:\s*(\S.*)", out)
        if m:
            ids = [l.strip() for l in out[m.end():].splitlines() if l.strip().isdigit()]
            return {"name": m.group(1).strip(), "id": int(ids[0]) if ids else None, "via": "nvpmodel -q"}
    status = _read(root, "var/lib/nvpmodel/status")  # e.g. "pmode:0000 fmode:quiet"
    if status:
        m = re.search(r"pmode:(\d+)", status)
        if m:
            return {"name": None, "id": int(m.group(1)), "via": "/var/lib/nvpmodel/status"}
    return "unknown"


def _pinned(root, pattern, low, high):
    """True if every matching frequency domain has min == max, False if one does not, None if unreadable."""
    seen = False
    for d in sorted(glob.glob(_path(root, pattern))):
        lo, hi = _read("/", os.path.join(d, low)), _read("/", os.path.join(d, high))
        if lo is None or hi is None:
            continue
        seen = True
        if lo != hi:
            return False
    return True if seen else None


def jetson_clocks_state(root="/"):
    """``("on"|"off"|"unknown", basis)``: jetson_clocks pins CPU (and GPU) minimum clocks to maximum."""
    cpu = _pinned(root, "sys/devices/system/cpu/cpu[0-9]*/cpufreq", "scaling_min_freq", "scaling_max_freq")
    gpu = None
    for pattern in ("sys/class/devfreq/17000000.*", "sys/class/devfreq/57000000.*",
                    "sys/devices/17000000.g*/devfreq/*", "sys/devices/57000000.gpu/devfreq/*"):
        gpu = _pinned(root, pattern, "min_freq", "max_freq")
        if gpu is not None:
            break
    basis = "cpufreq scaling_min_freq == scaling_max_freq on every core%s" % (
        " and GPU devfreq min_freq == max_freq" if gpu is not None else "")
    if cpu is None:
        return "unknown", "cpufreq limits not readable"
    if cpu and gpu is not False:
        return "on", basis
    return "off", basis


def is_jetson(root, board_model):
    return bool(l4t_release(root) or os.path.exists(_path(root, "etc/nv_tegra_release"))
                or (board_model and "jetson" in board_model.lower()))


def jetson_info(root="/", search_path=None, timeout_s=5.0):
    state, basis = jetson_clocks_state(root)
    return {"l4t_release": l4t_release(root) or "unknown",
            "nvpmodel": nvpmodel_mode(root, search_path, timeout_s),
            "jetson_clocks": state, "jetson_clocks_basis": basis}


# ------------------------------------------------------------------------------------------ git, all


def git_info(git_dir=None, search_path=None, timeout_s=5.0):
    """``{"commit", "dirty"}`` of the checkout holding ``git_dir``; Nones when not in a checkout."""
    where = git_dir or os.path.dirname(os.path.abspath(__file__))
    commit = _run(["git", "rev-parse", "HEAD"], search_path, timeout_s, cwd=where)
    if not commit:
        return {"commit": None, "dirty": None}
    status = _run(["git", "status", "--porcelain", "--untracked-files=no"], search_path, timeout_s, cwd=where)
    return {"commit": commit.strip(), "dirty": bool(status.strip()) if status is not None else None}


def capture_environment(root="/", search_path=None, git_dir=None, timeout_s=5.0):
    """A JSON-ready dict describing this machine; unknown fields are None (or ``"unknown"``)."""
    cpu = cpu_info(root)
    from_cpuinfo = cpu.pop("board_from_cpuinfo", None)
    board = read_board_model(root) or from_cpuinfo
    return {
        "captured_at_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "edgesr_runtime_version": __version__,
        "board_model": board,
        "cpu": cpu,
        "os": os_info(root),
        "python": python_info(),
        "runtimes": runtime_versions(),
        "gpu": gpu_info(search_path, timeout_s),
        "jetson": jetson_info(root, search_path, timeout_s) if is_jetson(root, board) else None,
        "git": git_info(git_dir, search_path, timeout_s),
    }


@functools.lru_cache(maxsize=None)
def _captured_once():
    return capture_environment()


def process_environment():
    """``capture_environment()`` of this machine, captured once per process (its subprocesses cost
    ~100 ms); a copy, so a caller may change it."""
    return copy.deepcopy(_captured_once())
