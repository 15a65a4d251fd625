"""TFLite artifacts with litert-torch (no TensorFlow): FP32, FP16 weights and INT8 recipes.

* FP32: ``litert_torch.convert`` at a static shape (litert-torch has no dynamic H/W for pixel
  shuffle), NHWC I/O through ``to_channel_last_io`` unless NCHW is asked for; even-scale
  ConvTranspose layers are rewritten first (see ``rewrite``).
* FP16: ai-edge-quantizer's float_casting of conv / transposed-conv weights (FP32 compute).
* INT8: one of the ``INT8_RECIPES`` on the FP32 file (the exporter tries them in order, see
  ``edgesr_export.int8_choice``). "static" is ai-edge-quantizer ``static_wi8_ai8`` calibrated on T91
  mosaics: int8 weights, activations and I/O (scale / zero point in the file), the I/O ranges pinned
  to the model's [0, 1] contract rather than whatever the calibration images reached (see
  ``_pin_io_ranges``). "dynamic" and "weight_only" need no calibration and keep float I/O.
"""

import copy
import os
import re

import numpy as np
import torch

from edgesr_runtime.errors import MissingBackendError

from edgesr_export.capture import quiet
from edgesr_export.int8_recipes import INT8_RECIPES, SMALL_CONV_WEIGHTS
from edgesr_export.rewrite import CroppedConvTranspose2d, without_output_padding

INSTALL_HINT = "pip install 'edgesr-export[tflite]' (= litert-torch==0.10.0 with ai-edge-litert and ai-edge-quantizer)"



class NotApplicable(ValueError):
    """A recipe that would make the very file of another recipe (e.g. no op to keep float)."""


def import_litert_torch():
    """litert_torch with its progress output off; MissingBackendError with the install command."""
    os.environ.setdefault("LITERT_TORCH_SHOW_PROGRESS", "n")
    try:
        with quiet():
            import litert_torch
    except ImportError:
        raise MissingBackendError("litert-torch (TFLite converter)", INSTALL_HINT) from None
    return litert_torch


def import_quantizer():
    try:
        with quiet():
            from ai_edge_quantizer import qtyping, quantizer, recipe
    except ImportError:
        raise MissingBackendError("ai-edge-quantizer (TFLite FP16/INT8)", INSTALL_HINT) from None
    return quantizer, recipe, qtyping


def _nhwc(shape):
    n, c, h, w = shape
    return [n, h, w, c]


def convert_fp32(module, path, lr_height, lr_width, scale, layout="NHWC"):
    """Write the FP32 .tflite; returns the artifact facts."""
    litert_torch = import_litert_torch()
    module = without_output_padding(module)
    rewritten = any(isinstance(m, CroppedConvTranspose2d) for m in module.modules())
    sample = torch.zeros(1, 1, lr_height, lr_width)
    if layout == "NHWC":
        module = litert_torch.to_channel_last_io(module, args=[0], outputs=[0])
        sample = sample.permute(0, 2, 3, 1)
    with quiet(), torch.no_grad():
        litert_torch.convert(module, (sample,)).export(str(path))
    shape_in, shape_out = [1, 1, lr_height, lr_width], [1, 1, lr_height * scale, lr_width * scale]
    file_in, file_out = (_nhwc(shape_in), _nhwc(shape_out)) if layout == "NHWC" else (shape_in, shape_out)
    return {"layout": layout, "input_shape": shape_in, "output_shape": shape_out, "file_input_shape": file_in,
            "file_output_shape": file_out, "io_dtype": "float32", "converter": "litert-torch",
            "rewrites": ["CroppedConvTranspose2d"] if rewritten else []}


