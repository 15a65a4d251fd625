"""The training loop: patches → model → loss → Adam step, with validation, checkpoints and the final run files.

``train(config, out)`` starts a run in ``out`` or resumes the one there (see ``config.claim_run_folder``).
Every ``val_every`` steps the module is scored on the validation datasets; every ``checkpoint_every``
steps (and at the end, and when ``stop_after`` steps of this invocation are done) the checkpoint, the
log and the figure are written. At the end the final and the best-validated weights are written in
the trained-run format (``run_files``).
"""

import os
import time
from dataclasses import dataclass
from typing import Optional

import numpy as np
import torch
import torch.nn.functional as F

import edgesr
from edgesr.eval.datasets import resolve_dataset
from edgesr.models.receptive import receptive_radius
from edgesr.models.registry import get_config, parse_model_id
from edgesr.models.source import resolve
from edgesr.train import checkpoint, curves, run_files
from edgesr.train.config import TrainConfig, claim_run_folder
from edgesr.train.initial import initialise
from edgesr.train.patches import PatchSampler, crop_context, load_images
from edgesr.train.validation import Validator
from edgesr_runtime.errors import EdgesrError
from edgesr_runtime.progress import Progress

BEST_FOLDER = "best"
FALLBACK_CONTEXT = 8  # LR pixels, for a module whose receptive radius cannot be read from its layers
LOSS_FUNCTIONS = {"l1": F.l1_loss, "l2": F.mse_loss}


@dataclass
class RunOptions:
    """What does not change the trained weights: where to write and how to run."""

    out: str
    threads: Optional[int] = None
    checkpoint_every: int = 1000
    stop_after: Optional[int] = None  # steps of this invocation, then checkpoint and return
    progress: bool = True
    weights_dir: Optional[str] = None  # where --init pretrained finds the authors' weights
    notes: Optional[callable] = None  # note(text) for one-line messages


