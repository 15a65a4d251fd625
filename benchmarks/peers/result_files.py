"""The measured record of a benchmark script: STEM.md (what a reader quotes) and STEM.json (every row)."""

import datetime
import os
import sys

from edgesr_runtime import files


def default_stem(script_dir, prefix):
    """``<script_dir>/results/<prefix>-<today>``."""
    return os.path.join(script_dir, "results", "%s-%s" % (prefix, datetime.date.today().isoformat()))


def command_line(script, argv):
    """The command as a reader would type it: ``python <script> <arguments>``."""
    return " ".join(["python %s" % script] + list(argv if argv is not None else sys.argv[1:]))


def load_average():
    """os.getloadavg() (1, 5, 15 min), None where the OS has none."""
    return os.getloadavg() if hasattr(os, "getloadavg") else None


def load_text(load=None):
    """``load`` (default: the load average now) as "1.0 / 1.0 / 1.0", "n/a" where the OS has none."""
    load = load if load is not None else load_average()
    return "n/a" if load is None else "%.1f / %.1f / %.1f" % load


def save(stem, markdown, data):
    """Write STEM.md and STEM.json (atomically, the folder made if needed) and print the markdown."""
    files.ensure_folder(os.path.dirname(os.path.abspath(stem)))
    files.write_text(stem + ".md", markdown)
    files.write_json(stem + ".json", data)
    print(markdown)
