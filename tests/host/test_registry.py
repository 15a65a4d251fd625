"""The model registry: the paper's 1185-id grid, globs, typed configs, did-you-mean errors."""

import collections
import json
import re

import pytest
import torch

from edgesr.models import (FAMILIES, build_module, count_parameters, get_config, list_models, parse_model_id,
                           resolve_models)
from edgesr.models.families import FAMILY_RECORDS, FSRCNN
from edgesr.models.record import register_family
from edgesr_runtime.errors import EdgesrError


def test_grid_has_the_papers_1185_ids_per_family():
    ids = list_models()
    assert len(ids) == 1185
    counts = collections.Counter(get_config(i).family for i in ids)
    assert counts == {"Bicubic": 3, "eSR-MAX": 144, "eSR-TM": 144, "eSR-TR": 144,
                      "eSR-CNN": 300, "ESPCN": 300, "FSRCNN": 150}
    assert set(FAMILIES) == set(counts)


def test_shipped_table_equals_shared_paper_results(shared_weights):
    shared = json.loads((shared_weights.parent / "paper_results.json").read_text())
    assert set(shared) == set(list_models())
    config = get_config("FSRCNN_s2_D56_S12_M4")
    assert config.paper.psnr_db["Set14"] == shared["FSRCNN_s2_D56_S12_M4"]["psnr_Set14"]
    assert config.paper.power_agx_mw == shared["FSRCNN_s2_D56_S12_M4"]["power_AGX"]


def test_glob_lists_48_tm_x2_models_in_natural_order():
    ids = list_models("eSR-TM_s2_*")
    assert len(ids) == 48
    assert ids[:3] == ["eSR-TM_s2_K3_C1", "eSR-TM_s2_K3_C2", "eSR-TM_s2_K3_C3"]
    assert list_models("*", family="FSRCNN", scale=3) == list_models("FSRCNN_s3_*")


@pytest.mark.parametrize(
    "model_id, expected",
    [
        ("eSR-MAX_s3_K5_C7", dict(family="eSR-MAX", scale=3, kernel=5, channels=7)),
        ("eSR-CNN_s4_C8_D9_S15", dict(family="eSR-CNN", scale=4, channels=8, depth=9, features=15)),
        ("ESPCN_s2_D0_S3", dict(family="ESPCN", scale=2, depth=0, features=3)),
        ("FSRCNN_s2_D56_S12_M4", dict(family="FSRCNN", scale=2, depth=56, features=12, maps=4)),
        ("Bicubic_s4", dict(family="Bicubic", scale=4)),
    ],
)
def test_ids_parse_into_typed_configs(model_id, expected):
    config = get_config(model_id)
    for name, value in expected.items():
        assert getattr(config, name) == value


def test_unknown_id_suggests_close_ids():
    with pytest.raises(EdgesrError, match=r"unknown model id 'eSR-TM_s2_K7_C17'; did you mean .*'eSR-TM_s2_K7_C16'"):
        get_config("eSR-TM_s2_K7_C17")


def test_malformed_id_says_what_ids_look_like():
    assert parse_model_id("esr-tm-2") is None
    with pytest.raises(EdgesrError, match="malformed model id 'esr-tm-2'"):
        get_config("esr-tm-2")


def test_resolve_models_accepts_ids_and_globs_and_rejects_empty_matches():
    assert resolve_models("Bicubic_s2,eSR-MAX_s2_K3_C1") == ["Bicubic_s2", "eSR-MAX_s2_K3_C1"]
    assert len(resolve_models("Bicubic_*,Bicubic_s2")) == 3
    with pytest.raises(EdgesrError, match=r"no model id matches 'nothing_\*'"):
        resolve_models("nothing_*")


def test_each_family_is_one_record_holding_its_pattern_builder_and_hyperparameters():
    assert tuple(FAMILY_RECORDS) == FAMILIES
    record = FAMILY_RECORDS["FSRCNN"]
    assert record.module_class is FSRCNN and record.hyperparameters == ("depth", "features", "maps")
    assert re.fullmatch(record.id_pattern, "FSRCNN_s2_D56_S12_M4")
    assert not re.fullmatch(record.id_pattern, "FSRCNN_s2_D56_S12")
    module = build_module(get_config("FSRCNN_s2_D56_S12_M4"))
    assert isinstance(module, FSRCNN) and not module.training
    assert count_parameters(module) == get_config("FSRCNN_s2_D56_S12_M4").paper.parameters


def test_a_new_family_is_one_decorated_class():
    try:
        @register_family("Toy-SR", "kernel")
        class ToySR(torch.nn.Module):
            def __init__(self, scale, kernel):
                super().__init__()
                self.scale, self.kernel = scale, kernel

        config = parse_model_id("Toy-SR_s3_K5")
        assert (config.family, config.scale, config.kernel) == ("Toy-SR", 3, 5)
        built = FAMILY_RECORDS["Toy-SR"].build(config)
        assert isinstance(built, ToySR) and (built.scale, built.kernel) == (3, 5)
        with pytest.raises(ValueError, match="registered twice"):
            register_family("Toy-SR", "kernel")(ToySR)
    finally:
        FAMILY_RECORDS.pop("Toy-SR", None)
    with pytest.raises(ValueError, match="unknown hyper-parameters"):
        register_family("Toy-SR", "width")