def make_schedule(optimizer, config: TrainConfig):
    if config.schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=config.steps, eta_min=config.lr_min)
    if config.schedule == "step":
        return torch.optim.lr_scheduler.StepLR(optimizer, step_size=config.lr_step or max(config.steps // 4, 1),
                                               gamma=0.5)
    return torch.optim.lr_scheduler.StepLR(optimizer, step_size=config.steps + 1, gamma=1.0)


def architecture_of(source):
    """The architecture spec a source was built from (a trained run's own architecture)."""
    return run_files.run_architecture(source.spec) if source.kind == "trained" else source.spec


def default_context(module):
    """The module's receptive radius in LR pixels, or FALLBACK_CONTEXT when its layers do not tell."""
    try:
        return receptive_radius(module)
    except ValueError:
        return FALLBACK_CONTEXT


def paper_psnr(architecture):
    """{dataset: dB} of the authors' published PSNR for a zoo architecture, else {}."""
    return dict(get_config(architecture).paper.psnr_db) if parse_model_id(architecture) else {}


class Trainer:
    """One run: the module, optimizer, schedule, data and state, and the steps between them."""

    def __init__(self, config: TrainConfig, options: RunOptions):
        self.config, self.options = config.check(), options
        self.note = options.notes or (lambda text: None)
        if options.threads:
            torch.set_num_threads(options.threads)
        self.source = resolve(config.model, weights_dir=options.weights_dir, pretrained=config.init == "pretrained")
        self.architecture = run_files.architecture_spec(architecture_of(self.source), options.out)
        self.label = run_files.check_label(config.name) if config.name else run_files.default_label(
            self.source.model_id if self.source.kind == "zoo" else os.path.basename(str(self.source.model_id)),
            options.out)
        scale = self.source.scale
        torch.manual_seed(config.seed)
        self.module = self.source.build().float().train()
        if config.init == "scratch":
            initialise(self.module, architecture_of(self.source))
        self.context = config.context if config.context >= 0 else default_context(self.module)
        dataset = resolve_dataset(config.data)
        images = load_images(dataset, scale, config.patch + 2 * self.context)
        for name, reason in images.skipped:
            self.note("skipped %s: %s" % (name, reason))
        self.sampler = PatchSampler(images, scale, config.patch + 2 * self.context, config.luma, config.augment)
        self.validator = Validator(config.val, scale, config.luma)
        if not any(p.requires_grad for p in self.module.parameters()):
            raise EdgesrError("%s has no trainable parameters" % config.model, "train a model with parameters")
        claim_run_folder(options.out, config)  # the first write: an unusable --out fails here, before any step
        self.optimizer = torch.optim.Adam(self.module.parameters(), lr=config.lr)
        self.schedule = make_schedule(self.optimizer, config)
        self.rng = np.random.default_rng(config.seed)
        self.loss_function = LOSS_FUNCTIONS[config.loss]
        self.state = (checkpoint.restore(options.out, self.module, self.optimizer, self.schedule, self.rng)
                      or checkpoint.RunState())

    # -- one step and its bookkeeping ------------------------------------------------------------------------------
    def step(self):
        lr_batch, hr_batch = self.sampler.sample(self.rng, self.config.batch)
        margin = self.context * self.source.scale
        output = self.module(torch.from_numpy(lr_batch))
        if output.shape != hr_batch.shape:
            raise EdgesrError("%s maps a %s batch to %s, expected %s (N×1×H×W luma in, N×1×sH×sW out, s = %d)"
                              % (self.config.model, tuple(lr_batch.shape), tuple(output.shape),
                                 tuple(hr_batch.shape), self.source.scale),
                              "fix the module's forward or its declared scale")
        output = crop_context(output, margin)
        loss = self.loss_function(output, crop_context(torch.from_numpy(hr_batch), margin))
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.schedule.step()
        self.state.step += 1
        self.state.loss_sum += float(loss.detach())
        self.state.loss_count += 1

    def log_row(self, seconds):
        row = {"step": self.state.step, "lr": self.optimizer.param_groups[0]["lr"], "seconds": round(seconds, 3),
               "loss": self.state.loss_sum / self.state.loss_count if self.state.loss_count else None}
        self.state.loss_sum, self.state.loss_count = 0.0, 0
        self.state.history.append(row)
        return row

    def validate(self, row):
        scores = self.validator(self.module)
        for key, value in scores.items():
            row[curves.psnr_field(key)] = value["psnr"]
        psnr = {key: value["psnr"] for key, value in scores.items()}
        score = float(np.mean(list(psnr.values())))
        if self.state.best is None or score > self.state.best["score"]:
            self.state.best = {"step": self.state.step, "psnr": psnr, "score": score,
                               "state": {k: v.detach().clone() for k, v in self.module.state_dict().items()}}
        return psnr

    def save(self, figure):
        """Checkpoint and log; the figure too when ``figure`` (drawing it costs more than a small model's step)."""
        out = self.options.out
        checkpoint.save(out, self.module, self.optimizer, self.schedule, self.rng, self.state)
        curves.write_log(os.path.join(out, curves.LOG_FILE), self.state.history, self.validator.keys)
        if figure:
            curves.write_figure(os.path.join(out, curves.CURVES_FILE), self.state.history, self.validator.keys,
                                "%s on %s" % (self.label, self.config.data), paper_psnr(self.architecture))

    # -- the run ---------------------------------------------------------------------------------------------------
    def run(self):
        """Train to ``config.steps`` (or ``stop_after``); the final model.json record, or None when stopped early."""
        config, options = self.config, self.options
        start = self.state.step
        if start:
            self.note("resuming %s at step %d of %d" % (options.out, start, config.steps))
        progress = Progress(max(config.steps - start, 1), "train", min_interval_s=10.0, enabled=options.progress)
        clock, seconds = time.perf_counter(), self.state.seconds
        shown = "first loss at step %d" % min(config.log_every, config.steps)
        figure_due = False  # a validation since the figure was last drawn
        while self.state.step < config.steps:
            self.step()
            step, last = self.state.step, self.state.step == config.steps
            stop = options.stop_after is not None and step - start >= options.stop_after
            validated = False
            if step % config.log_every == 0 or last or step % config.val_every == 0:
                row = self.log_row(seconds + time.perf_counter() - clock)
                shown = "loss %.5f, lr %.2g" % (row["loss"], row["lr"])
                if self.validator.datasets and (step % config.val_every == 0 or last):
                    psnr = self.validate(row)
                    shown += ", " + ", ".join("%s %.3f dB" % item for item in psnr.items())
                    validated = figure_due = True
            if step % options.checkpoint_every == 0 or last or stop:
                self.state.seconds = seconds + time.perf_counter() - clock
                self.save(figure=figure_due or last or stop)
                figure_due = False
            progress.step("step %d/%d" % (step, config.steps), shown, always=validated)
            if stop and not last:
                self.note("stopped at step %d of %d; rerun the same command to continue" % (step, config.steps))
                return None
        return self.finish()

    def finish(self):
        """Write the final (and best) weights in the trained-run format; the final model.json record."""
        config, out, state = self.config, self.options.out, self.state
        final = state.history[-1] if state.history else {}
        trained = {
            "steps": config.steps, "loss": config.loss, "final_loss": final.get("loss"), "data": config.data,
            "init": config.init, "batch": config.batch, "lr_patch": config.patch, "context": self.context,
            "lr": config.lr, "schedule": config.schedule, "seed": config.seed, "luma": config.luma,
            "seconds": round(state.seconds, 1),
            "val_psnr_final": {k: final.get(curves.psnr_field(k)) for k in self.validator.keys},
            "val_psnr_best": state.best and {"step": state.best["step"], "psnr": state.best["psnr"]},
            "edgesr": edgesr.__version__,
        }
        weights_file = run_files.weights_name(self.architecture, self.label)
        if state.best is not None:
            best_folder = os.path.join(out, BEST_FOLDER)
            run_files.write_run(best_folder, state.best["state"], self.label + "-best",
                                run_files.architecture_spec(architecture_of(self.source), best_folder),
                                self.source.scale, weights_file, dict(trained, checkpoint_step=state.best["step"]))
        return run_files.write_run(out, self.module.state_dict(), self.label, self.architecture, self.source.scale,
                                   weights_file, trained)


def train(config: TrainConfig, options: RunOptions):
    """Run (or resume) a training run; the model.json record when finished, None when stopped early."""
    trainer = Trainer(config, options)
    if trainer.state.step >= config.steps and os.path.isfile(os.path.join(options.out, run_files.MODEL_FILE)):
        trainer.note("%s is already trained (%d steps)" % (options.out, config.steps))
        return run_files.read_run(options.out)
    return trainer.run()
