"""Jetson ``tegrastats`` output: a line parser and a meter that runs ``tegrastats --interval N``.

Power fields in a tegrastats line, all in mW, current value first:

- JetPack 4: ``GPU 463/463 CPU 618/618 ... POM_5V_IN 3146/3146`` (no unit: current/average)
- JetPack 5: ``VDD_GPU_SOC 5139mW/5139mW VDD_CPU_CV 1567mW/1567mW`` (current/average)
- later releases may add a third value (current/average/peak).

Fields like ``RAM 14700/15692MB`` carry a unit other than mW and are not rails.
"""

import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections import OrderedDict

from ..errors import EdgesrError
from .base import WindowedMeter
from .boards import board_total, read_board_model, total_label

_RAIL = re.compile(r"(?:^|\s)([A-Za-z][A-Za-z0-9_]*) (\d+)(mW)?/(\d+)(?:mW)?(?:/(\d+)(?:mW)?)?(?=\s|$)")


def parse_tegrastats_line(line):
    """``{rail: (current_mw, average_mw)}`` for every power rail in one tegrastats line, in order."""
    rails = OrderedDict()
    for m in _RAIL.finditer(line):
        rails[m.group(1)] = (int(m.group(2)), int(m.group(4)))
    return rails


class TegrastatsMeter(WindowedMeter):
    """Board power from a ``tegrastats`` subprocess started when the meter opens.

    A reader thread stamps each line with ``time.monotonic()`` on arrival; lines arriving between
    start() and stop() count. Windows shorter than the interval may hold no line at all.
    """

    name = "tegrastats"

    def __init__(self, root="/", interval_s=0.1, binary=None, model=None, clock=time.monotonic):
        super(TegrastatsMeter, self).__init__(clock)
        self.interval_ms = max(1, int(round(float(interval_s) * 1000)))
        self.binary = binary or shutil.which("tegrastats") or _first_existing(
            ("/usr/bin/tegrastats", "/usr/sbin/tegrastats"))
        if not self.binary:
            raise EdgesrError("tegrastats: the tegrastats binary was not found on PATH or in /usr/bin",
                              "run on a Jetson (JetPack ships tegrastats), or use --power none")
        if not (os.path.isfile(self.binary) and os.access(self.binary, os.X_OK)):
            raise EdgesrError("tegrastats: %s is not an executable file" % self.binary,
                              "pass the path of tegrastats, or use --power none")
        self.model = model if model is not None else read_board_model(root)
        self.total_rails, self.board, self.note = None, None, None
        self._lock = threading.Lock()
        self._armed = False
        self.lines_read = 0
        self._empty_lines = 0
        argv = [self.binary, "--interval", str(self.interval_ms)]
        stdbuf = shutil.which("stdbuf")
        if stdbuf:
            argv = [stdbuf, "-oL"] + argv
        self._stderr = tempfile.TemporaryFile(mode="w+")  # a file, so chatter can never block it
        try:
            self._proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self._stderr,
                                          universal_newlines=True, bufsize=1)
        except OSError as exc:
            raise EdgesrError("tegrastats: could not run %s: %s" % (self.binary, exc),
                              "check the binary, or use --power none")
        self._reader = threading.Thread(target=self._read_lines, name="edgesr-power-tegrastats")
        self._reader.daemon = True
        self._reader.start()

    @property
    def source(self):
        if self.total_rails:
            return "tegrastats:%s" % total_label(self.total_rails)
        return "tegrastats"

    def detail(self):
        return {"board_model": self.model, "board": self.board,
                "total_rails": list(self.total_rails) if self.total_rails else None,
                "note": self.note, "interval_s": self.interval_ms / 1000.0, "binary": self.binary}

    def _read_lines(self):
        for line in iter(self._proc.stdout.readline, ""):
            t = self._clock()
            rails = parse_tegrastats_line(line)
            with self._lock:
                self.lines_read += 1
                if not rails:
                    self._empty_lines += 1
                    continue
                if self.total_rails is None:
                    self.total_rails, self.board, self.note = board_total(self.model, list(rails))
                if not self._armed:
                    continue
                parts = dict((name, cur / 1000.0) for name, (cur, _avg) in rails.items())
                if all(r in parts for r in self.total_rails):
                    self._samples.append((t, sum(parts[r] for r in self.total_rails), parts))

    def check(self):
        """Fail unless the process is running (a first line is not waited for)."""
        super(TegrastatsMeter, self).check()
        if self._proc.poll() is not None:
            raise EdgesrError(self._exit_reason())

    def _exit_reason(self):
        err = ""
        try:
            self._stderr.seek(0)
            err = self._stderr.read()
        except (OSError, ValueError):
            pass
        err = " ".join(err.split())[-200:]
        return "tegrastats: the process exited with code %s%s" % (
            self._proc.returncode, (": " + err) if err else "")

    def _begin(self):
        with self._lock:
            self._samples = []
            self._t_start = self._clock()
            self._armed = True

    def _end(self):
        t_stop = self._clock()
        with self._lock:
            self._armed = False
            lines, empty = self.lines_read, self._empty_lines
        if not self._samples:
            if self._proc.poll() is not None:
                return self._result(t_stop, self._exit_reason())
            if lines and lines == empty:
                return self._result(t_stop, "tegrastats: %d lines but no power rails in them (some "
                                            "JetPack releases show rails to root only: run with sudo)" % lines)
            window = t_stop - self._t_start
            if window < 2 * self.interval_ms / 1000.0:
                return self._result(t_stop, "tegrastats: no line arrived inside the %.3f s window "
                                            "(interval %d ms); measure a longer run or use ina3221"
                                    % (window, self.interval_ms))
        return self._result(t_stop)

    def close(self):
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._reader.join(timeout=2)
        for stream in (self._proc.stdout, self._stderr):
            try:
                stream.close()
            except (OSError, ValueError):
                pass
        self._t_start = None


def _first_existing(paths):
    for p in paths:
        if os.access(p, os.X_OK):
            return p
    return None
