"""Committed results, docs and fixture bundles name no folder of the machine they were made on.

Results (benchmark JSON, reports) and docs get shared; an absolute path such as ``/work/...``,
``/tmp/...`` or a home folder says nothing to a reader and leaks where someone's checkout lives. Say
what the path meant ("the project venv's python", "the edgesr checkout's root folder") or use a
generic example (``~/edgesr-bundles``, ``./runs``). System locations every machine has
(``/usr/local/cuda``, ``/proc``, ``/sys``, ``/etc``, ``/opt``) are fine.
"""

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# Results, docs and the committed bundles (tests and CI scripts hold hostile or chroot paths on purpose).
CHECKED = ("benchmarks", "docs", "README.md", "runtimes/README.md", "export/README.md", "tests/runtime/fixtures")
# An absolute path into a scratch, home or per-machine work folder; not "runs/tmp/" nor a URL's "/home/".
MACHINE_PATH = re.compile(r"(?<![\w.~$/-])/(?:work|tmp|home|root|Users|mnt|scratch|var/folders|private/var)/")


def tracked_files():
    """The tracked files under CHECKED (every file there when this is not a git checkout)."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z", "--", *CHECKED], cwd=str(REPO), check=True,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout
        return [REPO / name for name in listed.decode("utf-8").split("\0") if name]
    except (OSError, subprocess.CalledProcessError):
        roots = [REPO / name for name in CHECKED]
        return [p for root in roots for p in ([root] if root.is_file() else root.rglob("*")) if p.is_file()]


def machine_paths(path):
    """``file:line: text`` for each line of a text file that names a machine folder (binary files: none)."""
    data = path.read_bytes()
    if b"\0" in data:
        return []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return []
    return ["%s:%d: %s" % (path.relative_to(REPO), number, line.strip()[:160])
            for number, line in enumerate(text.splitlines(), 1) if MACHINE_PATH.search(line)]


def test_the_pattern_tells_machine_folders_from_generic_examples():
    bad = ["/work/main/.venv/bin/python", "(run in `/work/main`)", '"/tmp/bhrun/edgesr-bundles"',
           "/home/alice/edgesr", "cd /root/edgesr", "/Users/bob/x"]
    fine = ["~/edgesr-bundles", "/usr/local/cuda/bin", "runs/tmp/x", "https://example.org/home/x", "/proc/cpuinfo",
            "/var/lib/nvpmodel/status", "$HOME/edgesr", "./runs/work/x", "/opt/nvidia"]
    assert all(MACHINE_PATH.search(text) for text in bad)
    assert not any(MACHINE_PATH.search(text) for text in fine)


def test_committed_results_and_docs_name_no_machine_folder():
    files = tracked_files()
    assert any(p.suffix == ".json" for p in files) and any(p.name == "README.md" for p in files)  # it looked
    found = [entry for path in files if path.is_file() for entry in machine_paths(path)]
    assert not found, "machine paths in committed files:\n" + "\n".join(found)
