"""Error-compensating rounding of convolution weights to the int8 grid (GPTQ / optimal brain quantisation).

Per-channel int8 weights round every tap to the nearest of 255 steps of max|w|/127. The small filter
banks of the zoo sum many large taps that nearly cancel, so that independent rounding noise costs
0.3-0.8 dB PSNR even with float activations. Rounding the taps one after the other and moving each
rounding error onto the taps not yet rounded, weighted by the second moments of the convolution's
input patches (``H = E[x xᵀ]`` over calibration images), keeps the output error small in the directions
natural images excite (Frantar et al., "GPTQ", 2022; Hassibi & Stork's optimal brain surgeon).

The result is an FP32 .tflite whose conv weights already lie on the quantizer's per-channel grid
(scale max|w|/127, the tap of largest magnitude kept at ±127), so any ai-edge-quantizer recipe applied
to it afterwards stores exactly these integers. Works on the file, not on a model family: every
CONV_2D and single-input-channel DEPTHWISE_CONV_2D whose patches (stride 1) reproduce the op's output
is rounded; any other op is left to the quantizer's nearest rounding.
"""

import warnings

import numpy as np

QMAX = 127
DAMPING = 0.01  # of the mean diagonal of H, as in GPTQ: keeps the Cholesky factor well conditioned
MAX_PATCHES = 20000  # per conv and calibration image: H of a 5x5x64 conv is well estimated from far fewer
_CHECK_RTOL = 1e-3  # the patch layout must reproduce the op's FP32 output to float32 accumulation error


def _interpreter(path):
    from ai_edge_litert.interpreter import Interpreter

    with warnings.catch_warnings():  # "intended for debugging": here the intermediate tensors are the point
        warnings.simplefilter("ignore", UserWarning)
        interpreter = Interpreter(model_path=str(path), experimental_preserve_all_tensors=True)
    interpreter.allocate_tensors()
    return interpreter


def _conv_ops(interpreter):
    """(op, weight index, bias index or None) of every conv the rounding can treat."""
    for op in interpreter._get_ops_details():  # noqa: SLF001 - the interpreter's own graph listing
        if op["op_name"] in ("CONV_2D", "DEPTHWISE_CONV_2D") and len(op["inputs"]) >= 2:
            bias = int(op["inputs"][2]) if len(op["inputs"]) > 2 and op["inputs"][2] >= 0 else None
            yield op, int(op["inputs"][1]), bias


def _as_conv_weight(op_name, weight):
    """Weights as [O, kh, kw, I]; None for a depthwise conv with more than one input channel."""
    if op_name == "CONV_2D":
        return weight
    if weight.shape[0] != 1:
        return None
    return weight.transpose(3, 1, 2, 0)  # depthwise [1, kh, kw, O] on one input channel = conv [O, kh, kw, 1]


def _patches(x, kh, kw, positions):
    """kh x kw patches of NHWC ``x`` (stride 1, valid) at ``positions`` (n, i, j index arrays) as rows
    [len, kh*kw*I] in weight order; only the sampled patches are copied."""
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(1, 2))  # n, h', w', I, kh, kw
    return windows[positions].transpose(0, 2, 3, 1).reshape(len(positions[0]), kh * kw * x.shape[3])


def _positions(shape, count, seed):
    """At most ``count`` patch positions (n, i, j) of an n x h' x w' grid, drawn without replacement."""
    total = int(np.prod(shape))
    picked = np.arange(total) if total <= count else np.random.default_rng(seed).choice(total, count, replace=False)
    return np.unravel_index(np.sort(picked), shape)


def _interior(y, x_shape, kh, kw):
    """The output pixels whose receptive field lies inside the input (for 'same' and 'valid' padding)."""
    n, h, w, _ = x_shape
    top, left = (y.shape[1] - (h - kh + 1)) // 2, (y.shape[2] - (w - kw + 1)) // 2
    if y.shape[1] not in (h, h - kh + 1) or y.shape[2] not in (w, w - kw + 1):
        return None  # strided or dilated: not this layout
    return y[:, top:top + h - kh + 1, left:left + w - kw + 1]


