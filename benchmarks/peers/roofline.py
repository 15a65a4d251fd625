"""This machine's rates (sgemm FLOP/s, copy bandwidth) and a model's floor: the time no runtime can beat.

floor = max(compute, I/O): compute = 2·MACs / the measured sgemm rate (the densest arithmetic the
BLAS reaches here), I/O = the bytes of the LR input and the HR output (float32) / the copy bandwidth.
``intermediate_ms`` is what the widest intermediate costs when it is written to memory and read back
once (0 for a runtime that keeps it in cache: tiles or fusion).
"""

import json
import os
import subprocess
import sys

_RATES_SCRIPT = r"""
import json, time
import numpy as np

def best(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter(); fn(); times.append(time.perf_counter() - start)
    times.sort()
    return times[len(times) // 2]

n = 2048
a, b = np.random.rand(n, n).astype(np.float32), np.random.rand(n, n).astype(np.float32)
a @ b
gemm_s = best(lambda: a @ b, 15)
src = np.ones(64 * 2 ** 20, np.float32)
dst = np.empty_like(src)
np.copyto(dst, src)
copy_s = best(lambda: np.copyto(dst, src), 15)
print(json.dumps({"sgemm_gflops": 2 * n ** 3 / gemm_s / 1e9, "copy_gbps": 2 * src.nbytes / copy_s / 1e9,
                  "sgemm_n": n, "copy_mb": src.nbytes / 2 ** 20}))
"""


def machine_rates(threads):
    """{"sgemm_gflops", "copy_gbps", ...} measured with numpy in a child limited to ``threads`` BLAS threads.

    GEMM: median of 15 2048³ float32 products; copy: median of 15 np.copyto of 256 MiB, counted as
    read + write. A child process, because BLAS reads its thread count when numpy is imported.
    """
    env = {"OPENBLAS_NUM_THREADS": str(threads), "OMP_NUM_THREADS": str(threads),
           "MKL_NUM_THREADS": str(threads)}
    out = subprocess.run([sys.executable, "-c", _RATES_SCRIPT], env=dict(os.environ, **env), check=True,
                         stdout=subprocess.PIPE, universal_newlines=True).stdout
    rates = json.loads(out)
    rates["threads"] = threads
    return rates


def model_work(module, lr_height, lr_width):
    """MACs, the widest intermediate (elements) and the I/O elements of ``module`` on one LR frame.

    Counted with forward hooks on a small frame and scaled by area (every layer of the zoo keeps the
    LR grid or the HR grid, so its output size is proportional to the frame's area).
    """
    import torch
    from torch import nn

    size = 16
    macs, widest = [0], [0]

    def hook(layer, inputs, output):
        if isinstance(layer, nn.Conv2d):
            macs[0] += output.numel() * layer.weight[0].numel()
        elif isinstance(layer, nn.ConvTranspose2d):
            macs[0] += inputs[0].numel() * layer.weight[0].numel()
        widest[0] = max(widest[0], output.numel())

    handles = [m.register_forward_hook(hook) for m in module.modules() if not list(m.children())]
    try:
        with torch.no_grad():
            output = module(torch.zeros(1, 1, size, size))
    finally:
        for handle in handles:
            handle.remove()
    area = lr_height * lr_width / float(size * size)
    return {"macs": macs[0] * area, "widest_intermediate": widest[0] * area,
            "io_elements": (size * size + output.numel()) * area}


def floor(work, rates):
    """The floor in ms and its parts (see the module docstring)."""
    compute_ms = 2 * work["macs"] / (rates["sgemm_gflops"] * 1e9) * 1e3
    io_ms = 4 * work["io_elements"] / (rates["copy_gbps"] * 1e9) * 1e3
    intermediate_ms = 2 * 4 * work["widest_intermediate"] / (rates["copy_gbps"] * 1e9) * 1e3
    return {"floor_ms": max(compute_ms, io_ms), "compute_ms": compute_ms, "io_ms": io_ms,
            "intermediate_ms": intermediate_ms, "gmacs": work["macs"] / 1e9}
