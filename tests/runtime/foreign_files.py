"""Files that are not ours, or places we cannot write, for the tests that check we never modify them and
fail clearly (host and device tests share it)."""

import os
import shlex
import shutil
import sqlite3
import subprocess

import pytest


def foreign_database(path):
    """Another program's SQLite database at ``path`` (one table, one row); returns the path."""
    db = sqlite3.connect(str(path))
    db.execute("CREATE TABLE users (name TEXT)")
    db.execute("INSERT INTO users VALUES ('ada')")
    db.commit()
    db.close()
    return path


def run_with_read_only_folder(folder, command, env=None):
    """Run ``command`` (argv) while ``folder`` cannot be written: a read-only bind mount in a private mount
    namespace as root (a real read-only file system), else a folder without write permission (as a user).
    Skips when neither can be made here."""
    if os.geteuid() == 0:
        if not shutil.which("unshare"):
            pytest.skip("root without unshare(1): cannot make a read-only folder here")
        mount = "mount --bind {0} {0} && mount -o remount,bind,ro {0} && exec \"$@\"".format(shlex.quote(str(folder)))
        probe = subprocess.run(["unshare", "-m", "sh", "-c", mount, "sh", "true"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, universal_newlines=True)
        if probe.returncode != 0:
            pytest.skip("no private read-only mount here: %s" % probe.stderr.strip()[-200:])
        command = ["unshare", "-m", "sh", "-c", mount, "sh"] + list(command)
    else:
        os.chmod(str(folder), 0o555)
    try:
        return subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, timeout=300)
    finally:
        os.chmod(str(folder), 0o755)