def gptq_round(weight, hessian):
    """Integer taps [O, D] (|q| <= 127) and per-channel scales for ``weight`` [O, D], errors compensated
    along the columns with ``hessian`` [D, D] (the input patches' second moments)."""
    w = weight.astype(np.float64).copy()
    scale = np.maximum(np.abs(w).max(axis=1), 1e-9) / QMAX
    h = hessian.astype(np.float64).copy()
    dead = np.diag(h) <= 0
    h[dead, dead] = 1.0
    w[:, dead] = 0.0
    h[np.diag_indices_from(h)] += DAMPING * np.mean(np.diag(h))
    upper = np.linalg.cholesky(np.linalg.inv(h)).T  # H⁻¹ = Uᵀ U, U upper triangular
    q = np.zeros_like(w)
    for i in range(w.shape[1]):
        q[:, i] = np.clip(np.round(w[:, i] / scale), -QMAX, QMAX)
        error = (w[:, i] - q[:, i] * scale) / upper[i, i]
        w[:, i + 1:] -= np.outer(error, upper[i, i + 1:])
    # the quantizer derives each channel's scale from its largest tap: keep that tap at ±127
    largest = np.abs(weight).argmax(axis=1)
    rows = np.arange(weight.shape[0])
    short = np.abs(q).max(axis=1) < QMAX
    q[rows[short], largest[short]] = QMAX * np.sign(weight[rows[short], largest[short]])
    return q.astype(np.int32), scale


def round_weights(fp32_path, path, calibration, layout="NHWC", keep_outputs=()):
    """Write ``path``: the FP32 file with every treatable conv's weights on the int8 grid (see the module
    docstring), their taps error-compensated over ``calibration`` (NCHW 1x1xhxw float32 arrays); convs
    with an output tensor named in ``keep_outputs`` keep their float weights untouched.
    Returns the names of the rounded weight tensors (empty: nothing to round, ``path`` not written)."""
    from ai_edge_litert.tools import flatbuffer_utils

    interpreter = _interpreter(fp32_path)
    keep = set(keep_outputs)
    convs = [(op, w, b) for op, w, b in _conv_ops(interpreter)
             if not keep.intersection(interpreter._get_tensor_details(int(t), 0)["name"]  # noqa: SLF001
                                      for t in op["outputs"])]
    feed_index = interpreter.get_input_details()[0]["index"]
    moments = {}  # weight index -> summed patch outer products, count
    for x in calibration:
        interpreter.set_tensor(feed_index, x.transpose(0, 2, 3, 1) if layout == "NHWC" else x)
        interpreter.invoke()
        for op, w_index, b_index in convs:
            weight = _as_conv_weight(op["op_name"], interpreter.get_tensor(w_index))
            if weight is None or moments.get(w_index) is False:
                continue
            o, kh, kw, _ = weight.shape
            x_in = interpreter.get_tensor(int(op["inputs"][0]))
            y = _interior(interpreter.get_tensor(int(op["outputs"][0])), x_in.shape, kh, kw)
            if x_in.ndim != 4 or y is None:
                moments[w_index] = False
                continue
            positions = _positions(y.shape[:3], MAX_PATCHES, seed=w_index)
            rows = _patches(x_in, kh, kw, positions).astype(np.float64)
            bias = 0.0 if b_index is None else interpreter.get_tensor(b_index)
            plain = rows @ weight.reshape(o, -1).T.astype(np.float64) + bias
            if not _reproduces(plain, y[positions]):
                moments[w_index] = False
                continue
            total, count = moments.get(w_index, (0.0, 0))
            moments[w_index] = (total + rows.T @ rows, count + rows.shape[0])
    treated = {w: m for w, m in moments.items() if m is not False}
    if not treated:
        return []
    model = flatbuffer_utils.read_model(str(fp32_path))
    tensors, buffers = model.subgraphs[0].tensors, model.buffers
    names = []
    for op, w_index, _ in convs:
        if w_index not in treated or w_index in names:
            continue
        stored = interpreter.get_tensor(w_index)
        weight = _as_conv_weight(op["op_name"], stored)
        total, count = treated[w_index]
        q, scale = gptq_round(weight.reshape(weight.shape[0], -1), total / count)
        snapped = (q * scale[:, None]).astype(np.float32).reshape(weight.shape)
        if op["op_name"] == "DEPTHWISE_CONV_2D":
            snapped = snapped.transpose(3, 1, 2, 0)
        buffers[tensors[w_index].buffer].data = np.frombuffer(np.ascontiguousarray(snapped).tobytes(), np.uint8)
        names.append(w_index)
    flatbuffer_utils.write_model(model, str(path))
    return [interpreter._get_tensor_details(w, 0)["name"] for w in names]  # noqa: SLF001


_FUSED_ACTIVATIONS = (lambda v: v, lambda v: np.maximum(v, 0), lambda v: np.clip(v, 0, 6), lambda v: np.clip(v, -1, 1),
                      np.tanh)  # what a TFLite conv may fuse: none, RELU, RELU6, RELU_N1_TO_1, TANH


def _reproduces(plain, y):
    """True when the patch product, through one of the activations a conv can fuse, is the op's output."""
    tolerance = _CHECK_RTOL * (float(np.abs(y).max()) + 1e-6)
    return any(np.allclose(activation(plain), y, rtol=_CHECK_RTOL, atol=tolerance) for activation in _FUSED_ACTIVATIONS)
