"""Atomic file writes: a temp file beside the target, renamed into place, so no reader ever sees half a file.

Write failures (disk full, read-only file system, no permission, a path through a file) become one
EdgesrError line that names the path and the fix; the temp file is removed and the target is left
as it was.
"""

import contextlib
import errno
import json
import os
import tempfile

from .errors import EdgesrError

_FIXES = {
    errno.ENOSPC: ("the disk is full", "free some space or write somewhere else"),
    errno.EDQUOT: ("the disk quota is exhausted", "free some space or write somewhere else"),
    errno.EROFS: ("the file system is read-only", "choose a writable output path"),
    errno.EACCES: ("permission denied", "choose a folder you can write to"),
    errno.EPERM: ("permission denied", "choose a folder you can write to"),
    errno.EISDIR: ("a folder is in the way", "choose another output path"),
    errno.ENOTDIR: ("a file is in the way of the folder path", "choose another output path"),
    errno.EEXIST: ("a file is in the way of the folder path", "choose another output path"),
}


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


FILE_MODE = 0o666 & ~_umask()  # what open() would give a new file (mkstemp alone gives 0600)
FOLDER_MODE = 0o777 & ~_umask()  # what mkdir would give a new folder (mkdtemp alone gives 0700)


# Failures that will hit every later write to the same place too (atomic writes create their temp file
# in the target's folder, so a permission error is the folder's): a batch stops at the first one.
DESTINATION_ERRNOS = frozenset((errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM))


class WriteError(EdgesrError):
    """An EdgesrError for a failed write; ``errno`` tells a batch whether to go on."""

    def __init__(self, problem, fix, errno_code):
        super().__init__(problem, fix)
        self.errno = errno_code

    @property
    def stops_batch(self):
        """True when the destination itself is unusable (disk full, read-only), not just this one file."""
        return self.errno in DESTINATION_ERRNOS


def write_error(path, err):
    """The EdgesrError (a WriteError) for an OSError met while writing ``path``."""
    problem, fix = _FIXES.get(err.errno, (err.strerror or str(err), "check the output path"))
    return WriteError("cannot write %s: %s" % (path, problem), fix, err.errno)


def ensure_folder(folder):
    """``mkdir -p folder``; a clear EdgesrError when it cannot be made."""
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as err:
        raise write_error(folder, err) from None


@contextlib.contextmanager
def atomic_open(path, mode="w", **open_kwargs):
    """``with atomic_open(path, "wb") as handle:`` — ``path`` appears complete on success, untouched on failure."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".%s." % os.path.basename(path), suffix=".tmp")
    except OSError as err:
        raise write_error(path, err) from None
    try:
        with os.fdopen(fd, mode, **open_kwargs) as handle:
            yield handle
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except OSError as err:
        raise write_error(path, err) from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_bytes(path, data):
    with atomic_open(path, "wb") as handle:
        handle.write(data)


def write_text(path, text):
    with atomic_open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def write_json(path, data):
    """Indented JSON (NaN refused), atomically."""
    with atomic_open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1, sort_keys=False, allow_nan=False)
        handle.write("\n")
