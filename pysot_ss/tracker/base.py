"""What every tracker shares: the init/track interface, device and thread choice, and the eval-only network copy
the fast SiamFC path runs (BatchNorm folded into the convolutions, channels_last, optional bf16 weights)."""
from __future__ import annotations

import copy
import functools
from typing import Dict, Optional, Sequence

import numpy as np
import torch
import torch.nn as nn

from pysot_ss.core.distributed import resolve_device  # noqa: F401  (one DEVICE rule; trackers import it here)
from sotbase.system import available_cores


class BaseTracker:
    """`init(img, (x, y, w, h))` on the first frame, then `track(img) -> {'bbox': [x, y, w, h], 'best_score': s}`.

    Images are OpenCV BGR uint8 arrays (grayscale and BGRA are accepted); boxes use pysot's 0-based convention
    (the box's centre is ``(x + (w - 1) / 2, y + (h - 1) / 2)``).
    """

    name = "base"
    NEEDS_WEIGHTS = True  # a network and its weights (tracker.builder.needs_weights); OpenCV's trackers say False

    def init(self, img: np.ndarray, bbox: Sequence[float]) -> None:
        raise NotImplementedError

    def track(self, img: np.ndarray) -> Dict:
        raise NotImplementedError


@functools.lru_cache(maxsize=1)
def _cpu_flags() -> frozenset:  # a property of the machine: /proc/cpuinfo is read once
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def bf16_native(device: torch.device) -> bool:
    """True when bf16 convolutions run on native instructions (CUDA bf16, or a CPU with AVX512-BF16 / AMX):
    without them oneDNN emulates bf16 and it is slower than fp32."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type != "cpu" or not torch.backends.mkldnn.is_available():
        return False
    return bool(_cpu_flags() & {"avx512_bf16", "amx_bf16"})


def use_bf16(setting, device: torch.device) -> bool:
    """TRACK.BF16: 'auto' (when native), 'on'/'off' (yacs may also hand us a bool)."""
    if isinstance(setting, bool):
        return setting
    s = str(setting).strip().lower()
    if s in ("on", "true", "1", "yes"):
        return True
    if s in ("off", "false", "0", "no"):
        return False
    if s == "auto":
        return bf16_native(device)
    raise ValueError(f"TRACK.BF16 must be 'auto', 'on' or 'off', got {setting!r}")


def configure_threads(num_threads: int = 0) -> int:
    """torch intra-op threads = `num_threads`, or the cores this process may run on (0)."""
    n = int(num_threads) if num_threads and int(num_threads) > 0 else available_cores()
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    return n


def fold_batchnorm(module: nn.Module) -> nn.Module:
    """In place: every Conv2d directly followed by a BatchNorm2d (siblings in a container) absorbs the BN's eval
    affine transform, and the BN becomes Identity. Only valid in eval mode (running statistics)."""
    children = list(module.named_children())
    for (name_a, a), (name_b, b) in zip(children, children[1:]):
        if isinstance(a, nn.Conv2d) and isinstance(b, nn.BatchNorm2d) and b.running_mean is not None:
            with torch.no_grad():
                scale = b.weight / torch.sqrt(b.running_var + b.eps) if b.affine else \
                    1.0 / torch.sqrt(b.running_var + b.eps)
                shift = (b.bias if b.affine else 0.0) - b.running_mean * scale
                a.weight.mul_(scale.view(-1, 1, 1, 1))
                bias = a.bias if a.bias is not None else torch.zeros_like(b.running_mean)
                new_bias = bias * scale + shift
                if a.bias is None:
                    a.bias = nn.Parameter(new_bias)
                else:
                    a.bias.copy_(new_bias)
            setattr(module, name_b, nn.Identity())
    for _, child in module.named_children():
        fold_batchnorm(child)
    return module


def fold_input_preprocessing(model: nn.Module, backbone: nn.Module) -> bool:
    """In place on `backbone` (a copy of ``model.backbone``): absorb the model's input preprocessing -- BGR -> RGB
    order and the 1/255 scaling, both linear -- into the weights of the convolution that sees the image, so that
    raw BGR 0..255 crops can be fed straight in. Possible when the backbone names that convolution
    (``input_conv()``) and the normalisation is 'none' or 'unit' ('minmax' depends on each crop). Returns whether
    it was folded."""
    conv_of = getattr(backbone, "input_conv", None)
    if conv_of is None or getattr(model, "normalize", None) not in ("none", "unit"):
        return False
    conv = conv_of()
    with torch.no_grad():
        w = conv.weight
        if model.channel_order == "RGB":
            w = w.flip(1)  # conv(flip(x), W) == conv(x, flip(W))
        if model.normalize == "unit":
            w = w / 255.0
        conv.weight.copy_(w)
    return True


class InferenceNet:
    """A tracking-only copy of a SiameseNet: backbone with BN folded (and the input preprocessing too, when it is
    linear), channels_last, bf16 or fp32 weights, on `device`; the head runs in fp32 (the correlation is cheap
    and keeps the response precise).

    ``embed(crops)`` takes crops as a uint8 (N, H, W, 3) BGR tensor straight from OpenCV (its NCHW permutation is
    already channels_last) and returns fp32 features. With the preprocessing folded, the uint8 crops are cast
    once to the compute type (exact: bf16 holds 0..255) and nothing else touches the pixels.
    """

    def __init__(self, model: nn.Module, device: torch.device, bf16: bool = False):
        self.model = model
        self.device = device
        self.dtype = torch.bfloat16 if bf16 else torch.float32
        backbone = fold_batchnorm(copy.deepcopy(model.backbone).float().eval())
        self.folded_input = fold_input_preprocessing(model, backbone)
        self.backbone = backbone.to(device=device, dtype=self.dtype, memory_format=torch.channels_last).eval()
        self.head = copy.deepcopy(model.head).float().to(device).eval()
        for p in list(self.backbone.parameters()) + list(self.head.parameters()):
            p.requires_grad_(False)

    def embed(self, crops_nhwc: torch.Tensor) -> torch.Tensor:
        x = crops_nhwc.to(self.device, non_blocking=True).permute(0, 3, 1, 2)
        if not self.folded_input:
            x = self.model.preprocess(x.float())  # channel order + normalisation, exactly as in training
        x = x.to(self.dtype).contiguous(memory_format=torch.channels_last)
        return self.backbone(x).float()

    def correlate(self, zf: torch.Tensor, xf: torch.Tensor) -> torch.Tensor:
        return self.head(zf, xf)


def finetuned_model(model: nn.Module, img: np.ndarray, bbox, cfg) -> Optional[nn.Module]:
    """cfg.TRACK.FINETUNE.ENABLED: a copy of `model` fine-tuned on the first frame (paper 4.4), else None."""
    if not cfg.TRACK.FINETUNE.ENABLED:
        return None
    from pysot_ss.tracker.finetune import finetune_on_first_frame  # written by the training side; lazy on purpose

    tuned = finetune_on_first_frame(model, img, list(bbox), cfg)
    return tuned.eval()
