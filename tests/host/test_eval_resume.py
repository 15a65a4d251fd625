"""A SIGKILLed ``edgesr eval`` resumes: the rerun evaluates only what is missing, each result stored once."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

MODELS = ["Bicubic_s2", "eSR-MAX_s2_K7_C16", "eSR-TM_s3_K5_C9", "ESPCN_s4_D16_S12", "FSRCNN_s2_D32_S6_M4",
          "eSR-CNN_s2_C4_D5_S6"]
DATASETS = ["Set5", "Set14"]


def eval_command(db):
    return [sys.executable, "-m", "edgesr", "eval", "--models", ",".join(MODELS), "--datasets", ",".join(DATASETS),
            "--store", db, "--workers", "2", "--no-progress"]


def stored_keys(db):
    """(model, dataset) of every quality row; [] while the store does not exist yet."""
    if not os.path.exists(db):
        return []
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return conn.execute("SELECT model, dataset FROM results WHERE kind='quality'").fetchall()
    except sqlite3.OperationalError:  # the table is being created
        return []


def group_members(pgid):
    """Pids of live processes in process group ``pgid`` (Linux /proc; [] elsewhere)."""
    pids = []
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":  # fields: state, ppid, pgrp, ...
                pids.append(int(entry))
    return pids


def test_sigkill_midway_then_rerun_completes_without_duplicates(tmp_path):
    db = str(tmp_path / "resume.db")
    total = len(MODELS) * len(DATASETS)
    # Own process group, so the test can tell whether the pool workers outlive their killed parent.
    proc = subprocess.Popen(eval_command(db), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not stored_keys(db) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)  # the CLI process only, as `kill -9 PID` would
    finally:
        _, err = proc.communicate()
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be killed: %s" % err.decode()
    deadline = time.monotonic() + 15
    while group_members(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    leftovers = group_members(proc.pid)
    for pid in leftovers:
        os.kill(pid, signal.SIGKILL)
    assert not leftovers, "pool workers outlived the killed CLI"
    done_at_kill = len(stored_keys(db))
    assert 1 <= done_at_kill < total

    rerun = subprocess.run(eval_command(db), capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert "%d of %d (model, dataset) results to evaluate, %d already in" % (
        total - done_at_kill, total, done_at_kill) in rerun.stderr

    keys = stored_keys(db)
    assert len(keys) == len(set(keys)) == total
    assert set(keys) == {(m, d) for m in MODELS for d in DATASETS}
