"""ONNX export with the legacy TorchScript exporter (``dynamo=False``), the one path that gives opset <= 17
for every family (TensorRT 8.5's parser stops at 17), plus metadata in ``metadata_props``."""

import json

import onnx
import torch

from edgesr_export.capture import quiet

INPUT, OUTPUT = "input", "output"
# ORT_ENABLE_EXTENDED for graphs whose convolutions read at most this many channels (ort_runner_options)
NARROW_CONVOLUTION_INPUT = 12


def metadata_props(description, layout="NCHW"):
    """The key/value metadata embedded in every ONNX file (Ultralytics-style): the ModelDescription's
    facts, the I/O contract, then the description's own ``metadata``."""
    props = {
        "model_id": description.model_id,
        "family": description.family,
        "scale": str(description.scale),
        "hyperparameters": json.dumps(description.hyperparameters, sort_keys=True),
        "edgesr_version": description.producer_version,
        "layout": layout,
        "channels": "Y",
        "value_range": "[0.0, 1.0]",
    }
    props.update(description.metadata)
    return props


def export_onnx(module, path, lr_height, lr_width, scale, metadata, dynamic=False, opset=17):
    """Write ``path``; returns the artifact facts (names, shapes, opset). Dynamic H/W on request."""
    sample = torch.zeros(1, 1, lr_height, lr_width)
    dynamic_axes = None
    if dynamic:
        dynamic_axes = {INPUT: {2: "height", 3: "width"}, OUTPUT: {2: "out_height", 3: "out_width"}}
    with quiet(), torch.no_grad():
        torch.onnx.export(module, (sample,), str(path), dynamo=False, opset_version=opset, input_names=[INPUT],
                          output_names=[OUTPUT], dynamic_axes=dynamic_axes, do_constant_folding=True)
    model = onnx.load(str(path))
    onnx.checker.check_model(model)
    del model.metadata_props[:]
    for key, value in metadata.items():
        model.metadata_props.add(key=key, value=str(value))
    onnx.save(model, str(path))
    shape_in = [1, 1, None, None] if dynamic else [1, 1, lr_height, lr_width]
    shape_out = [1, 1, None, None] if dynamic else [1, 1, lr_height * scale, lr_width * scale]
    facts = {"layout": "NCHW", "input_name": INPUT, "output_name": OUTPUT, "input_shape": shape_in,
             "output_shape": shape_out, "opset": opset, "dynamic": bool(dynamic), "io_dtype": "float32",
             "exporter": "torch.onnx.export(dynamo=False)"}
    options = ort_runner_options(model)
    if options:
        facts["runner_options"] = options
    return facts


def widest_convolution_input(model):
    """The most input channels per group that any convolution of the ONNX ``model`` reads (0: none)."""
    weights = {init.name: tuple(init.dims) for init in model.graph.initializer}
    widest = 0
    for node in model.graph.node:
        if node.op_type not in ("Conv", "ConvTranspose"):
            continue
        dims = weights.get(node.input[1])
        if dims is None:  # weights computed at run time: unknown width
            return None
        group = next((a.i for a in node.attribute if a.name == "group"), 1)
        widest = max(widest, dims[1] if node.op_type == "Conv" else dims[0] // group)
    return widest


def ort_runner_options(model):
    """The ONNX Runtime session options the runner should use for ``model`` ({} = its defaults).

    ORT's CPU layout transform (level "all") runs convolutions in a blocked channel layout and reorders
    their outputs back for the ops that cannot take it. Where every convolution reads at most
    NARROW_CONVOLUTION_INPUT channels (the one-layer families and the narrow nets) the reorders cost more
    than the blocked kernels save, so those graphs run at level "extended" (the same arithmetic without
    the layout transform); wider convolutions gain from the blocked kernels. Measured per model on x86
    (benchmarks/peers/ort_levels.py, its results); where ORT has no blocked kernels for the CPU the
    option should change nothing (not measured on ARM).
    """
    widest = widest_convolution_input(model)
    return {"optimization": "extended"} if widest is not None and 0 < widest <= NARROW_CONVOLUTION_INPUT else {}
