"""The PyTorch reference behind the device Runner interface (host side only: needs torch)."""

import torch

from edgesr.models import create_model
from edgesr_export.torch_reference import run_module
from edgesr_runtime.runners.base import Runner, TensorMeta


class TorchRunner(Runner):
    """Run an ``nn.Module`` (or a zoo model id, created with pretrained weights on load()) on CPU.

    Same contract as the device runners: N×1×H×W float32 in [0, 1] in, N×1×sH×sW float32 out.
    ``precision="fp16"`` runs the module in half precision (on CPU this needs torch's fp16 kernels).
    """

    runtime = "torch"
    default_layout = "NCHW"

    def __init__(self, model, name=None, precision="fp32", threads=None, device="cpu"):
        model_id = model if isinstance(model, str) else None
        super(TorchRunner, self).__init__(None, name=name or model_id or type(model).__name__,
                                          precision=precision, layout="NCHW", threads=threads)
        self._source, self.device = model, torch.device(device)
        self.module = None

    def _load(self):
        if isinstance(self._source, str):
            self.module = create_model(self._source, pretrained=True)
        else:
            self.module = self._source
        if self.threads:
            torch.set_num_threads(int(self.threads))
        self._dtype = torch.float16 if self.precision == "fp16" else torch.float32
        self.module = self.module.eval().to(self.device, self._dtype)

    def _infer(self, native):
        return run_module(self.module, native, self.device, self._dtype)

    def _close(self):
        self.module = None

    def _input_meta(self):
        return TensorMeta("input", (None, 1, None, None), "float32", "NCHW")

    def _output_meta(self):
        return TensorMeta("output", (None, 1, None, None), "float32", "NCHW")

    def _describe(self):
        return {"version": "torch %s" % torch.__version__, "device": str(self.device),
                "threads": torch.get_num_threads()}
