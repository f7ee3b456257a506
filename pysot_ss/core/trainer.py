"""SiamFC / S2SiamFC training loop: ``Trainer(cfg).train()`` -> path of the final model.

Conventions (those of pysot's tools/train.py, improved):
* one process, or DDP under ``torchrun`` (NCCL on GPUs, gloo on CPU) with a DistributedSampler; the whole loss
  (including the adversarial-mask forwards) runs inside the one DDP forward, see ``pysot_ss.losses.objective``;
* SiamFC's schedule: SGD (momentum, weight decay) on all parameters, lr BASE_LR -> END_LR exponentially over
  EPOCHS (epoch e trains at BASE_LR * (END_LR/BASE_LR)^(e/(EPOCHS-1)), pysot's "log" schedule), xavier init;
* after every epoch an atomic checkpoint ``OUTPUT_DIR/checkpoint_e{epoch}.pth`` (epoch = epochs done) with model,
  optimizer, scheduler, step and every rank's RNG states (python/numpy/torch/objective), loadable with
  ``weights_only=True``; ``resume="auto"`` continues from the latest one exactly (bit-identical on CPU);
* OUTPUT_DIR/config.yaml (effective config), OUTPUT_DIR/model.pth (final weights), logs under LOG_DIR:
  ``train.log`` (text) and TensorBoard events (losses, lr, throughput, data wait, AC-weight histogram, images);
  a resumed run cuts both back to where its checkpoint was written (the steps after it are trained again);
* bf16 autocast and channels_last on GPU (TRAIN.AMP, TRAIN.CHANNELS_LAST); plain fp32 on CPU;
* a non-finite loss (checked every step) or non-finite weights (checked before every save) stop the run with a
  `DivergenceError` naming the step: nothing non-finite is ever saved, the last checkpoint stays the last good one;
* the training data is built (and checked) before anything is written to OUTPUT_DIR.
"""
from __future__ import annotations

import re
import time
from collections import defaultdict
from contextlib import nullcontext
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset
from torch.utils.data.distributed import DistributedSampler
from tqdm import tqdm

from pysot_ss.core import distributed as du
from pysot_ss.core.config import save_cfg
from pysot_ss.core.rng import get_rng_state, seed_everything, set_rng_state
from pysot_ss.datasets import build_train_dataset
from pysot_ss.errors import ConfigError, PysotSSError
from pysot_ss.losses import Objective
from pysot_ss.models import build_model
from pysot_ss.utils.checkpoint import (CheckpointError, apply_weights, load_backbone, load_checkpoint, load_weights,
                                       save_checkpoint)
from pysot_ss.utils.logging import TBWriter, close_logger, setup_logger, truncate_log
from pysot_ss.utils.optim import make_optimizer

BATCH_KEYS = ("template", "search", "offset", "negative", "mean_color")
_CKPT_RE = re.compile(r"^checkpoint_e(\d+)\.pth$")


class DivergenceError(PysotSSError, RuntimeError):
    """The loss or the weights stopped being finite (the message names the epoch and step)."""


def latest_checkpoint(out_dir) -> Optional[Path]:
    """OUTPUT_DIR/checkpoint_e{N}.pth with the largest N, or None."""
    found = []
    for p in Path(out_dir).glob("checkpoint_e*.pth"):
        m = _CKPT_RE.match(p.name)
        if m:
            found.append((int(m.group(1)), p))
    return max(found)[1] if found else None


def lr_gamma(base_lr: float, end_lr: float, epochs: int) -> float:
    """Per-epoch factor taking BASE_LR to END_LR in the last epoch."""
    if epochs <= 1 or base_lr <= 0 or end_lr <= 0:
        return 1.0
    return (end_lr / base_lr) ** (1.0 / (epochs - 1))


