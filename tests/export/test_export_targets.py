"""The export target table: lookup with did-you-mean, option validation, precisions, resolutions."""

import pytest

from edgesr_runtime.errors import EdgesrError

from edgesr_export.resolution import input_size, parse_resolution
from edgesr_export.targets import OPTIONS, TARGETS, get_target, resolve_options, select_artifacts


def test_every_target_is_complete_data():
    for target in TARGETS.values():
        assert target.profile.install and target.description
        assert set(target.options) <= set(OPTIONS)
        assert set(target.default_precisions) <= set(target.precisions)
        names = [a.name for a in target.artifacts]
        assert len(names) == len(set(names))
        for artifact in target.artifacts:
            assert set(artifact.requires) <= set(names), artifact.name


@pytest.mark.parametrize("alias, name", [("jetson", "jetson"), ("Xavier", "jetson"), ("trt", "jetson"),
                                         ("pi", "rpi"), ("host", "cpu"), ("onnx", "onnx")])
def test_targets_and_aliases(alias, name):
    assert get_target(alias).name == name


def test_unknown_target_suggests_the_closest():
    with pytest.raises(EdgesrError, match="did you mean 'jetson'"):
        get_target("jetsn")
    with pytest.raises(EdgesrError, match="use one of: onnx, jetson, rpi, cpu"):
        get_target("coreml")


def test_unknown_option_suggests_the_closest():
    with pytest.raises(EdgesrError, match="did you mean 'resolution'"):
        resolve_options(get_target("rpi"), {"resolutoin": "640x480"})


def test_option_a_target_cannot_honour_is_refused_not_dropped():
    with pytest.raises(EdgesrError, match="target jetson does not take option 'dynamic'"):
        resolve_options(get_target("jetson"), {"dynamic": True})
    with pytest.raises(EdgesrError, match="target onnx does not take option 'layout'"):
        resolve_options(get_target("onnx"), {"layout": "NCHW"})


def test_precision_outside_the_target_is_refused():
    with pytest.raises(EdgesrError, match="target jetson has no int8 precision"):
        resolve_options(get_target("jetson"), {"precision": "int8"})
    with pytest.raises(EdgesrError, match="did you mean 'fp16'"):
        resolve_options(get_target("rpi"), {"precision": "fp61"})


def test_bad_values_name_the_option():
    with pytest.raises(EdgesrError, match="option 'opset' must be one of"):
        resolve_options(get_target("onnx"), {"opset": "19"})
    with pytest.raises(EdgesrError, match="bad value 'x' for option 'golden'"):
        resolve_options(get_target("onnx"), {"golden": "x"})


def test_defaults_are_filled_in():
    options = resolve_options(get_target("rpi"))
    assert options["resolution"] == (1920, 1080)
    assert options["precision"] == ("fp32", "fp16", "int8")
    assert options["layout"] == "NHWC" and options["opset"] == 17
    assert resolve_options(get_target("jetson"))["precision"] == ("fp16",)


def test_selected_artifacts_bring_what_they_are_made_from():
    rpi = get_target("rpi")
    assert [a.name for a in select_artifacts(rpi, ("int8",))] == ["tflite-fp32", "tflite-int8"]
    assert [a.name for a in select_artifacts(rpi, ("fp32",))] == ["onnx-fp32", "tflite-fp32", "opencv-fp32"]
    jetson = get_target("jetson")
    assert [a.name for a in select_artifacts(jetson, ("fp16",))] == ["onnx-fp32", "tensorrt-fp16"]
    assert all(a.on_device for a in select_artifacts(jetson, ("fp32",)) if a.format == "tensorrt")


@pytest.mark.parametrize("text, expected", [("1920x1080", (1920, 1080)), ("1280*720", (1280, 720)),
                                            ("1080p", (1920, 1080)), ("96X72", (96, 72))])
def test_parse_resolution(text, expected):
    assert parse_resolution(text) == expected


@pytest.mark.parametrize("text", ["1920", "axb", "0x10", "-5x4"])
def test_parse_resolution_rejects(text):
    with pytest.raises(ValueError):
        parse_resolution(text)


def test_input_size_for_each_scale():
    assert input_size((1920, 1080), 2) == (540, 960)
    assert input_size((1920, 1080), 3) == (360, 640)
    assert input_size((1920, 1080), 4) == (270, 480)


def test_resolution_not_divisible_by_the_scale_names_the_nearest():
    with pytest.raises(EdgesrError, match=r"1366x768 is not divisible by the scale 4.*1364x768"):
        input_size((1366, 768), 4)
    with pytest.raises(EdgesrError, match="not divisible by the scale 3"):
        input_size((1920, 1081), 3)
