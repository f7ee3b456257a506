"""Small torch.distributed helpers: one code path for 1 process, N GPUs (NCCL) or N CPU processes (gloo).

``torchrun --nproc_per_node=N tools/train.py ...`` sets RANK/WORLD_SIZE/LOCAL_RANK (and MASTER_ADDR/PORT);
without them (plain ``python tools/train.py``) everything runs in a single process and every helper below is a
no-op. A process group that was asked for but cannot be created is an error, never a silent fallback (N
independent processes writing the same checkpoints would be worse than stopping).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, List

import torch
import torch.distributed as dist

from pysot_ss.errors import DeviceError


@dataclass
class DistInfo:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    device: torch.device = torch.device("cpu")
    backend: str = ""

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def resolve_device(name: str = "auto") -> torch.device:
    """'auto' -> cuda when available else cpu; 'cpu'; 'cuda' / 'cuda:N' (an error if there is no GPU).
    Training, clustering and tracking all resolve DEVICE here."""
    name = (name or "auto").strip().lower()
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(name)
    except RuntimeError:
        raise DeviceError(f"DEVICE / --device {name!r} is not a device name (auto, cpu, cuda, cuda:N)") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise DeviceError(f"device {name!r} requested (DEVICE / --device) but torch sees no CUDA device "
                          f"(use 'cpu' or 'auto')")
    return dev


def init_distributed(device: str = "auto") -> DistInfo:
    """Join the process group described by the launcher's environment, or run as a single process."""
    dev = resolve_device(device)
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if "RANK" not in os.environ or world <= 1:
        if dev.type == "cuda" and dev.index is None:
            dev = torch.device("cuda", torch.cuda.current_device())
        return DistInfo(device=dev)
    rank = int(os.environ["RANK"])
    local_rank = int(os.environ.get("LOCAL_RANK", rank))
    if dev.type == "cuda":
        torch.cuda.set_device(local_rank % torch.cuda.device_count())
        dev = torch.device("cuda", torch.cuda.current_device())
        backend = "nccl"
    else:
        backend = "gloo"
    if not dist.is_initialized():
        dist.init_process_group(backend=backend)
    return DistInfo(rank, world, local_rank, dev, backend)


def is_enabled() -> bool:
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def barrier() -> None:
    if is_enabled():
        dist.barrier()


def all_reduce_mean(values: torch.Tensor) -> torch.Tensor:
    """Mean over processes of a tensor (returned as a new tensor; unchanged in a single process)."""
    if not is_enabled():
        return values
    out = values.clone()
    dist.all_reduce(out, op=dist.ReduceOp.SUM)
    return out / dist.get_world_size()


def all_true(flag: bool, device: torch.device) -> bool:
    """True only if `flag` holds on every process (for collective decisions such as skipping a step)."""
    if not is_enabled():
        return bool(flag)
    t = torch.tensor([1 if flag else 0], device=device)
    dist.all_reduce(t, op=dist.ReduceOp.MIN)
    return bool(t.item())


def all_gather_object(obj: Any) -> List[Any]:
    if not is_enabled():
        return [obj]
    out: List[Any] = [None] * dist.get_world_size()
    dist.all_gather_object(out, obj)
    return out


def broadcast_buffers(module: torch.nn.Module, src: int = 0) -> None:
    """Give every process rank `src`'s buffers (BatchNorm running stats), e.g. before saving: DDP broadcasts
    them at the start of each forward, so after the last step each rank still holds its own update."""
    if not is_enabled():
        return
    for b in module.buffers():
        dist.broadcast(b.data, src=src)


def cleanup() -> None:
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
