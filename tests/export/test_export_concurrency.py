"""Two exports of the same bundle at once both finish, leaving one complete bundle; files get plain modes."""

import stat
import subprocess
import sys

from edgesr.exporting import export_zoo_model
from edgesr_runtime import bundle as bundle_io

EXPORT = ("from edgesr.exporting import export_zoo_model; import sys; "
          "r = export_zoo_model('eSR-MAX_s2_K3_C2', 'onnx', sys.argv[1], {'resolution': '64x48'}, force=True, "
          "weights_dir=sys.argv[2]); print(r.status, r.valid)")


def test_two_exports_of_one_bundle_at_once_never_share_a_staging_folder(tmp_path, shared_weights):
    runs = [subprocess.Popen([sys.executable, "-c", EXPORT, str(tmp_path), str(shared_weights)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=300) for run in runs]
    for run, (out, err) in zip(runs, outputs):
        assert run.returncode == 0, err[-2000:]
        assert out.split()[-2:] == ["exported", "True"]
    assert [p.name for p in tmp_path.iterdir()] == ["eSR-MAX_s2_K3_C2-onnx"]  # no staging folder left
    bundle_io.verify_bundle(str(tmp_path / "eSR-MAX_s2_K3_C2-onnx"))


def test_bundle_files_are_plain_readable_files(tmp_path, shared_weights):
    report = export_zoo_model("eSR-MAX_s2_K3_C2", "cpu", tmp_path, {"resolution": "64x48"},
                              weights_dir=shared_weights)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "eSR-MAX_s2_K3_C2-cpu").iterdir()}
    assert report.valid and "model_fp32.tflite" in modes
    for name, mode in modes.items():
        assert mode & 0o444 == 0o444 and not mode & 0o111, (name, oct(mode))  # readable by all, not executable
