"""Keep converter noise (C++ logs, progress bars, deprecation warnings) out of the terminal.

Converters write to file descriptors 1 and 2 directly, so Python-level redirection is not enough:
``quiet()`` points both descriptors at a temp file for the duration of a step. When the step
fails, the exception gains the log's last lines (``err.converter_log``) for the error report.
"""

import contextlib
import os
import sys
import tempfile
import warnings

LOG_TAIL = 20


def _tail(handle, lines=LOG_TAIL):
    handle.flush()
    handle.seek(0)
    text = handle.read().decode("utf-8", "replace")
    return "\n".join(text.strip().splitlines()[-lines:])


@contextlib.contextmanager
def quiet():
    """Silence fds 1/2 and Python warnings inside the block; attach the captured tail to an exception."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = (os.dup(1), os.dup(2))
    try:
        with tempfile.TemporaryFile() as log, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            os.dup2(log.fileno(), 1)
            os.dup2(log.fileno(), 2)
            try:
                yield
            except Exception as err:
                _restore(saved)
                err.converter_log = _tail(log)
                raise
            finally:
                _restore(saved)
    finally:
        for fd in saved:
            os.close(fd)


def _restore(saved):
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(saved[0], 1)
    os.dup2(saved[1], 2)
