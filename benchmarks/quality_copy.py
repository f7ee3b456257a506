"""A size-capped copy of the shared study data, for a machine the shared folder does not reach (say, a GPU machine
whose whole working tree must stay under 64 MiB)::

    python benchmarks/quality_copy.py .devdata/data --frame_step 5 --unlabeled_side 320

What the copy holds, and how it differs from ``../shared/data``:

* eval sequences: byte-identical (every file), so evaluation numbers are those of the original;
* train sequences: only the frames the study trains on (every ``--frame_step``-th, the 1st, (k+1)-th, ... as the
  ``image_folder`` / ``video_pairs`` readers pick them), byte-identical but renumbered 0001, 0002, ... (so each
  is still a valid OTB-style sequence), with their ground-truth lines;
* ``unlabeled/``: every image, re-encoded as JPEG (``--unlabeled_quality``) with its longer side reduced to
  ``--unlabeled_side`` -- the one lossy step; it only touches the rows trained with unlabeled/.

``COPY.json`` at the top records this; ``benchmarks/quality.py --shared <copy>`` reads it, trains with FRAME_STEP
1 on the pre-thinned folders (and SAMPLER.FRAME_RANGE divided by the step, which selects the same frame pairs)
and states the copy in the report. The copy refuses to exceed ``--budget_mb``.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import cv2

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: this checkout's packages

from benchmarks.quality import COPY_FILE, EVAL_SEQUENCES, TRAIN_SEQUENCES, display_path, find_shared  # noqa: E402
from benchmarks.quality import write_json  # noqa: E402
from pysot_ss.datasets.sources.base import list_images  # noqa: E402
from pysot_ss.datasets.sources.labelled import frame_folder  # noqa: E402


def copy_eval_sequence(src: Path, dst: Path) -> int:
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst)
    return sum(p.stat().st_size for p in dst.rglob("*") if p.is_file())


def copy_train_sequence(src: Path, dst: Path, step: int) -> int:
    """Every `step`-th frame (name order) and the matching ground-truth lines of every groundtruth*.txt."""
    folder, frames = frame_folder(src)  # the frames, in the order, that the study's readers use
    shutil.rmtree(dst, ignore_errors=True)
    out = dst / folder.relative_to(src) if folder != src else dst
    out.mkdir(parents=True)
    size = 0
    for i, name in enumerate(frames[::step]):  # renamed 0001... so the copy stays a valid OTB-style sequence
        target = out / f"{i + 1:04d}{Path(name).suffix}"
        shutil.copy2(folder / name, target)
        size += target.stat().st_size
    for gt in sorted(src.glob("groundtruth*.txt")):
        lines = [ln for ln in gt.read_text(encoding="utf-8").splitlines() if ln.strip()]
        if len(lines) != len(frames):
            raise SystemExit(f"quality_copy.py: {gt}: {len(lines)} lines for {len(frames)} frames in {folder}")
        (dst / gt.name).write_text("\n".join(lines[::step]) + "\n", encoding="utf-8")
        size += (dst / gt.name).stat().st_size
    return size


def copy_unlabeled(src: Path, dst: Path, side: int, quality: int) -> dict:
    shutil.rmtree(dst, ignore_errors=True)
    # exactly the images the unlabeled image_folder reader lists
    paths = [Path(folder) / name for folder, names in list_images(src).items() for name in names]
    size = 0
    for p in paths:
        img = cv2.imread(str(p), cv2.IMREAD_COLOR)
        if img is None:
            raise SystemExit(f"quality_copy.py: cannot read {p}")
        h, w = img.shape[:2]
        scale = min(1.0, side / max(h, w))
        if scale < 1.0:
            img = cv2.resize(img, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
        q = dst / p.relative_to(src).with_suffix(".jpg")
        q.parent.mkdir(parents=True, exist_ok=True)
        if not cv2.imwrite(str(q), img, [cv2.IMWRITE_JPEG_QUALITY, int(quality)]):
            raise SystemExit(f"quality_copy.py: cannot write {q}")
        size += q.stat().st_size
    return {"images": len(paths), "bytes": size}


def make_copy(src: Path, dst: Path, frame_step: int, side: int, quality: int, budget_mb: float) -> dict:
    seq_src, seq_dst = src / "sequences", dst / "sequences"
    sizes = {v: copy_eval_sequence(seq_src / v, seq_dst / v) for v in EVAL_SEQUENCES}
    sizes.update({v: copy_train_sequence(seq_src / v, seq_dst / v, frame_step) for v in TRAIN_SEQUENCES})
    unl = copy_unlabeled(src / "unlabeled", dst / "unlabeled", side, quality)
    total = sum(sizes.values()) + unl["bytes"]
    info = {"source": display_path(src), "train_frame_step": frame_step,
            "eval": "byte-identical copies", "train": f"every {frame_step}th frame (byte-identical) + its GT lines",
            "unlabeled": {"max_side": side, "jpeg_quality": quality, **unl},
            "bytes": total, "sequence_bytes": sizes}
    write_json(dst / COPY_FILE, info)
    if total > budget_mb * 2 ** 20:
        raise SystemExit(f"quality_copy.py: the copy holds {total / 2 ** 20:.1f} MiB, over --budget_mb {budget_mb}: "
                         f"lower --unlabeled_side / --unlabeled_quality")
    return info


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="benchmarks/quality_copy.py", description=__doc__.split("\n\n")[0])
    p.add_argument("dest", help="folder to write (replaced sequence by sequence)")
    p.add_argument("--shared", default=None, help="source shared data folder (default ../shared/data)")
    p.add_argument("--frame_step", type=int, default=5, help="train frames kept: every k-th (5, the study's)")
    p.add_argument("--unlabeled_side", type=int, default=320, help="longer side of the unlabeled images (320)")
    p.add_argument("--unlabeled_quality", type=int, default=80, help="their JPEG quality (80)")
    p.add_argument("--budget_mb", type=float, default=56.0, help="refuse a copy larger than this many MiB (56)")
    a = p.parse_args(argv)
    src = find_shared(a.shared)
    if src is None:
        raise SystemExit("quality_copy.py: no shared data folder found (--shared)")
    if a.frame_step < 1 or a.unlabeled_side < 16 or not 1 <= a.unlabeled_quality <= 100:
        raise SystemExit("quality_copy.py: --frame_step >= 1, --unlabeled_side >= 16, 1 <= --unlabeled_quality <= 100")
    info = make_copy(src, Path(a.dest), a.frame_step, a.unlabeled_side, a.unlabeled_quality, a.budget_mb)
    print(json.dumps({"dest": a.dest, "mib": round(info["bytes"] / 2 ** 20, 2),
                      "unlabeled_mib": round(info["unlabeled"]["bytes"] / 2 ** 20, 2)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