class Trainer:
    """``Trainer(cfg).train()``; `dataset` overrides ``build_train_dataset(cfg)`` (tests, custom data)."""

    def __init__(self, cfg, dist_info: Optional[du.DistInfo] = None, resume: Optional[str] = None,
                 dataset: Optional[Dataset] = None):
        self.cfg = cfg.clone()
        self.cfg.freeze()
        cfg, t = self.cfg, self.cfg.TRAIN
        self.dist = dist_info or du.init_distributed(cfg.DEVICE)
        self.device = self.dist.device
        self.main = self.dist.is_main
        self.dataset = dataset if dataset is not None else build_train_dataset(cfg, cfg.TRAIN.PAIRS_PER_EPOCH)
        self.out_dir = Path(cfg.TRAIN.OUTPUT_DIR)
        self.log_dir = Path(cfg.TRAIN.LOG_DIR) if cfg.TRAIN.LOG_DIR else self.out_dir / "logs"
        self.log_file = (self.log_dir / "train.log").resolve()
        if self.main:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            save_cfg(cfg, self.out_dir / "config.yaml")
        du.barrier()
        self.log = setup_logger("pysot_ss.train", self.log_file if self.main else None, self.dist.rank)
        self.tb = TBWriter(self.log_dir, enabled=self.main)
        seed_everything(cfg.SEED + self.dist.rank)

        cuda = self.device.type == "cuda"
        self.amp = bool(cfg.TRAIN.AMP) and cuda and torch.cuda.is_bf16_supported()
        self.channels_last = bool(cfg.TRAIN.CHANNELS_LAST) and cuda
        if cuda:
            torch.backends.cudnn.benchmark = True  # fixed input sizes; exact reproducibility is a CPU promise

        model = build_model(cfg)
        if cfg.BACKBONE.PRETRAINED:
            load_backbone(model.backbone, cfg.BACKBONE.PRETRAINED)
        if cfg.TRAIN.PRETRAINED:
            load_weights(model, cfg.TRAIN.PRETRAINED)
        model.to(self.device)
        if self.channels_last:
            model.to(memory_format=torch.channels_last)
        self.model = model.train()
        self.objective = Objective(cfg, model, seed=cfg.SEED + self.dist.rank)
        if self.dist.enabled:
            ids = [self.device.index] if cuda else None
            self.net = nn.parallel.DistributedDataParallel(self.objective, device_ids=ids)
        else:
            self.net = self.objective
        self.optimizer = make_optimizer(t.OPTIMIZER, [p for p in model.parameters() if p.requires_grad], t.BASE_LR,
                                        momentum=t.MOMENTUM, weight_decay=t.WEIGHT_DECAY, key="TRAIN.OPTIMIZER")
        self.scheduler = torch.optim.lr_scheduler.ExponentialLR(self.optimizer, lr_gamma(t.BASE_LR, t.END_LR, t.EPOCHS))

        self.sampler = DistributedSampler(self.dataset, num_replicas=self.dist.world_size, rank=self.dist.rank,
                                          shuffle=True, seed=cfg.SEED, drop_last=True)
        self.steps_per_epoch = len(self.sampler) // cfg.TRAIN.BATCH_SIZE
        self.pairs_per_step = cfg.TRAIN.BATCH_SIZE * self.dist.world_size
        if self.steps_per_epoch == 0:
            raise ConfigError(f"an epoch of {len(self.dataset)} pairs is shorter than one step of "
                              f"{cfg.TRAIN.BATCH_SIZE} x {self.dist.world_size} pairs: raise TRAIN.PAIRS_PER_EPOCH")

        self.start_epoch = 0
        self.step = 0
        resume = resume if resume is not None else cfg.TRAIN.RESUME
        if resume:
            self._resume(resume)

    def _check_weights(self, name: str) -> None:
        """Before writing `name`: non-finite weights (identical on every rank) are a DivergenceError."""
        bad = [k for k, v in self.model.state_dict().items() if v.is_floating_point() and not torch.isfinite(v).all()]
        if bad:
            self._diverged(f"after {self.step} step(s) the weights are not finite ({', '.join(bad[:3])}); "
                           f"{name} not written")

    def _diverged(self, what: str) -> None:
        last = latest_checkpoint(self.out_dir)
        raise DivergenceError(f"training diverged: {what}. Lower TRAIN.BASE_LR or set TRAIN.GRAD_CLIP; "
                              + (f"the last good checkpoint is {last}" if last else "no checkpoint was written"))

    def save(self, epoch: int) -> Optional[Path]:
        du.broadcast_buffers(self.model)  # collective: every rank takes part
        self._check_weights(f"checkpoint_e{epoch}.pth")
        rng = get_rng_state()
        rng["objective"] = self.objective.rng_state()
        rng = du.all_gather_object(rng)
        path = None
        if self.main:
            path = self.out_dir / f"checkpoint_e{epoch}.pth"
            self.log.info(f"saving {path}")  # logged first: a resume from it keeps the log up to this line
            log = {"log_file": str(self.log_file), "log_bytes": self.log_file.stat().st_size}
            save_checkpoint({"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                             "scheduler": self.scheduler.state_dict(), "epoch": epoch, "step": self.step,
                             "world_size": self.dist.world_size, "rng": rng, "config": self.cfg.dump(), **log}, path)
        du.barrier()
        return path

    def _resume(self, resume: str) -> None:
        if resume == "auto":
            path = latest_checkpoint(self.out_dir)
            if path is None:
                self.log.info(f"--resume auto: no checkpoint in {self.out_dir}, starting from scratch")
                return
        else:
            path = Path(resume)
        ckpt = load_checkpoint(path, map_location="cpu")
        for key in ("model", "optimizer", "scheduler", "epoch"):
            if key not in ckpt:
                raise CheckpointError(f"{path}: not a training checkpoint (no {key!r}); use TRAIN.PRETRAINED for "
                                      f"weights")
        apply_weights(self.model, ckpt, path)
        try:
            self.optimizer.load_state_dict(ckpt["optimizer"])
            self.scheduler.load_state_dict(ckpt["scheduler"])
        except (ValueError, KeyError, TypeError) as e:
            raise CheckpointError(f"{path}: its optimizer state does not fit this run ({e})") from None
        self.start_epoch = int(ckpt["epoch"])
        self.step = int(ckpt.get("step", 0))
        # the interrupted run's log lines after this checkpoint belong to steps that run again: cut them (this log
        # only), and TensorBoard hides its events from this step on
        mine = self.main and ckpt.get("log_file") == str(self.log_file)
        dropped = truncate_log(self.log_file, int(ckpt["log_bytes"])) if mine else 0
        self.tb.purge_step = self.step
        rng = ckpt.get("rng") or []
        if len(rng) == self.dist.world_size:
            set_rng_state(rng[self.dist.rank])
            if "objective" in rng[self.dist.rank]:
                self.objective.set_rng_state(rng[self.dist.rank]["objective"])
        else:
            self.log.warning(f"{path}: saved by {len(rng)} process(es), resumed by {self.dist.world_size}: "
                             f"RNG states re-seeded, the run will not be bit-identical")
            seed_everything(self.cfg.SEED + 7919 * self.start_epoch + self.dist.rank)
        if isinstance(ckpt.get("config"), str) and ckpt["config"] != self.cfg.dump():
            self.log.warning(f"{path}: the checkpoint was written with a different config (using the current one)")
        self.log.info(f"resumed from {path}: {self.start_epoch} epoch(s), {self.step} step(s) done"
                      + (f"; the {dropped} log line(s) written after it were removed (those steps run again)"
                         if dropped else ""))

    def save_final(self) -> Optional[Path]:
        du.broadcast_buffers(self.model)
        self._check_weights("model.pth")
        path = None
        if self.main:
            path = self.out_dir / "model.pth"
            save_checkpoint({"model": self.model.state_dict(), "config": self.cfg.dump(),
                             "epoch": self.start_epoch, "step": self.step}, path)
            self.log.info(f"saved {path}")
        du.barrier()
        return path

    def _loader(self, epoch: int) -> DataLoader:
        self.sampler.set_epoch(epoch)
        if hasattr(self.dataset, "set_epoch"):
            self.dataset.set_epoch(epoch)
        # worker seeds (python/numpy/torch, set by torch in each worker) from (SEED, epoch, rank), not from the
        # global RNG; the PairDataset's items are a pure function of (SEED, epoch, index) anyway
        g = torch.Generator().manual_seed(self.cfg.SEED + 100003 * epoch + self.dist.rank)
        return DataLoader(self.dataset, batch_size=self.cfg.TRAIN.BATCH_SIZE, sampler=self.sampler,
                          num_workers=int(self.cfg.TRAIN.NUM_WORKERS), pin_memory=self.device.type == "cuda",
                          drop_last=True, generator=g, persistent_workers=False)

    def _to_device(self, batch) -> Dict[str, torch.Tensor]:
        out = {k: batch[k].to(self.device, non_blocking=True) for k in BATCH_KEYS if k in batch}
        for k in ("template", "search"):
            out[k] = out[k].float()
            if self.channels_last:
                out[k] = out[k].contiguous(memory_format=torch.channels_last)
        return out

    def _autocast(self):
        return torch.autocast("cuda", dtype=torch.bfloat16) if self.amp else nullcontext()

    def _collect(self, step: int) -> bool:
        t = self.cfg.TRAIN
        every = [t.LOG_IMAGES_EVERY, t.PRINT_FREQ]
        if "adversarial_mask" in self.objective.modifier_names:
            every.append(self.cfg.LOSS.ADVERSARIAL_MASK.LOG_EVERY)
        return self.main and any(e > 0 and step % e == 0 for e in every)

    def _log_artifacts(self, step: int) -> None:
        a = self.objective.artifacts
        t = self.cfg.TRAIN
        if "ac_weights" in a and t.PRINT_FREQ > 0 and step % t.PRINT_FREQ == 0:
            self.tb.histogram("train/ac_weight", a["ac_weights"], step)
        if t.LOG_IMAGES_EVERY > 0 and step % t.LOG_IMAGES_EVERY == 0:
            self.tb.maps("images/response", a.get("response"), step)
            self.tb.maps("images/label", a.get("labels"), step)
        every = self.cfg.LOSS.ADVERSARIAL_MASK.LOG_EVERY
        if "masked_templates" in a and every > 0 and step % every == 0:
            m = a["masked_templates"]
            self.tb.bgr_images("images/masked_templates", m[:4].flatten(0, 1), step, max_images=4 * m.shape[1])

    def train(self) -> Optional[Path]:
        cfg = self.cfg
        t = cfg.TRAIN
        max_steps = int(t.MAX_STEPS)
        self.log.info(f"training {cfg.BACKBONE.TYPE}+{cfg.HEAD.TYPE}, loss {cfg.LOSS.TYPE} + {list(cfg.LOSS.MODIFIERS)}"
                      f", sampler {cfg.SAMPLER.TYPE}: {t.EPOCHS} epochs x {self.steps_per_epoch} steps x "
                      f"{self.pairs_per_step} pairs on {self.device} ({self.dist.world_size} process(es), "
                      f"amp={self.amp}, channels_last={self.channels_last}); output {self.out_dir}")
        done = max_steps > 0 and self.step >= max_steps
        epoch = self.start_epoch
        try:
            while epoch < t.EPOCHS and not done:
                done = self._train_epoch(epoch, max_steps)
                if self.step_in_epoch == self.steps_per_epoch:  # a complete epoch
                    self.scheduler.step()
                    epoch += 1
                    self.start_epoch = epoch
                    self.save(epoch)
            return self.save_final()
        finally:
            self.tb.close()
            close_logger(self.log)

    def _train_epoch(self, epoch: int, max_steps: int) -> bool:
        t = self.cfg.TRAIN
        lr = self.optimizer.param_groups[0]["lr"]
        self.tb.scalar("train/lr", lr, self.step)
        meters: Dict[str, List[float]] = defaultdict(list)
        epoch_loss, epoch_base = 0.0, 0.0
        self.step_in_epoch = 0
        bar = tqdm(total=self.steps_per_epoch, desc=f"epoch {epoch + 1}/{t.EPOCHS}", dynamic_ncols=True,
                   disable=True if not self.main else None, leave=False)
        epoch_start = end = time.perf_counter()
        for batch in self._loader(epoch):
            data_time = time.perf_counter() - end
            batch = self._to_device(batch)
            collect = self._collect(self.step)
            with self._autocast():
                out = self.net(**batch, collect=collect)
            loss = out["total_loss"]
            if not du.all_true(bool(torch.isfinite(loss.detach())), self.device):  # every rank stops together
                self._diverged(f"epoch {epoch + 1} step {self.step_in_epoch + 1}/{self.steps_per_epoch} (step "
                               f"{self.step + 1} of the run): total_loss = {float(loss.detach())}"
                               + (f" on rank {self.dist.rank}" if self.dist.enabled else ""))
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if t.GRAD_CLIP > 0:
                torch.nn.utils.clip_grad_norm_(self.model.parameters(), t.GRAD_CLIP)
            self.optimizer.step()
            if self.device.type == "cuda":
                torch.cuda.synchronize(self.device)
            batch_time = time.perf_counter() - end
            scalars = {k: float(v.detach()) for k, v in out.items()}
            for k, v in {**scalars, "data_time": data_time, "batch_time": batch_time}.items():
                meters[k].append(v)
            epoch_loss += scalars["total_loss"]
            epoch_base += scalars["base_loss"]
            if self.main:
                self.tb.scalars({f"loss/{k}": v for k, v in scalars.items()}, self.step)
                self.tb.scalars({"time/data": data_time, "time/batch": batch_time,
                                 "speed/pairs_per_s": self.pairs_per_step / max(batch_time, 1e-9)}, self.step)
                if collect:
                    self._log_artifacts(self.step)
                bar.set_postfix(loss=f"{scalars['total_loss']:.4f}", lr=f"{lr:.2e}",
                                pps=f"{self.pairs_per_step / max(batch_time, 1e-9):.1f}")
                bar.update(1)
            self.step += 1
            self.step_in_epoch += 1
            if t.PRINT_FREQ > 0 and (self.step_in_epoch % t.PRINT_FREQ == 0
                                     or self.step_in_epoch == self.steps_per_epoch):
                self._print(epoch, lr, meters)
                meters.clear()
            if max_steps > 0 and self.step >= max_steps:
                break
            end = time.perf_counter()
        bar.close()
        stop = max_steps > 0 and self.step >= max_steps
        mean, base = epoch_loss / max(self.step_in_epoch, 1), epoch_base / max(self.step_in_epoch, 1)
        msg = (f"epoch {epoch + 1}/{t.EPOCHS} {'done' if not stop else 'stopped (TRAIN.MAX_STEPS)'}: "
               f"{self.step_in_epoch} steps, mean total_loss {mean:.5f}, base_loss {base:.5f} (plain SiamFC), "
               f"{time.perf_counter() - epoch_start:.1f}s")
        bad = getattr(self.dataset, "bad_images", None)  # PairDataset counts them across its workers; others may not
        if bad is not None:
            skips = getattr(self.dataset, "bad_image_skips", None)
            msg += f", bad images so far: {int(bad)}" + (f" ({int(skips)} draws replaced)" if skips else "")
        self.log.info(msg)
        self.tb.scalar("epoch/total_loss", mean, epoch + 1)
        self.tb.scalar("epoch/base_loss", base, epoch + 1)
        self.tb.flush()
        return stop

    def _print(self, epoch: int, lr: float, meters: Dict[str, List[float]]) -> None:
        names = sorted(meters)
        vals = torch.tensor([float(np.mean(meters[k])) for k in names], dtype=torch.float64)
        vals = du.all_reduce_mean(vals.to(self.device) if self.dist.backend == "nccl" else vals).cpu()
        avg = dict(zip(names, vals.tolist()))
        bt = avg.get("batch_time", float("nan"))
        remaining = (self.cfg.TRAIN.EPOCHS - epoch) * self.steps_per_epoch - self.step_in_epoch
        if self.cfg.TRAIN.MAX_STEPS > 0:
            remaining = min(remaining, self.cfg.TRAIN.MAX_STEPS - self.step)
        eta = max(remaining, 0) * bt
        losses = "  ".join(f"{k}: {avg[k]:.5f}" for k in names if k not in ("data_time", "batch_time"))
        self.log.info(f"Epoch: [{epoch + 1}][{self.step_in_epoch}/{self.steps_per_epoch}] lr: {lr:.6f}  {losses}  "
                      f"batch_time: {bt:.3f}s  data_wait: {avg.get('data_time', float('nan')):.3f}s  "
                      f"{self.pairs_per_step / max(bt, 1e-9):.1f} pairs/s  ETA {int(eta // 3600)}:"
                      f"{int(eta % 3600 // 60):02d}:{int(eta % 60):02d}")
