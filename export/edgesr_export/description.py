"""What the exporter is told about a module: the typed description every bundle is written from.

The exporter takes any PyTorch module (one 1-channel [0, 1] input, the output ``scale`` times
larger) plus a ``ModelDescription``; it never builds or looks up models itself.
"""

from dataclasses import dataclass, field
from typing import Dict


@dataclass(frozen=True)
class ModelDescription:
    """The facts a bundle records about its model (manifest ``model``, ONNX ``metadata_props``).

    ``producer_version`` is the version of the software that made the module; it is recorded as the
    manifest's ``edgesr_version`` and is part of the resume key. ``metadata`` holds extra string
    key/values embedded in the ONNX file (e.g. an author or weights credit).
    """

    model_id: str
    family: str
    scale: int
    producer_version: str
    hyperparameters: Dict[str, object] = field(default_factory=dict)
    metadata: Dict[str, str] = field(default_factory=dict)
