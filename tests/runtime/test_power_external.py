"""External USB-meter CSV log: trapezoid average over the wall-clock window, clear failures."""

import pytest

from edgesr_runtime.errors import EdgesrError
from edgesr_runtime.power import open_meter
from edgesr_runtime.power.external import read_power_csv

LOG = """timestamp,watts
1700000000.0,9.0
1700000001.0,3.0
1700000002.0,4.0
1700000003.0,6.0
1700000004.0,6.0
1700000005.0,9.0
"""


class StepClock(object):
    """A clock that returns the given readings one after another (what start/stop saw)."""

    def __init__(self, *readings):
        self.readings = list(readings)

    def __call__(self):
        return self.readings.pop(0)


def _measure(tmp_path, wall_start, wall_stop, between=lambda log: None):
    """The meter's reading over [wall_start, wall_stop] of the recorded LOG; ``between(log)`` runs after start."""
    log = tmp_path / "usb-meter.csv"
    log.write_text(LOG)
    meter = open_meter("external:%s" % log, wall_clock=StepClock(wall_start, wall_stop), clock=StepClock(500.0))
    meter.start()
    between(log)
    return meter.stop()


def test_window_average_by_hand(tmp_path):
    r = _measure(tmp_path, 1700000001.0, 1700000004.0)
    # inside [1, 4]: 3, 4, 6, 6 W at 1 s steps: area = 3.5 + 5 + 6 = 14.5 J over 3 s
    assert r.status == "ok", r.reason
    assert r.avg_w == pytest.approx(14.5 / 3.0)
    assert r.energy_j == pytest.approx(14.5)
    assert r.duration_s == pytest.approx(3.0)
    assert [w for _, w in r.samples] == [3.0, 4.0, 6.0, 6.0]  # the 9 W edges are outside
    assert r.samples[0][0] == pytest.approx(500.0)  # stored on the monotonic axis
    assert r.source == "external:usb-meter.csv"


def test_header_comments_and_partial_last_line(tmp_path):
    log = tmp_path / "m.csv"
    log.write_text("# UM25C export\n" + LOG + "1700000006.0,")
    rows, skipped = read_power_csv(str(log))
    assert len(rows) == 6 and skipped == 2


def test_missing_log_is_a_clear_error(tmp_path):
    with pytest.raises(EdgesrError, match="does not exist"):
        open_meter("external:%s" % (tmp_path / "nope.csv"))


def test_no_samples_in_window_is_unavailable(tmp_path):
    r = _measure(tmp_path, 1800000000.0, 1800000010.0)
    assert r.status == "unavailable" and r.avg_w is None
    assert "no samples" in r.reason and "1700000000.000..1700000005.000" in r.reason


def test_log_removed_before_stop_is_unavailable(tmp_path):
    r = _measure(tmp_path, 1700000001.0, 1700000004.0, between=lambda log: log.unlink())
    assert r.status == "unavailable" and "cannot read" in r.reason
