"""Write a model-zoo file: a snapshot's weights as an fp16 state dict plus its config, loadable with
``torch.load(path, weights_only=True)`` (about half the size of the fp32 ``model.pth``).

    python tools/export_zoo.py --snapshot runs/s2siamfc/model.pth --out models/s2siamfc_alexnet.pth \
        [--note "trained by benchmarks/quality.py ..."] [--opts TRACK.LINEAR_UPDATE True]

The file is a pysot-ss checkpoint ``{"format": "pysot-ss", "model": <fp16 state dict>, "config": <YAML>,
"zoo": {...provenance...}}``: ``tools/test.py --snapshot <file>`` rebuilds the network from the stored config,
and plain PyTorch users take ``torch.load(file, weights_only=True)["model"]``. Tensors fp16 cannot hold (see
`fp16_state_dict`) stay fp32 and are listed under ``zoo.fp32_keys``. Tracking casts the weights back to
the model's dtype; the fp16 rounding moves responses by ~1e-3 (tests/apps/test_model_zoo.py).
"""
import argparse
import hashlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sotbase.errors import UserError  # noqa: E402


FP16_MAX = 65504.0


def fp16_state_dict(state):
    """Floating tensors in fp16, except those fp16 cannot hold (a value beyond +-65504): those stay fp32 and are
    named in the second return value (values below fp16's smallest subnormal, 6e-8, round to zero, harmlessly).
    Example: the running variance of the xcorr_bn head's BatchNorm, the variance of raw correlation responses,
    is often > 65504; in fp16 it becomes inf and the head outputs a constant map."""
    out, kept = {}, []
    for k, v in state.items():
        v = v.detach()
        if v.is_floating_point():
            f = v.float()
            if f.numel() == 0 or float(f.abs().max()) <= FP16_MAX:  # NaN and inf fail the test: max propagates NaN
                v = f.half()
            else:
                kept.append(k)
                v = f
        out[k] = v.contiguous()
    return out, kept


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--snapshot", required=True, help="pysot-ss checkpoint (model.pth of a training run)")
    p.add_argument("--out", required=True, help="zoo file to write (.pth)")
    p.add_argument("--config", "--cfg", help="experiment YAML (default: the config stored in the snapshot)")
    p.add_argument("--note", default="", help="free text stored under zoo.note (how it was trained)")
    p.add_argument("--opts", nargs=argparse.REMAINDER, default=[],
                   help="KEY VALUE overrides of the stored config (e.g. TRACK.LINEAR_UPDATE True)")
    args = p.parse_args(argv)

    from pysot_ss.api import config_for
    from pysot_ss.models import build_model
    from pysot_ss.utils.checkpoint import load_weights, save_checkpoint

    try:
        cfg = config_for(args.config, args.snapshot, args.opts)
        model = build_model(cfg)
        load_weights(model, args.snapshot, strict=True)  # checks that weights and config match
    except (UserError, OSError) as e:
        print(f"export_zoo: error: {e}", file=sys.stderr)
        return 2
    state, kept = fp16_state_dict(model.state_dict())
    src = Path(args.snapshot)
    zoo = {"source": src.name, "source_sha256": hashlib.sha256(src.read_bytes()).hexdigest(), "dtype": "float16",
           "params": int(sum(v.numel() for v in state.values() if v.is_floating_point())), "note": args.note,
           "fp32_keys": kept}
    cfg.DEVICE = "auto"  # where it was trained says nothing about where it will track
    save_checkpoint({"model": state, "config": cfg.dump(), "zoo": zoo}, args.out)
    size = Path(args.out).stat().st_size
    print(f"wrote {args.out} ({size / 2 ** 20:.1f} MiB, {zoo['params']:,} parameters in fp16"
          + (f"; kept in fp32, out of fp16's range: {', '.join(kept)}" if kept else "") + ")")
    return 0


if __name__ == "__main__":
    sys.exit(main())
