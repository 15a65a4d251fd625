"""Host-side FP16 safety check before a TensorRT FP16 build on the device.

Runs inputs through the FP32 ONNX graph with every intermediate tensor exposed as an output
(ONNX Runtime CPU, graph optimizations off so the tensors are the graph's own) and flags any
weight or activation whose magnitude exceeds the FP16 maximum (65504) and any NaN/Inf.
"""

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper

FP16_MAX = 65504.0
_FLOAT = onnx.TensorProto.FLOAT


def _expose_intermediates(model):
    """A copy of the model whose float node outputs are all graph outputs."""
    inferred = onnx.shape_inference.infer_shapes(model)
    types = {v.name: v.type.tensor_type.elem_type for v in inferred.graph.value_info}
    types.update({v.name: v.type.tensor_type.elem_type for v in inferred.graph.output})
    exposed = onnx.ModelProto()
    exposed.CopyFrom(model)
    present = {o.name for o in exposed.graph.output}
    for node in exposed.graph.node:
        for name in node.output:
            if name and name not in present and types.get(name) == _FLOAT:
                exposed.graph.output.append(onnx.helper.make_tensor_value_info(name, _FLOAT, None))
                present.add(name)
    return exposed


def scan(onnx_path, inputs):
    """FP16 range report of an FP32 ONNX on ``inputs`` (float32 NCHW arrays) for the manifest."""
    model = onnx.load(str(onnx_path))
    peaks = {}
    for init in model.graph.initializer:
        weights = numpy_helper.to_array(init)
        if weights.dtype.kind == "f" and weights.size:
            peaks[init.name] = (float(np.abs(weights).max()), not np.isfinite(weights).all())
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(_expose_intermediates(model).SerializeToString(), options,
                                   providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    feed_name = session.get_inputs()[0].name
    for x in inputs:
        for name, value in zip(names, session.run(names, {feed_name: x})):
            finite = np.isfinite(value)
            peak = float(np.abs(value[finite]).max()) if finite.any() else 0.0
            old_peak, old_bad = peaks.get(name, (0.0, False))
            peaks[name] = (max(old_peak, peak), old_bad or not finite.all())
    return report(peaks, len(inputs))


def report(peaks, samples):
    """Summarize {tensor: (max |value|, has NaN/Inf)} into the manifest's fp16_check entry."""
    overflow = sorted(n for n, (peak, _) in peaks.items() if peak > FP16_MAX)
    nonfinite = sorted(n for n, (_, bad) in peaks.items() if bad)
    worst = max(peaks, key=lambda n: peaks[n][0]) if peaks else None
    max_abs = peaks[worst][0] if worst else 0.0
    passed = not overflow and not nonfinite
    if passed:
        summary = "largest |value| %.4g in %s: %.3gx below the FP16 maximum" % (max_abs, worst,
                                                                               FP16_MAX / max(max_abs, 1e-30))
    else:
        summary = "%d tensor(s) above %g (%s), %d with NaN/Inf (%s)" % (
            len(overflow), FP16_MAX, ", ".join(overflow[:5]) or "-", len(nonfinite), ", ".join(nonfinite[:5]) or "-")
    return {"passed": passed, "threshold": FP16_MAX, "max_abs": max_abs, "max_abs_tensor": worst,
            "overflow": overflow, "nonfinite": nonfinite, "tensors": len(peaks), "samples": samples,
            "method": "onnxruntime CPU, FP32 graph, every intermediate tensor and weight", "summary": summary}
