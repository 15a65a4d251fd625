"""Save and restore everything a training step depends on, atomically, so a killed run resumes exactly.

A checkpoint holds the step, the model, optimizer and scheduler states, the best validated weights,
the log history, the accumulated wall time and the numpy and torch random states. With these, the
steps after a resume are the steps an uninterrupted run would have taken (same patches, same
updates; bit-identical on a CPU with the same thread count).
"""

import io
import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import numpy as np
import torch

from edgesr_runtime import files
from edgesr_runtime.errors import EdgesrError

CHECKPOINT_FILE = "checkpoint.pt"
FORMAT = "edgesr-train-checkpoint/1"


@dataclass
class RunState:
    """The mutable state of a run beside the model, optimizer and scheduler."""

    step: int = 0
    seconds: float = 0.0  # wall time spent training so far, over all invocations
    loss_sum: float = 0.0  # of the steps since the last log row
    loss_count: int = 0
    history: List[Dict] = field(default_factory=list)  # log rows (see curves.LOG_FIELDS)
    best: Optional[Dict] = None  # {"step", "psnr": {dataset: dB}, "score", "state": state dict}


def save(out, module, optimizer, scheduler, rng: np.random.Generator, state: RunState):
    """Write OUT/checkpoint.pt atomically."""
    payload = {
        "format": FORMAT,
        "model": module.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "numpy_rng": rng.bit_generator.state,
        "torch_rng": torch.get_rng_state(),
        "progress": state.__dict__,
    }
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    files.write_bytes(os.path.join(out, CHECKPOINT_FILE), buffer.getvalue())


def restore(out, module, optimizer, scheduler, rng: np.random.Generator):
    """The RunState stored in OUT/checkpoint.pt after loading the states into the objects; None when absent."""
    path = os.path.join(out, CHECKPOINT_FILE)
    if not os.path.isfile(path):
        return None
    try:
        payload = torch.load(path, weights_only=True, map_location="cpu")
        if payload.get("format") != FORMAT:
            raise ValueError("format %r, expected %r" % (payload.get("format"), FORMAT))
        module.load_state_dict(payload["model"])
        optimizer.load_state_dict(payload["optimizer"])
        scheduler.load_state_dict(payload["scheduler"])
        rng.bit_generator.state = payload["numpy_rng"]
        torch.set_rng_state(payload["torch_rng"])
    except Exception as err:  # torch raises several types for damaged files
        raise EdgesrError("cannot resume from %s: %s" % (path, str(err).splitlines()[0] if str(err) else err),
                          "delete the checkpoint to start over, or pass another --out") from None
    return RunState(**payload["progress"])
