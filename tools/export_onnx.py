"""Export a snapshot's backbone to ONNX for the `siamfc_onnx` tracker (ONNX Runtime, no torch at run time).

    python tools/export_onnx.py --snapshot runs/s2siamfc/model.pth --out model.onnx [--config s2siamfc]
"""
import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--snapshot", required=True, help="pysot-ss checkpoint or state dict (.pth)")
    p.add_argument("--out", required=True, help="ONNX file to write")
    p.add_argument("--config", help="experiment YAML or name (default: the config stored in the snapshot)")
    p.add_argument("--opset", type=int, default=17)
    p.add_argument("--opts", nargs=argparse.REMAINDER, default=[], help="config overrides KEY VALUE ...")
    args = p.parse_args(argv)

    from pysot_ss.api import config_for
    from pysot_ss.export.onnx import export_onnx
    from pysot_ss.models import build_model
    from pysot_ss.utils.checkpoint import CheckpointError, load_weights

    try:
        cfg = config_for(args.config, args.snapshot, args.opts)
        model = build_model(cfg)
        load_weights(model, args.snapshot, strict=True)
    except (CheckpointError, FileNotFoundError, ValueError) as e:
        print(f"export_onnx: error: {e}", file=sys.stderr)
        return 2
    out = export_onnx(model.eval(), cfg, args.out, opset=args.opset)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
