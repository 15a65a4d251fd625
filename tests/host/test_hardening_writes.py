"""Write faults (disk full, read-only file system, a file in the way) and decompression bombs.

A real read-only mount or full disk needs root tricks, so the fault is injected where the bytes
land: ``os.replace`` (the atomic rename every output goes through) raises the OSError the kernel
would. One case, a file where the output folder should be, is real end to end.
"""

import errno
import os
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from edgesr.cli import main
from edgesr.upscale import upscale_files

MODEL = "Bicubic_s2"  # no weights file needed


def gray_png(path, value=100, size=(12, 10)):
    Image.fromarray(np.full(size[::-1], value, dtype=np.uint8)).save(path)
    return str(path)


def bomb_png(path, width=20000, height=20000):
    """A tiny PNG whose header declares width × height 8-bit gray pixels (the data itself is never read)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 1024)) + chunk(b"IEND", b"")
    with open(path, "wb") as handle:
        handle.write(b"\x89PNG\r\n\x1a\n" + body)
    return str(path)


def fail_replace_after(monkeypatch, good, code):
    """Let ``good`` atomic renames succeed, then make every rename fail with OSError(code)."""
    real = os.replace
    calls = []

    def replace(src, dst):
        calls.append(dst)
        if len(calls) > good:
            raise OSError(code, os.strerror(code))
        return real(src, dst)

    monkeypatch.setattr(os, "replace", replace)


def leftovers(folder):
    return sorted(name for name in os.listdir(folder) if name.endswith(".tmp"))


@pytest.mark.parametrize("code, words", [(errno.ENOSPC, "the disk is full"),
                                         (errno.EROFS, "the file system is read-only"),
                                         (errno.EACCES, "permission denied")])
def test_upscale_batch_stops_at_a_full_or_read_only_disk_keeping_what_was_written(tmp_path, monkeypatch, capsys,
                                                                                   code, words):
    inputs = [gray_png(tmp_path / ("in%d.png" % i), 50 * i) for i in range(3)]
    out = tmp_path / "out"
    fail_replace_after(monkeypatch, 1, code)
    assert main(["upscale", *inputs, "--model", MODEL, "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert os.listdir(out) == ["in0_Bicubic_s2.png"]  # the finished output stays, no half file, no temp file
    assert Image.open(out / "in0_Bicubic_s2.png").size == (24, 20)
    assert words in err and "in1_Bicubic_s2.png" in err
    assert "%s: not done" % os.path.realpath(inputs[2]) in err
    assert "1 written, 2 failed" in err


def test_upscale_into_a_file_is_one_clear_line(tmp_path, capsys):
    source = gray_png(tmp_path / "in.png")
    blocker = tmp_path / "out"
    blocker.write_text("not a folder")
    assert main(["upscale", source, "--model", MODEL, "--out", str(blocker)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "a file is in the way" in err and str(blocker) in err
    assert blocker.read_text() == "not a folder"


def test_upscale_refuses_a_negative_tile(tmp_path, capsys):
    assert main(["upscale", gray_png(tmp_path / "in.png"), "--model", MODEL, "--tile", "-5",
                 "--out", str(tmp_path / "out")]) == 2
    assert "--tile must be 0" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_decompression_bomb_is_refused_and_the_folder_batch_goes_on(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    bomb = bomb_png(folder / "a_bomb.png")
    assert os.path.getsize(bomb) < 4096
    gray_png(folder / "b_fine.png")
    report = upscale_files([str(folder)], MODEL, str(tmp_path / "out"), progress=False)
    assert [p.name for p in report.written] == ["b_fine_Bicubic_s2.png"]
    (failed, reason), = report.failed
    assert failed.endswith("a_bomb.png") and "decompression bomb" in reason


def test_report_on_a_full_disk_is_one_line_and_leaves_no_half_file(tmp_path, monkeypatch, capsys):
    out = tmp_path / "report"
    fail_replace_after(monkeypatch, 2, errno.ENOSPC)
    assert main(["report", "--out", str(out), "--formats", "md,csv"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "the disk is full" in err
    assert leftovers(out) == []
    for name in os.listdir(out):  # whatever was written is whole: it was renamed into place complete
        assert os.path.getsize(out / name) > 0


def test_report_on_an_empty_store_file_fails_clearly(tmp_path, capsys):
    empty = tmp_path / "results.db"
    empty.touch()
    assert main(["report", str(empty), "--out", str(tmp_path / "r"), "--formats", "md"]) == 2
    assert "empty (0 bytes)" in capsys.readouterr().err
