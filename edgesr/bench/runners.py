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


def open_torch_runner(source, threads=None):
    """A loaded Runner of a resolved ModelSource's module (PyTorch eager)."""
    from edgesr.torch_runner import TorchRunner  # torch: loaded only when the torch runtime is asked for

    return TorchRunner(source.build(), name=source.model_id, threads=threads).load()
