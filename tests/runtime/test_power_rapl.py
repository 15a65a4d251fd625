"""RAPL on a fixture powercap tree: package sum, counter wrap-around, unreadable and missing files."""

import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time

import pytest

import edgesr_runtime

from edgesr_runtime.errors import EdgesrError
from edgesr_runtime.power import open_meter
from edgesr_runtime.power.rapl import RaplMeter

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "fixtures", "power"))
from trees import build_tree, write_value  # noqa: E402

PKG = "sys/class/powercap/intel-rapl:0/energy_uj"
MAX = 262143328850


def test_default_zones_are_packages(tmp_path):
    root = build_tree("rapl_laptop", tmp_path)
    meter = RaplMeter(root=root)
    assert meter.source == "rapl:package-0"
    assert meter.sample_unit == "J"
    assert RaplMeter(root=root, domains=["psys"]).source == "rapl:psys"
    with pytest.raises(EdgesrError, match="dram"):
        RaplMeter(root=root, domains=["dram"])


def test_counter_wrap_between_start_and_stop(tmp_path):
    root = build_tree("rapl_laptop", tmp_path)
    write_value(root, PKG, MAX - 1000000)  # 1 J before the wrap
    meter = open_meter("rapl", root=root, interval_s=0.01)
    meter.start()
    time.sleep(0.05)
    write_value(root, PKG, 2000000)  # wrapped, then 2 J more
    time.sleep(0.05)
    r = meter.stop()
    meter.close()
    assert r.status == "ok", r.reason
    assert r.samples[0][1] == 0.0
    assert r.samples[-1][1] == pytest.approx(3.0)  # (MAX - (MAX - 1e6) + 2e6) uJ
    span = r.samples[-1][0] - r.samples[0][0]
    assert r.avg_w == pytest.approx(3.0 / span)
    # energy_j is avg_w × the meter's duration, longer than the samples' span by the stop overhead (< 5 ms of 0.1 s)
    assert r.energy_j == pytest.approx(3.0, rel=0.05)
    assert all(v2 >= v1 for (_, v1), (_, v2) in zip(r.samples, r.samples[1:]))


def test_missing_powercap_is_a_clear_error(tmp_path):
    with pytest.raises(EdgesrError, match="no RAPL zones"):
        open_meter("rapl", root=str(tmp_path))


def test_unreadable_counter_is_unavailable(tmp_path):
    root = build_tree("rapl_laptop", tmp_path)
    os.remove(os.path.join(root, PKG))
    os.mkdir(os.path.join(root, PKG))  # reading it fails with an OSError, as a broken sysfs node does
    meter = open_meter("rapl", root=root)
    meter.start()
    r = meter.stop()
    assert r.status == "unavailable" and r.avg_w is None and r.energy_j is None
    assert "cannot read" in r.reason and "energy_uj" in r.reason
    with pytest.raises(EdgesrError):
        meter.check()


_PERMISSION_PROBE = textwrap.dedent("""
    import sys
    sys.path.insert(0, %r)
    from edgesr_runtime.power import open_meter
    m = open_meter("rapl", root=%r)
    m.start()
    r = m.stop()
    print(r.status)
    print(r.reason)
""")


def _as_user(cmd):
    """Run ``cmd`` unprivileged: as is for a normal user, as ``nobody`` (uid 65534) for root."""
    drop = (lambda: os.setuid(65534)) if os.geteuid() == 0 else None
    try:
        return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, preexec_fn=drop)
    except OSError as exc:
        return subprocess.CompletedProcess(cmd, 1, "", str(exc))


def _unprivileged_python():
    for python in (sys.executable, "/usr/bin/python3", "/usr/local/bin/python3"):
        if python and _as_user([python, "-c", "pass"]).returncode == 0:
            return python
    return None


def _readable_copy_of_the_runtime():
    """A copy of edgesr_runtime in a fresh world-readable folder: the checkout itself may sit in a folder
    only its owner can enter (``mktemp -d`` makes mode 700), where ``nobody`` could not import it."""
    package = os.path.dirname(os.path.abspath(edgesr_runtime.__file__))  # the one this test imports (checkout or venv)
    folder = tempfile.mkdtemp(prefix="edgesr-runtime-copy-")
    shutil.copytree(package, os.path.join(folder, "edgesr_runtime"), ignore=shutil.ignore_patterns("__pycache__"))
    _open_to_all(folder)
    return folder


def _open_to_all(root):
    for dirpath, dirnames, filenames in os.walk(root):
        os.chmod(dirpath, 0o755)
        for f in filenames:
            os.chmod(os.path.join(dirpath, f), 0o644)


def test_permission_denied_is_unavailable_with_reason():
    """energy_uj is root-only on Linux >= 5.10; read it as an unprivileged user."""
    root = tempfile.mkdtemp(prefix="edgesr-rapl-")
    code = _readable_copy_of_the_runtime()
    try:
        build_tree("rapl_laptop", root)
        _open_to_all(root)
        os.chmod(os.path.join(root, PKG), 0o400 if os.geteuid() == 0 else 0o000)
        python = _unprivileged_python()
        if python is None:
            pytest.skip("no Python interpreter an unprivileged user can run here")
        imports = _as_user([python, "-c", "import sys; sys.path.insert(0, %r); import edgesr_runtime.power" % code])
        if imports.returncode != 0:
            last = (imports.stderr.strip().splitlines() or ["?"])[-1]
            pytest.skip("an unprivileged user cannot import edgesr_runtime from %s (%s): a folder above the temp "
                        "folder or the interpreter is closed to others" % (code, last))
        out = _as_user([python, "-c", _PERMISSION_PROBE % (code, root)])
        assert out.returncode == 0, out.stderr
        status, reason = out.stdout.splitlines()[:2]
        assert status == "unavailable"
        assert "permission denied" in reason and "root-only" in reason
    finally:
        shutil.rmtree(root)
        shutil.rmtree(code)
