"""tegrastats: real output lines parsed to exact rails, and the meter on a stand-in binary."""

import os
import stat
import sys
import time

import pytest

from edgesr_runtime.errors import EdgesrError
from edgesr_runtime.power import open_meter, parse_tegrastats_line
from edgesr_runtime.power.boards import board_total

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "fixtures", "power"))
from trees import HERE, tegrastats_lines  # noqa: E402


def _rails(name, index=0):
    return parse_tegrastats_line(tegrastats_lines(name)[index])


def test_old_format_agx_xavier_jp4():
    rails = _rails("tegrastats_jp4_agx_xavier.txt")
    assert list(rails.items()) == [("GPU", (463, 463)), ("CPU", (618, 618)), ("SOC", (2936, 2936)),
                                   ("CV", (0, 0)), ("VDDRQ", (309, 309)), ("SYS5V", (3306, 3306))]
    chosen, board, _ = board_total("Jetson-AGX", list(rails))
    assert board == "Jetson AGX Xavier"
    assert sum(rails[r][0] for r in chosen) == 7632


def test_old_format_tx2_current_and_average():
    rails = _rails("tegrastats_jp4_tx2.txt", 1)
    assert dict(rails) == {"VDD_IN": (1776, 1853), "VDD_CPU": (231, 231), "VDD_GPU": (154, 154),
                           "VDD_SOC": (386, 385), "VDD_WIFI": (38, 38), "VDD_DDR": (250, 288)}
    assert "RAM" not in rails and "SWAP" not in rails  # MB fields are not rails
    assert board_total("quill", list(rails))[0] == ("VDD_IN",)


def test_old_format_nano_pom_rails():
    rails = _rails("tegrastats_jp4_nano.txt")
    assert dict(rails) == {"POM_5V_IN": (3129, 3129), "POM_5V_GPU": (160, 160), "POM_5V_CPU": (922, 922)}
    assert board_total("NVIDIA Jetson Nano Developer Kit", list(rails))[0] == ("POM_5V_IN",)


def test_new_format_agx_xavier_jp5_mw():
    rails = _rails("tegrastats_jp5_agx_xavier.txt")
    assert list(rails.items()) == [("GPU", (467, 467)), ("CPU", (467, 467)), ("SOC", (1245, 1245)),
                                   ("CV", (0, 0)), ("VDDRQ", (311, 311)), ("SYS5V", (2768, 2768))]


def test_new_format_three_values_agx_orin():
    rails = _rails("tegrastats_agx_orin_3values.txt")
    assert dict(rails) == {"VDD_GPU_SOC": (4385, 3787), "VDD_CPU_CV": (1196, 897),
                           "VIN_SYS_5V0": (5552, 5274)}
    chosen, _, note = board_total("NVIDIA Jetson AGX Orin Developer Kit", list(rails))
    assert chosen == ("VDD_GPU_SOC", "VDD_CPU_CV", "VIN_SYS_5V0") and note


def test_line_without_rails():
    assert dict(parse_tegrastats_line("RAM 2462/3964MB (lfb 2x4MB) SWAP 362/1982MB (cached 6MB)")) == {}


def _fake_tegrastats(tmp_path, fixture):
    """An executable that prints a real fixture line every --interval ms, as tegrastats does."""
    script = tmp_path / "tegrastats"
    script.write_text(
        "#!%s\n"
        "import sys, time\n"
        "ms = int(sys.argv[sys.argv.index('--interval') + 1])\n"
        "lines = [l for l in open(%r) if l.strip() and not l.startswith('#')]\n"
        "while True:\n"
        "    for line in lines:\n"
        "        sys.stdout.write(line)\n"
        "        sys.stdout.flush()\n"
        "        time.sleep(ms / 1000.0)\n" % (sys.executable, os.path.join(HERE, fixture)))
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


def test_meter_counts_only_lines_inside_the_window(tmp_path):
    (tmp_path / "proc" / "device-tree").mkdir(parents=True)
    (tmp_path / "proc" / "device-tree" / "model").write_bytes(b"Jetson-AGX\x00")
    meter = open_meter("tegrastats", root=str(tmp_path), interval_s=0.01,
                       binary=_fake_tegrastats(tmp_path, "tegrastats_jp4_agx_xavier.txt"))
    try:
        time.sleep(0.3)  # lines already arrive before start(): they must not count
        t0 = time.monotonic()
        meter.start()
        time.sleep(0.2)
        r = meter.stop()
        t1 = time.monotonic()
        time.sleep(0.05)
        lines_seen = meter.lines_read
    finally:
        meter.close()
    assert r.status == "ok", r.reason
    assert r.source == "tegrastats:sum(GPU+CPU+SOC+CV+VDDRQ+SYS5V)"
    assert r.avg_w == pytest.approx(7.632)
    assert r.energy_j == pytest.approx(7.632 * r.duration_s)
    assert r.rails["SOC"] == pytest.approx(2.936)
    assert all(t0 <= t <= t1 for t, _ in r.samples)
    assert 0 < len(r.samples) < lines_seen


def test_missing_binary_is_a_clear_error(tmp_path):
    with pytest.raises(EdgesrError, match="tegrastats"):
        open_meter("tegrastats", root=str(tmp_path), binary=str(tmp_path / "tegrastats"))


def test_binary_that_exits_is_unavailable(tmp_path):
    script = tmp_path / "tegrastats"
    script.write_text("#!/bin/sh\necho 'tegrastats: permission denied' >&2\nexit 3\n")
    script.chmod(0o755)
    meter = open_meter("tegrastats", root=str(tmp_path), binary=str(script))
    try:
        time.sleep(0.2)
        meter.start()
        r = meter.stop()
    finally:
        meter.close()
    assert r.status == "unavailable" and r.avg_w is None
    assert "exited with code 3" in r.reason and "permission denied" in r.reason
