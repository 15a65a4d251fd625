"""A loaded Runner per runtime on the host: a bundle artifact, or PyTorch eager (the paper's framework)."""

from edgesr_runtime import bundle as bundle_io
from edgesr_runtime.errors import MissingBackendError
from edgesr_runtime.runners import available_runtimes, open_runner

TORCH = "torch"
TORCH_ARTIFACT = "pytorch-eager"


def installed_runtimes():
    """{runtime: (ok, detail)}: detail is the version when importable, else the install hint."""
    return {name: (ok, detail) for name, ok, detail in available_runtimes()}


def require_installed(runtime, installed=None):
    """MissingBackendError (one line with the install hint) unless ``runtime`` can be imported here."""
    if runtime == TORCH:
        return
    ok, detail = (installed or installed_runtimes()).get(runtime, (False, "use one of the listed runtimes"))
    if not ok:
        raise MissingBackendError(runtime, detail)


def open_host_runner(runtime, model_id, threads=None, bundle_dir=None, artifact=None, weights_dir=None):
    """A loaded Runner: ``torch`` builds the module with its verified weights, the others open ``artifact``."""
    if runtime == TORCH:
        from edgesr.models import create_model
        from edgesr.torch_runner import TorchRunner

        module = create_model(model_id, pretrained=True, weights_dir=weights_dir)
        return TorchRunner(module, name=model_id, threads=threads).load()
    return open_runner(runtime, bundle_io.artifact_file(bundle_dir, artifact), layout=artifact.get("layout"),
                       threads=threads, precision=artifact.get("precision"))


def artifact_label(artifact):
    """The ``artifact`` field of a result: the bundle file, or ``pytorch-eager`` for the reference."""
    return artifact["file"] if artifact else TORCH_ARTIFACT
