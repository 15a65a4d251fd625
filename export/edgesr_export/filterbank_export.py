"""Write a filter-bank artifact (``model.filters.npz``, run by the device's OpenCV runner).

Generic: the caller describes its model as an ``edgesr_runtime.filterbank.FilterBank`` (kernels,
scale, groups, reduction); this module knows no model family. It returns the artifact facts the
manifest records, like the ONNX and TFLite converters do.
"""

from edgesr_runtime import filterbank

INPUT, OUTPUT = "input", "output"
FORM = "filter bank: s² phase filters (cv2.filter2D, zero border) + reduction + interleave"


def write_filterbank(bank, path, lr_height, lr_width, dynamic=False):
    """Write ``bank`` to ``path`` for N=1 × 1 × lr_height × lr_width frames (any H×W when ``dynamic``).

    Returns the artifact facts (names, shapes, the bank's size).
    """
    shape_in = [1, 1, -1, -1] if dynamic else [1, 1, int(lr_height), int(lr_width)]
    filterbank.save(bank, path, shape_in)
    shape_out = bank.output_shape(shape_in)
    return {"layout": "NCHW", "input_name": INPUT, "output_name": OUTPUT,
            "input_shape": [d if d >= 0 else None for d in shape_in],
            "output_shape": [d if d >= 0 else None for d in shape_out], "dynamic": bool(dynamic),
            "io_dtype": "float32", "exporter": "edgesr_export.filterbank_export", "form": FORM,
            "filter_bank": {"filters": int(bank.kernels.shape[0]), "kernel": list(bank.kernels.shape[1:]),
                            "scale": bank.scale, "groups": bank.groups, "reduction": bank.reduction}}


def produce(job, spec):
    """The exporter's producer for an ArtifactSpec with producer "filterbank": writes ``job.filter_bank``."""
    return write_filterbank(job.filter_bank, job.path(spec.file), job.lr_height, job.lr_width,
                            dynamic=job.options.get("dynamic", False))
