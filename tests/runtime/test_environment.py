"""capture_environment() on fixture roots (Jetson AGX Xavier, Raspberry Pi 400, x86) and stand-in tools."""

import json
import os
import platform
import subprocess
import sys

import numpy
import pytest

from edgesr_runtime import __version__
from edgesr_runtime.environment import (capture_environment, cpu_info, git_info, jetson_clocks_state,
                                        l4t_release, nvpmodel_mode, runtime_versions)

XAVIER_CPU = """processor\t: {n}
model name\t: ARMv8 Processor rev 0 (v8l)
BogoMIPS\t: 62.50
Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm dcpop
CPU implementer\t: 0x4e
CPU architecture: 8
CPU variant\t: 0x0
CPU part\t: 0x004
CPU revision\t: 0
MTS version\t: 55637613
"""

PI400_CPU = """processor\t: {n}
BogoMIPS\t: 108.00
Features\t: fp asimd evtstrm crc32 cpuid
CPU implementer\t: 0x41
CPU architecture: 8
CPU variant\t: 0x0
CPU part\t: 0xd08
CPU revision\t: 3
"""
PI400_TAIL = """Hardware\t: BCM2835
Revision\t: c03130
Serial\t\t: 100000002a5b3c4d
Model\t\t: Raspberry Pi 400 Rev 1.0
"""

X86_CPU = """processor\t: {n}
vendor_id\t: GenuineIntel
cpu family\t: 6
model\t\t: 140
model name\t: 11th Gen Intel(R) Core(TM) i7-1165G7 @ 2.80GHz
physical id\t: 0
core id\t\t: {core}
cpu cores\t: 4
"""

NV_TEGRA_RELEASE = ("# R35 (release), REVISION: 4.1, GCID: 33958178, BOARD: t186ref, EABI: aarch64, "
                    "DATE: Tue Aug  1 19:57:35 UTC 2023\n")


