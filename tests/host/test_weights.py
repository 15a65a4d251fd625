"""Weights: search order, sha256 verification, strict loading, and the verified download path."""

import shutil

import pytest

from edgesr.models import create_model
from edgesr.weights import download, find_weights, manifest, search_dirs, verify_file
from edgesr_runtime.errors import EdgesrError

MODEL = "eSR-MAX_s2_K3_C2"


def test_manifest_covers_all_1185_files():
    assert len(manifest()) == 1185
    assert all(len(d) == 64 for d in manifest().values())


def test_every_shared_weight_file_matches_the_manifest(shared_weights):
    for name in manifest():
        verify_file(shared_weights / name)


def test_explicit_dir_beats_env_var(tmp_path, monkeypatch, shared_weights):
    monkeypatch.setenv("EDGESR_WEIGHTS", str(shared_weights))
    assert search_dirs()[0] == shared_weights
    assert search_dirs(tmp_path) == [tmp_path]
    shutil.copy(shared_weights / (MODEL + ".model"), tmp_path)
    assert find_weights(MODEL, tmp_path) == tmp_path / (MODEL + ".model")


def test_missing_weights_dir_is_a_clear_error(tmp_path):
    with pytest.raises(EdgesrError, match="weights dir .* does not exist"):
        create_model(MODEL, weights_dir=tmp_path / "nope")
    with pytest.raises(EdgesrError, match=MODEL + r".model not found in weights dir"):
        create_model(MODEL, weights_dir=tmp_path)


def test_tampered_file_is_refused_before_loading(tmp_path, shared_weights):
    target = tmp_path / (MODEL + ".model")
    data = bytearray((shared_weights / target.name).read_bytes())
    data[-20] ^= 0xFF
    target.write_bytes(bytes(data))
    with pytest.raises(EdgesrError, match="does not match its published sha256"):
        create_model(MODEL, weights_dir=tmp_path)


def test_file_of_another_model_is_refused(tmp_path, shared_weights):
    shutil.copy(shared_weights / "eSR-MAX_s2_K3_C3.model", tmp_path / (MODEL + ".model"))
    with pytest.raises(EdgesrError, match="does not match its published sha256"):
        create_model(MODEL, weights_dir=tmp_path)


def test_download_verifies_each_file_and_writes_only_valid_ones(tmp_path, shared_weights):
    source = tmp_path / "mirror"
    source.mkdir()
    shutil.copy(shared_weights / (MODEL + ".model"), source)
    (source / "eSR-MAX_s2_K3_C3.model").write_bytes(b"not the real weights")
    dest = tmp_path / "dest"
    paths = download([MODEL], dest=dest, base_url=source.as_uri())
    assert paths == [dest / (MODEL + ".model")]
    create_model(MODEL, weights_dir=dest)
    with pytest.raises(EdgesrError, match="does not match its published sha256; nothing was written"):
        download(["eSR-MAX_s2_K3_C3"], dest=dest, base_url=source.as_uri())
    assert sorted(p.name for p in dest.iterdir()) == [MODEL + ".model"]
    with pytest.raises(EdgesrError, match="cannot download"):
        download(["eSR-MAX_s2_K3_C4"], dest=dest, base_url=source.as_uri())
