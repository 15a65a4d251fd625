"""Window integration, PowerResult, the none meter, idle baselines and meter selection."""

import json

import pytest

from edgesr_runtime.errors import EdgesrError
from edgesr_runtime.power import PowerResult, available_meters, measure_idle, open_meter, summarize
from edgesr_runtime.power.base import UNIT_JOULES


def test_trapezoid_average_and_energy_by_hand():
    # 10 W for 1 s, ramp to 20 W over 1 s, 20 W for 2 s: area = 10 + 15 + 40 = 65 J over 4 s
    samples = [(0.0, 10.0), (1.0, 10.0), (2.0, 20.0), (4.0, 20.0)]
    r = summarize("test", samples, 0.0, 4.0)
    assert r.status == "ok" and r.reason is None
    assert r.avg_w == pytest.approx(65.0 / 4.0)
    assert r.energy_j == pytest.approx(65.0)
    assert r.duration_s == pytest.approx(4.0)
    assert r.sample_unit == "W"


def test_window_rule_excludes_samples_outside_start_stop():
    # A 100 W spike before start and after stop must not count (MLPerf power rule).
    samples = [(0.0, 100.0), (0.9, 100.0), (1.0, 4.0), (2.0, 6.0), (3.0, 4.0), (3.1, 100.0)]
    r = summarize("test", samples, 1.0, 3.0)
    # inside: (1,4) (2,6) (3,4): area = 5 + 5 = 10 J over 2 s
    assert r.avg_w == pytest.approx(5.0)
    assert r.energy_j == pytest.approx(10.0)
    assert [t for t, _ in r.samples] == [1.0, 2.0, 3.0]


def test_window_without_samples_is_unavailable_not_zero():
    r = summarize("test", [(0.0, 5.0), (9.0, 5.0)], 1.0, 2.0)
    assert r.status == "unavailable"
    assert r.avg_w is None and r.energy_j is None
    assert "no samples inside" in r.reason


def test_energy_counter_is_differenced():
    # cumulative J: 0 -> 30 J over 3 s of samples in a 3 s window
    samples = [(10.0, 0.0), (11.0, 9.0), (13.0, 30.0)]
    r = summarize("test", samples, 10.0, 13.0, unit=UNIT_JOULES)
    assert r.avg_w == pytest.approx(10.0)
    assert r.energy_j == pytest.approx(30.0)
    assert r.sample_unit == "J"
    one = summarize("test", samples[:1], 10.0, 13.0, unit=UNIT_JOULES)
    assert one.status == "unavailable" and one.avg_w is None


def test_per_rail_averages():
    samples = [(0.0, 3.0, {"A": 1.0, "B": 2.0}), (2.0, 5.0, {"A": 3.0, "B": 2.0})]
    r = summarize("test", samples, 0.0, 2.0)
    assert r.rails == {"A": pytest.approx(2.0), "B": pytest.approx(2.0)}
    assert r.avg_w == pytest.approx(4.0)


def test_result_to_dict_is_json_ready():
    r = summarize("rapl:package-0", [(0.0, 1.0), (1.0, 3.0)], 0.0, 1.0)
    d = json.loads(json.dumps(r.to_dict()))
    assert d["source"] == "rapl:package-0" and d["status"] == "ok"
    assert d["samples"] == [[0.0, 1.0], [1.0, 3.0]] and d["n_samples"] == 2
    assert d["avg_w"] == pytest.approx(2.0)
    u = PowerResult.unavailable("none", "why").to_dict()
    assert u["avg_w"] is None and u["energy_j"] is None and u["reason"] == "why"


def test_none_meter_never_reports_zero():
    meter = open_meter("none")
    meter.start()
    r = meter.stop()
    meter.close()
    assert r.source == "none"
    assert r.status == "unavailable"
    assert r.avg_w is None and r.energy_j is None
    assert r.reason and "\n" not in r.reason
    assert r.duration_s is not None and r.duration_s >= 0


def test_measure_idle_labels_the_baseline():
    r = measure_idle(open_meter("none"), 0.01)
    assert r.detail["role"] == "idle" and r.avg_w is None


def test_stop_before_start_and_double_start_are_errors():
    meter = open_meter("none")
    with pytest.raises(EdgesrError):
        meter.stop()
    meter.start()
    with pytest.raises(EdgesrError):
        meter.start()


def test_auto_falls_back_to_none_with_reasons(tmp_path):
    meter = open_meter("auto", root=str(tmp_path), binary=str(tmp_path / "no-tegrastats"),
                       nvml=_NoDriver())
    meter.start()
    r = meter.stop()
    assert r.source == "none" and r.avg_w is None
    for name in ("ina3221", "tegrastats", "nvml", "rapl"):
        assert name in r.reason


def test_unknown_spec_and_option_are_clear_errors():
    with pytest.raises(EdgesrError, match="unknown power meter 'watts'"):
        open_meter("watts")
    with pytest.raises(EdgesrError, match="unknown power meter option"):
        open_meter("none", frequency=3)


def test_available_meters_lists_every_meter(tmp_path):
    found = available_meters(root=str(tmp_path), binary=str(tmp_path / "none"), nvml=_NoDriver())
    names = [n for n, _, _ in found]
    assert names == ["ina3221", "tegrastats", "nvml", "rapl", "external", "none"]
    assert all(isinstance(ok, bool) and reason for _, ok, reason in found)
    assert dict((n, ok) for n, ok, _ in found)["none"] is True


class _NoDriver(object):
    """Stands in for the pynvml module on a machine without the NVIDIA driver."""

    def nvmlInit(self):
        raise RuntimeError("NVML Shared Library Not Found")
