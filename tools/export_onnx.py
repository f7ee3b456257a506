"""Export a snapshot's backbone to ONNX for the `siamfc_onnx` tracker (ONNX Runtime, no torch at run time).

    python tools/export_onnx.py --snapshot runs/s2siamfc/model.pth --out model.onnx [--config s2siamfc]
    python tools/export_onnx.py --snapshot models/s2siamfc_fast.pth --out fast_int8.onnx \
        --int8 --calib ../shared/data/unlabeled --calib_images 200

--int8: static int8 quantization (per-channel weights, activation ranges calibrated on SiamFC crops of the
images under --calib, which is required: nothing is generated). The file written is the int8 model.
"""
import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sotbase.errors import UserError  # noqa: E402


def calibration_images(folder: str, count: int, seed: int):
    """`count` images drawn (seeded) from every image below `folder`."""
    import numpy as np

    from pysot_ss.datasets.sources.base import list_images

    paths = [str(Path(d) / n) for d, names in list_images(folder).items() for n in names]
    if not paths:
        raise UserError(f"--calib {folder}: no image found (jpg/jpeg/png/bmp/tif/tiff/webp)")
    rng = np.random.default_rng(seed)
    return [paths[i] for i in sorted(rng.permutation(len(paths))[:count])]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--snapshot", required=True, help="pysot-ss checkpoint or state dict (.pth)")
    p.add_argument("--out", required=True, help="ONNX file to write")
    p.add_argument("--config", "--cfg", help="experiment YAML or name (default: the config stored in the snapshot)")
    p.add_argument("--opset", type=int, default=17)
    p.add_argument("--int8", action="store_true", help="write a statically quantized int8 model (needs --calib)")
    p.add_argument("--calib", help="--int8: folder of unlabeled images to calibrate activation ranges on")
    p.add_argument("--calib_images", type=int, default=200, help="--int8: images drawn from --calib")
    p.add_argument("--seed", type=int, default=0, help="--int8: image draw and pseudo-target seed")
    p.add_argument("--opts", nargs=argparse.REMAINDER, default=[], help="config overrides KEY VALUE ...")
    args = p.parse_args(argv)

    from pysot_ss.api import config_for
    from pysot_ss.export.onnx import export_onnx
    from pysot_ss.models import build_model
    from pysot_ss.utils.checkpoint import load_weights

    if args.int8 and not args.calib:
        p.error("--int8 needs --calib DIR (unlabeled images to calibrate on)")
    if args.int8 and not Path(args.calib).is_dir():
        p.error(f"--calib: not a folder: {args.calib}")
    try:
        cfg = config_for(args.config, args.snapshot, args.opts)
        model = build_model(cfg)
        load_weights(model, args.snapshot, strict=True)
        images = calibration_images(args.calib, args.calib_images, args.seed) if args.int8 else []
    except (UserError, OSError) as e:
        print(f"export_onnx: error: {e}", file=sys.stderr)
        return 2
    if not args.int8:
        out = export_onnx(model.eval(), cfg, args.out, opset=args.opset)
        print(f"wrote {out}")
        return 0
    from pysot_ss.export.quantize import quantize_int8  # onnxruntime.quantization: only for --int8

    with tempfile.TemporaryDirectory() as tmp:
        fp32 = export_onnx(model.eval(), cfg, Path(tmp) / "fp32.onnx", opset=args.opset)
        out = quantize_int8(fp32, args.out, images, cfg.TRACK, seed=args.seed)
    print(f"wrote {out} (int8, calibrated on {len(images)} images of {args.calib})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
