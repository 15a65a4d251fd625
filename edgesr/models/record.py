"""One record per model family: its name, its hyper-parameters (which spell its id) and its module class.

A family registers itself where its class is defined (``edgesr.models.families``)::

    @register_family("eSR-MAX", "kernel", "channels")
    class ESRMax(nn.Module):
        def __init__(self, scale, kernel, channels): ...

The record gives the family's id pattern (``eSR-MAX_s2_K3_C1``: the scale, then one letter and
number per hyper-parameter, in order) and builds the module as ``cls(scale, *hyper-parameters)``.
Adding a family is one class with its decorator, plus its rows in the paper table.
"""

import re
from dataclasses import dataclass
from typing import Dict, Tuple

# The id letter of each hyper-parameter (a field of ModelConfig).
ID_LETTERS = {"kernel": "K", "channels": "C", "depth": "D", "features": "S", "maps": "M"}


@dataclass(frozen=True)
class FamilyRecord:
    """A family: its name, its hyper-parameters in id and constructor order, and its nn.Module class."""

    name: str
    hyperparameters: Tuple[str, ...]
    module_class: type

    @property
    def id_pattern(self):
        """The regular expression of the family's ids; named groups are ModelConfig fields."""
        parts = [re.escape(self.name), r"_s(?P<scale>\d+)"]
        parts += [r"_%s(?P<%s>\d+)" % (ID_LETTERS[h], h) for h in self.hyperparameters]
        return "".join(parts)

    def build(self, config):
        """An untrained module of ``config``'s architecture."""
        return self.module_class(config.scale, *(getattr(config, h) for h in self.hyperparameters))


FAMILY_RECORDS: Dict[str, FamilyRecord] = {}  # in registration order, which is the paper's order


def register_family(name, *hyperparameters):
    """Class decorator: record the class as the module of family ``name``."""
    unknown = [h for h in hyperparameters if h not in ID_LETTERS]
    if unknown:
        raise ValueError("%s: unknown hyper-parameters %s (known: %s)" % (name, unknown, ", ".join(ID_LETTERS)))

    def register(cls):
        if name in FAMILY_RECORDS:
            raise ValueError("family %s is registered twice" % name)
        FAMILY_RECORDS[name] = FamilyRecord(name, tuple(hyperparameters), cls)
        return cls

    return register