def _write(root, rel, text):
    path = os.path.join(str(root), rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(text.encode() if isinstance(text, str) else text)


def _xavier(root, pinned=False):
    _write(root, "proc/cpuinfo", "\n".join(XAVIER_CPU.format(n=n) for n in range(8)))
    _write(root, "proc/device-tree/model", b"Jetson-AGX\x00")
    _write(root, "etc/nv_tegra_release", NV_TEGRA_RELEASE)
    _write(root, "etc/os-release", 'NAME="Ubuntu"\nPRETTY_NAME="Ubuntu 20.04.6 LTS"\nID=ubuntu\n')
    for n in range(8):
        d = "sys/devices/system/cpu/cpu%d/cpufreq/" % n
        _write(root, d + "scaling_governor", "schedutil\n")
        _write(root, d + "cpuinfo_max_freq", "2265600\n")
        _write(root, d + "scaling_max_freq", "2265600\n")
        _write(root, d + "scaling_min_freq", "2265600\n" if pinned else "1190400\n")
    gpu = "sys/devices/17000000.gv11b/devfreq/17000000.gv11b/"
    _write(root, gpu + "max_freq", "1377000000\n")
    _write(root, gpu + "min_freq", "1377000000\n" if pinned else "114750000\n")
    return str(root)


def _tool(bindir, name, output, code=0):
    """A stand-in executable that prints ``output`` (what the real tool prints on a Jetson)."""
    os.makedirs(str(bindir), exist_ok=True)
    path = os.path.join(str(bindir), name)
    with open(path, "w") as f:
        f.write("#!/bin/sh\ncat <<'EOF'\n%sEOF\nexit %d\n" % (output, code))
    os.chmod(path, 0o755)
    return str(bindir)


def test_jetson_agx_xavier(tmp_path):
    root = _xavier(tmp_path / "root")
    bindir = _tool(tmp_path / "bin", "nvpmodel", "NV Fan Mode:quiet\nNV Power Mode: MAXN\n0\n")
    env = capture_environment(root=root, search_path=bindir, git_dir=str(tmp_path))
    assert env["board_model"] == "Jetson-AGX"
    assert env["cpu"]["model"] == "NVIDIA Carmel"
    assert env["cpu"]["cores_logical"] == 8 and env["cpu"]["cores_physical"] == 8
    assert env["cpu"]["governor"] == "schedutil"
    assert env["cpu"]["max_mhz"] == 2265
    assert env["os"]["pretty_name"] == "Ubuntu 20.04.6 LTS"
    assert env["jetson"]["l4t_release"] == "35.4.1"
    assert env["jetson"]["nvpmodel"] == {"name": "MAXN", "id": 0, "via": "nvpmodel -q"}
    assert env["jetson"]["jetson_clocks"] == "off"
    assert env["gpu"] is None  # no nvidia-smi on JetPack 5
    assert env["git"] == {"commit": None, "dirty": None}  # no git on search_path: silent
    assert env["edgesr_runtime_version"] == __version__
    json.dumps(env)


def test_jetson_clocks_on_when_minimum_is_pinned(tmp_path):
    root = _xavier(tmp_path, pinned=True)
    state, basis = jetson_clocks_state(root)
    assert state == "on" and "GPU devfreq" in basis


def test_nvpmodel_missing_is_unknown_or_status_file(tmp_path):
    root = _xavier(tmp_path / "root")
    empty = str(tmp_path / "nobin")
    os.makedirs(empty)
    assert nvpmodel_mode(root, search_path=empty) == "unknown"
    _write(root, "var/lib/nvpmodel/status", "pmode:0002 fmode:quiet\n")
    assert nvpmodel_mode(root, search_path=empty)["id"] == 2
    env = capture_environment(root=root, search_path=empty)
    assert env["jetson"]["nvpmodel"]["id"] == 2


def test_l4t_release_formats(tmp_path):
    assert l4t_release(str(tmp_path)) is None
    _write(tmp_path, "etc/nv_tegra_release", "# R32 (release), REVISION: 7.4, GCID: 33514132, BOARD: t186ref\n")
    assert l4t_release(str(tmp_path)) == "32.7.4"


def test_raspberry_pi_400(tmp_path):
    _write(tmp_path, "proc/cpuinfo", "\n".join(PI400_CPU.format(n=n) for n in range(4)) + "\n" + PI400_TAIL)
    _write(tmp_path, "sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", "ondemand\n")
    _write(tmp_path, "etc/os-release", 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n')
    env = capture_environment(root=str(tmp_path), search_path=str(tmp_path))
    assert env["cpu"]["model"] == "Cortex-A72"
    assert env["cpu"]["cores_logical"] == 4
    assert env["board_model"] == "Raspberry Pi 400 Rev 1.0"
    assert env["cpu"]["governor"] == "ondemand"
    assert env["jetson"] is None


def test_x86_physical_cores_and_nvidia_smi(tmp_path):
    _write(tmp_path, "proc/cpuinfo", "\n".join(X86_CPU.format(n=n, core=n % 4) for n in range(8)))
    bindir = _tool(tmp_path / "bin", "nvidia-smi", "NVIDIA GeForce RTX 3050 Laptop GPU, 550.54.14, 4096\n")
    cpu = cpu_info(str(tmp_path))
    assert cpu["model"] == "11th Gen Intel(R) Core(TM) i7-1165G7 @ 2.80GHz"
    assert cpu["cores_logical"] == 8 and cpu["cores_physical"] == 4
    env = capture_environment(root=str(tmp_path), search_path=bindir)
    assert env["gpu"] == [{"name": "NVIDIA GeForce RTX 3050 Laptop GPU", "driver": "550.54.14",
                           "memory_mib": 4096, "via": "nvidia-smi"}]
    assert env["board_model"] is None


def test_empty_root_gives_nones_not_errors(tmp_path):
    env = capture_environment(root=str(tmp_path), search_path=str(tmp_path))
    assert env["board_model"] is None and env["jetson"] is None and env["gpu"] is None
    assert env["os"]["pretty_name"] is None and env["cpu"]["governor"] is None
    assert env["python"]["version"] == "%d.%d.%d" % sys.version_info[:3]


def test_the_python_block_names_no_path():
    python = capture_environment()["python"]
    assert python == {"version": "%d.%d.%d" % sys.version_info[:3], "implementation": platform.python_implementation(),
                      "venv": sys.prefix != sys.base_prefix}
    assert os.sep not in json.dumps(python)  # shared results carry no interpreter path


def test_runtime_versions_use_metadata_without_importing():
    torch_loaded = "torch" in sys.modules
    versions = runtime_versions(extra_runtimes=["definitely-not-installed-runtime"])
    assert versions["numpy"] == numpy.__version__
    assert versions["definitely-not-installed-runtime"] is None
    for name in ("onnxruntime", "ai_edge_litert", "tflite_runtime", "tensorrt", "pycuda", "cuda-python",
                 "torch"):
        assert name in versions
    if not torch_loaded:
        assert "torch" not in sys.modules


def test_git_commit_of_a_checkout(tmp_path):
    assert git_info(str(tmp_path)) == {"commit": None, "dirty": None}
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"]
    try:
        subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
        (tmp_path / "a.txt").write_text("a")
        subprocess.run(git + ["-C", str(tmp_path), "add", "a.txt"], check=True)
        subprocess.run(git + ["-C", str(tmp_path), "commit", "-qm", "x"], check=True)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("git is not usable here")
    info = git_info(str(tmp_path))
    assert len(info["commit"]) == 40 and info["dirty"] is False
    (tmp_path / "a.txt").write_text("b")
    assert git_info(str(tmp_path))["dirty"] is True