def convert_fp16(fp32_path, path):
    """FP16 copy of the FP32 file's conv weights (dequantized to FP32 at load); returns the facts."""
    quantizer, _, qtyping = import_quantizer()
    config = qtyping.OpQuantizationConfig(
        weight_tensor_config=qtyping.TensorQuantizationConfig(num_bits=16, dtype=qtyping.TensorDataType.FLOAT),
        compute_precision=qtyping.ComputePrecision.FLOAT, explicit_dequantize=True)
    with quiet():
        qt = quantizer.Quantizer(str(fp32_path))
        qt.update_quantization_recipe(regex=".*", operation_name="*", op_config=config, algorithm_key="float_casting")
        qt.quantize().export_model(str(path), overwrite=True)
    return {"io_dtype": "float32", "quantization": {"method": "ai-edge-quantizer float_casting (FP16 weights)"}}


def _signature(fp32_path):
    """(signature key, input name, input tensor name, output tensor name) of a single-signature .tflite."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(fp32_path))
    key, signature = next(iter(interpreter.get_signature_list().items()))
    return (key, signature["inputs"][0], interpreter.get_input_details()[0]["name"],
            interpreter.get_output_details()[0]["name"])


def _same(a, b):
    return np.array_equal(np.ravel(a), np.ravel(b))


def _pin_io_ranges(ranges, input_tensor, output_tensor):
    """Input range := [0, 1] (the model's contract); output range := calibrated range widened to cover [0, 1].

    Calibration images rarely reach pure white, and a narrower range would clip every brighter pixel.
    The quantizer ties the output's parameters to the tensors it is reshaped from, which carry the
    very same calibrated range: those are widened together.
    """
    if input_tensor in ranges:
        ranges[input_tensor] = {"min": np.zeros_like(ranges[input_tensor]["min"]),
                                "max": np.ones_like(ranges[input_tensor]["max"])}
    if output_tensor in ranges:
        low, high = ranges[output_tensor]["min"], ranges[output_tensor]["max"]
        for name, qsv in ranges.items():
            if _same(qsv["min"], low) and _same(qsv["max"], high):
                ranges[name] = dict(qsv, min=np.minimum(low, 0.0), max=np.maximum(high, 1.0))
    return ranges


def _io_quantization(path):
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(path))
    facts = {}
    details = (("input", interpreter.get_input_details()[0]), ("output", interpreter.get_output_details()[0]))
    for role, detail in details:
        scale, zero_point = detail["quantization"]
        facts[role] = {"dtype": np.dtype(detail["dtype"]).name, "scale": float(scale), "zero_point": int(zero_point)}
    return facts


CONV_OPS = ("CONV_2D", "DEPTHWISE_CONV_2D", "TRANSPOSE_CONV", "FULLY_CONNECTED")


def _graph_listing(fp32_path):
    """(interpreter, its op list, tensor index -> name) of a TFLite file."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(fp32_path))
    ops = interpreter._get_ops_details()  # noqa: SLF001 - the interpreter's own graph listing
    return interpreter, ops, lambda t: interpreter._get_tensor_details(int(t), 0)["name"]  # noqa: SLF001


def _exp_argument_scopes(fp32_path):
    """Output tensor names of every op an EXP's input is computed from.

    The exponent turns a small absolute error of its argument into a relative error of its result, so
    softmax logits are the tensors integer rounding hurts most; a recipe may keep these ops float.
    """
    _, ops, name = _graph_listing(fp32_path)
    producer = {int(t): op for op in ops for t in op["outputs"]}
    pending = [int(t) for op in ops if op["op_name"] == "EXP" for t in op["inputs"]]
    names, seen = set(), set()
    while pending:
        tensor = pending.pop()
        op = producer.get(tensor)
        if tensor in seen or op is None:
            continue
        seen.add(tensor)
        names.update(name(t) for t in op["outputs"])
        pending.extend(int(t) for t in op["inputs"] if t >= 0)
    return sorted(names)


def _small_conv_scopes(fp32_path):
    """Output tensor names of every convolution with at most ``SMALL_CONV_WEIGHTS`` weights in all."""
    interpreter, ops, name = _graph_listing(fp32_path)
    small = [op for op in ops if op["op_name"] in CONV_OPS and
             int(np.prod(interpreter._get_tensor_details(int(op["inputs"][1]), 0)["shape"]))  # noqa: SLF001
             <= SMALL_CONV_WEIGHTS]
    return sorted({name(t) for op in small for t in op["outputs"]})


# group -> (finder, what a file without any such op lacks)
FLOAT_OP_FINDERS = {"exp_arguments": (_exp_argument_scopes, "no EXP op"),
                    "small_convs": (_small_conv_scopes, "no convolution with at most %d weights" % SMALL_CONV_WEIGHTS)}


def float_op_scopes(fp32_path, recipe):
    """Output tensor names (the quantizer scope is "name;") of the ops ``recipe`` keeps float; NotApplicable
    when it keeps some group float and the file has none of them (the file would repeat another recipe's)."""
    names = set()
    for group in recipe.float_ops:
        finder, lacking = FLOAT_OP_FINDERS[group]
        found = finder(fp32_path)
        if not found:
            raise NotApplicable("%s: the same file as the recipe without %s" % (lacking, group))
        names.update(found)
    return sorted(names)


def _quantizer_for(quantizer, recipe, chosen, fp32_path, keep):
    """An ai-edge-quantizer Quantizer of ``fp32_path`` with the recipe ``chosen`` loaded, ops whose output is
    named in ``keep`` left float."""
    qt = quantizer.Quantizer(str(fp32_path))
    qt.load_quantization_recipe(getattr(recipe, chosen.quantizer_recipe)())
    if keep:
        qt.update_quantization_recipe(regex="^(?:%s);$" % "|".join(re.escape(n) for n in keep),
                                      operation_name="*", algorithm_key="no_quantize")
    return qt


def quantize_int8(fp32_path, path, calibration, layout="NHWC", recipe_name="static", ranges_cache=None):
    """INT8 file made with ``INT8_RECIPES[recipe_name]``; ``calibration`` (NCHW float32 1x1xhxw arrays) is used
    by calibrated recipes only. ``ranges_cache`` (a dict kept by the caller across recipes of one file):
    the calibrated ranges of ``fp32_path`` are computed once and reused, since they depend on the file and
    the images only (the same interpreter runs whatever the recipe; ``no_quantize`` ops read none of
    theirs). Returns the artifact facts."""
    quantizer, recipe, _ = import_quantizer()
    chosen = INT8_RECIPES[recipe_name]
    keep = float_op_scopes(fp32_path, chosen)
    with quiet():
        qt = _quantizer_for(quantizer, recipe, chosen, fp32_path, keep)
        if chosen.calibrated:
            cache = {} if ranges_cache is None else ranges_cache
            if str(fp32_path) not in cache:
                key, input_name, input_tensor, output_tensor = _signature(fp32_path)
                feed = [{input_name: x.transpose(0, 2, 3, 1) if layout == "NHWC" else x} for x in calibration]
                qt.load_quantization_recipe(getattr(recipe, "static_wi8_ai8")())  # every tensor's range
                cache[str(fp32_path)] = _pin_io_ranges(qt.calibrate({key: feed}, num_threads=1), input_tensor,
                                                       output_tensor)
                qt = _quantizer_for(quantizer, recipe, chosen, fp32_path, keep)
            qt.quantize(copy.deepcopy(cache[str(fp32_path)])).export_model(str(path), overwrite=True)
        else:
            qt.quantize().export_model(str(path), overwrite=True)
    io = _io_quantization(path)
    facts = {"recipe": chosen.name, "method": "ai-edge-quantizer %s" % chosen.quantizer_recipe,
             "quantises": chosen.quantises, "input": io["input"], "output": io["output"]}
    if keep:
        facts["kept_float"] = {"groups": list(chosen.float_ops), "ops": len(keep)}
    if chosen.calibrated:
        facts["calibration"] = {"set": "T91 luma mosaics", "count": len(calibration), "input_range": [0.0, 1.0],
                                "output_range_covers": [0.0, 1.0]}
    return {"io_dtype": io["input"]["dtype"], "quantization": facts}
