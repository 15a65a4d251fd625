"""The options that define a training run (``TrainConfig``), and the check that a rerun is the same run.

Every field changes the weights a run produces, so a run folder holds one config (``train.json``):
rerunning the same command resumes it, a different one is refused. Threads, checkpoint interval and
progress output change nothing in the result and are not part of it.
"""

import json
import os
from dataclasses import asdict, dataclass, fields

from edgesr_runtime import files
from edgesr_runtime.errors import EdgesrError

CONFIG_FILE = "train.json"
LOSSES = ("l1", "l2")
SCHEDULES = ("cosine", "step", "constant")
INITS = ("scratch", "pretrained")  # or the path of a trained run folder


@dataclass(frozen=True)
class TrainConfig:
    model: str  # the spec the module is built from (zoo id or module spec)
    data: str  # the training folder (absolute path) or known dataset name
    init: str = "scratch"  # scratch | pretrained | absolute path of a trained run to start from
    steps: int = 20000
    batch: int = 16
    patch: int = 32  # supervised LR patch side; the HR patch is patch × scale
    context: int = -1  # LR pixels around a patch the model sees but the loss skips; -1: the receptive radius
    loss: str = "l1"
    lr: float = 1e-3
    schedule: str = "cosine"
    lr_min: float = 1e-5  # cosine: the last step's rate; step: unused
    lr_step: int = 0  # step schedule: halve the rate every lr_step steps (0: steps // 4)
    seed: int = 0
    augment: bool = True
    luma: str = "paper"
    val: str = "Set5,Set14"  # validation datasets, '' for none
    val_every: int = 1000
    log_every: int = 100
    name: str = ""  # the trained model's label; '' gives '<model>@<run folder name>'

    def check(self):
        """EdgesrError naming the first option out of range."""
        for name in ("steps", "batch", "patch", "val_every", "log_every"):
            if getattr(self, name) < 1:
                raise EdgesrError("--%s must be at least 1, got %d" % (name.replace("_", "-"), getattr(self, name)),
                                  "pass a positive --%s" % name.replace("_", "-"))
        if not self.lr > 0 or self.lr_min < 0:
            raise EdgesrError("--lr must be > 0 and --lr-min >= 0 (got %g, %g)" % (self.lr, self.lr_min),
                              "pass e.g. --lr 1e-3")
        if self.loss not in LOSSES:
            raise EdgesrError("unknown --loss %r" % self.loss, "use one of %s" % ", ".join(LOSSES))
        if self.schedule not in SCHEDULES:
            raise EdgesrError("unknown --schedule %r" % self.schedule, "use one of %s" % ", ".join(SCHEDULES))
        return self

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, data):
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def differences(stored: TrainConfig, wanted: TrainConfig):
    """['--lr 0.001 there, 0.002 here', ...] for the fields that differ."""
    return ["--%s %s there, %s here" % (f.name.replace("_", "-"), getattr(stored, f.name), getattr(wanted, f.name))
            for f in fields(TrainConfig) if getattr(stored, f.name) != getattr(wanted, f.name)]


def claim_run_folder(out, config: TrainConfig):
    """Make ``out`` this run's folder: new or empty → write train.json; same config → resume; else refuse.

    Writing train.json first also proves the folder writable before any work starts.
    """
    path = os.path.join(out, CONFIG_FILE)
    if os.path.isfile(path):
        try:
            with open(path, encoding="utf-8") as handle:
                stored = TrainConfig.from_dict(json.load(handle))
        except (OSError, ValueError, TypeError) as err:
            raise EdgesrError("%s is unreadable (%s)" % (path, err), "delete the run folder or use another --out")
        diff = differences(stored, config)
        if diff:
            raise EdgesrError("%s holds a different training run (%s)" % (out, "; ".join(diff)),
                              "rerun with the same options to resume it, or pass another --out")
        return True
    if os.path.isdir(out) and any(not name.startswith(".") for name in os.listdir(out)):
        raise EdgesrError("%s is not empty and holds no training run (%s missing)" % (out, CONFIG_FILE),
                          "pass a new or empty folder as --out")
    files.ensure_folder(out)
    files.write_json(path, config.to_dict())
    return False
