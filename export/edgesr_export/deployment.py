"""What a module may offer the exporter besides itself. Duck-typed, so export knows no model family.

* ``module.deployment_form(runtime)`` → an ``nn.Module`` computing the same function in real
  arithmetic, rewritten to run faster on ``runtime`` ("onnxruntime" for the ONNX file, which
  TensorRT also builds from; "litert" for TFLite), with a ``rewrites`` tuple naming what changed.
  Absent, or returning None: the module itself is exported.
* ``module.filter_bank()`` → an ``edgesr_runtime.filterbank.FilterBank`` when the module is a bank of
  single-channel filters on the low-resolution image followed by a reduction and a depth-to-space
  (the opencv runtime's artifact). Absent, or None: no such artifact. It is a deployment form too, so
  ``graph="reference"`` bundles leave it out.

Every form is proven like the module itself: its artifacts pass the parity gate against the golden
outputs of the *reference* module.
"""

GRAPHS = ("optimised", "reference")


def graph_for(module, runtime, graph):
    """(module to convert, rewrites) for one runtime: the deployment form for ``graph="optimised"``."""
    if graph == "reference" or not callable(getattr(module, "deployment_form", None)):
        return module, ()
    form = module.deployment_form(runtime)
    if form is None:
        return module, ()
    return form, tuple(getattr(form, "rewrites", ()))


def filter_bank_of(module, graph="optimised"):
    """The module's FilterBank, or None (always None for ``graph="reference"``: the literal module only)."""
    if graph == "reference":
        return None
    method = getattr(module, "filter_bank", None)
    return method() if callable(method) else None
