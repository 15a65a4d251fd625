"""The runner only the host has: PyTorch eager (the paper's framework), and the install check of a runtime."""

from edgesr_runtime.errors import MissingBackendError
from edgesr_runtime.harness import AUTO
from edgesr_runtime.runners import available_runtimes

TORCH = "torch"
TORCH_ARTIFACT = "pytorch-eager"


def require_installed(runtime):
    """MissingBackendError (one line with the install hint) unless ``runtime`` can be imported here."""
    if runtime in (AUTO, TORCH):
        return
    installed = {name: (ok, detail) for name, ok, detail in available_runtimes()}
    ok, detail = installed.get(runtime, (False, "use one of the listed runtimes"))
    if not ok:
        raise MissingBackendError(runtime, detail)


def open_torch_runner(model_id, threads=None, weights_dir=None):
    """A loaded Runner of the zoo module with its verified weights (PyTorch eager)."""
    from edgesr.models import create_model  # torch: loaded only when the torch runtime is asked for
    from edgesr.torch_runner import TorchRunner

    module = create_model(model_id, pretrained=True, weights_dir=weights_dir)
    return TorchRunner(module, name=model_id, threads=threads).load()
