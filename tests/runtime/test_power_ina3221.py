"""INA3221 meter on fixture sysfs trees of a Jetson AGX Xavier (JetPack 5 hwmon, JetPack 4 iio)."""

import os
import sys
import time

import pytest

from edgesr_runtime.errors import EdgesrError
from edgesr_runtime.power import open_meter
from edgesr_runtime.power.boards import board_total
from edgesr_runtime.power.ina3221 import Ina3221Meter, discover_rails

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "fixtures", "power"))
from trees import build_tree, write_value  # noqa: E402

HWMON_40 = "sys/bus/i2c/drivers/ina3221/1-0040/hwmon/hwmon2"
XAVIER_TOTAL = ("GPU", "CPU", "SOC", "CV", "VDDRQ", "SYS5V")


def test_hwmon_jp5_rails_and_board_total(tmp_path):
    root = build_tree("jp5_agx_xavier_hwmon", tmp_path)
    rails = discover_rails(root)
    assert [r.name for r in rails] == list(XAVIER_TOTAL)  # in7 "sum of shunt voltages" skipped
    meter = Ina3221Meter(root=root)
    total, parts = meter.read()
    # mV * mA / 1e6 = W
    assert parts["GPU"] == pytest.approx(19120 * 24 / 1e6)
    assert parts["SYS5V"] == pytest.approx(4984 * 555 / 1e6)
    # 458.88 + 458.88 + 1242.8 + 0 + 305.92 + 2766.12 mW
    assert total == pytest.approx(5.2326)
    assert meter.source == "ina3221:sum(GPU+CPU+SOC+CV+VDDRQ+SYS5V)"
    assert meter.detail()["board"] == "Jetson AGX Xavier"
    assert meter.detail()["board_model"] == "Jetson-AGX"


def test_iio_jp4_reads_power_files(tmp_path):
    root = build_tree("jp4_agx_xavier_iio", tmp_path)
    meter = Ina3221Meter(root=root)
    total, parts = meter.read()
    assert parts == {"GPU": 0.463, "CPU": 0.618, "SOC": 2.936, "CV": 0.0, "VDDRQ": 0.309, "SYS5V": 3.306}
    assert total == pytest.approx(7.632)
    assert meter.detail()["layout"] == "iio"


def test_polled_window_sees_a_change_written_while_sampling(tmp_path):
    root = build_tree("jp5_agx_xavier_hwmon", tmp_path)
    meter = open_meter("ina3221", root=root, interval_s=0.01)
    low = 5.2326
    high = low + 19120 * (524 - 24) / 1e6  # GPU current 24 mA -> 524 mA adds 9.56 W
    t0 = time.monotonic()
    meter.start()
    time.sleep(0.15)
    write_value(root, HWMON_40 + "/curr1_input", 524)
    time.sleep(0.15)
    r = meter.stop()
    t1 = time.monotonic()
    meter.close()
    assert r.status == "ok", r.reason
    values = [v for _, v in r.samples]
    assert values[0] == pytest.approx(low) and values[-1] == pytest.approx(high)
    assert low < r.avg_w < high
    assert r.energy_j == pytest.approx(r.avg_w * r.duration_s)
    assert all(t0 <= t <= t1 for t, _ in r.samples)
    assert len(r.samples) >= 5
    assert r.rails["CPU"] == pytest.approx(0.45888)


def test_sensor_vanishing_mid_window_is_unavailable(tmp_path):
    root = build_tree("jp5_agx_xavier_hwmon", tmp_path)
    meter = Ina3221Meter(root=root, interval_s=0.01)
    meter.start()
    os.remove(os.path.join(root, HWMON_40, "curr3_input"))
    time.sleep(0.05)
    r = meter.stop()
    assert r.status == "unavailable" and r.avg_w is None
    assert "curr3_input" in r.reason


def test_absent_sensor_is_unavailable_with_its_reason_like_nvml(tmp_path):
    meter = open_meter("ina3221", root=str(tmp_path))
    with pytest.raises(EdgesrError) as err:
        meter.check()  # what `auto` and `power` listings use: the reason, as one line
    msg = str(err.value)
    assert "no INA3221 sensor found under" in msg and "ina3221*" in msg and "use --power none" in msg
    meter.start()
    result = meter.stop()  # an explicit --power ina3221 run goes on without power, saying why
    assert result.status == "unavailable" and result.avg_w is None and result.source == "ina3221"
    assert "no INA3221 sensor found" in result.reason


def test_auto_prefers_ina3221(tmp_path):
    root = build_tree("jp5_agx_xavier_hwmon", tmp_path)
    meter = open_meter("auto", root=root)
    assert meter.name == "ina3221"
    meter.close()


def test_user_chosen_rails(tmp_path):
    root = build_tree("jp4_agx_xavier_iio", tmp_path)
    meter = Ina3221Meter(root=root, rails=["GPU"])
    assert meter.read()[0] == pytest.approx(0.463)
    with pytest.raises(EdgesrError, match="VDD_IN"):
        Ina3221Meter(root=root, rails=["VDD_IN"])


@pytest.mark.parametrize("model, rails, expected", [
    ("NVIDIA Jetson Nano Developer Kit", ["POM_5V_IN", "POM_5V_GPU", "POM_5V_CPU"], ("POM_5V_IN",)),
    ("NVIDIA Jetson Xavier NX Developer Kit", ["VDD_IN", "VDD_CPU_GPU_CV", "VDD_SOC"], ("VDD_IN",)),
    ("NVIDIA Jetson Orin Nano Developer Kit", ["VDD_IN", "VDD_CPU_GPU_CV", "VDD_SOC"], ("VDD_IN",)),
    ("Jetson-AGX", list(XAVIER_TOTAL), XAVIER_TOTAL),
    ("quill", ["VDD_SYS_GPU", "VDD_SYS_SOC", "VDD_4V0_WIFI", "VDD_IN", "VDD_SYS_CPU", "VDD_SYS_DDR"],
     ("VDD_IN",)),
])
def test_board_total_table(model, rails, expected):
    chosen, board, note = board_total(model, rails)
    assert chosen == expected and board is not None and note is None


def test_board_total_fallbacks_are_explained():
    chosen, _, note = board_total("NVIDIA Jetson AGX Orin Developer Kit",
                                  ["VDD_GPU_SOC", "VDD_CPU_CV", "VIN_SYS_5V0"])
    assert chosen == ("VDD_GPU_SOC", "VDD_CPU_CV", "VIN_SYS_5V0") and "VDD_IN" in note
    chosen, board, note = board_total("Some Carrier", ["A", "VDD_IN"])
    assert chosen == ("VDD_IN",) and board is None and "not in the table" in note
    chosen, _, note = board_total(None, ["A", "B"])
    assert chosen == ("A", "B") and "sum of all rails" in note
