"""Small helpers for reading sysfs/procfs files under an injectable root."""

import os


def under(root, rel):
    """``rel`` (written as an absolute path or not) placed under ``root``."""
    return os.path.join(root, rel.lstrip("/"))


def read_text(path):
    """The stripped text of a small file; OSError propagates."""
    with open(path, "r") as f:
        return f.read().strip()


def read_number(path):
    """A file holding one integer or float (``energy_uj``, ``curr1_input`` ...)."""
    text = read_text(path)
    try:
        return int(text)
    except ValueError:
        return float(text)
