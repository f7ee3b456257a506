"""Track one object through a video file, a folder of frames or a camera (the logic of tools/demo.py).

Writes a CSV of boxes (``frame,x,y,w,h,score``; pysot's 0-based x, y, w, h) and, with ``--out``, an annotated video
(box, score, tracking fps). Works headless; ``--show`` opens a window when a display is available, and without
``--init`` the first box is drawn with the mouse (``cv2.selectROI``). Both outputs are written to a temporary file
and renamed into place, so an interrupted run never leaves half a file; both are checked to be writable before
tracking starts. A frame that cannot be tracked (unreadable, truncated) ends the run with an error, after the CSV
of the frames tracked before it is written.
"""
from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from pathlib import Path
from typing import Iterator, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from pysot_ss.errors import PysotSSError
from sotbase.atomic import atomic_output, publish, temp_beside
from sotbase.errors import UserError
from sotbase.images import IMAGE_EXTS, is_image
from sotbase.validate import check_box, check_init_box, read_frame


class DemoError(PysotSSError):
    """A bad input to the demo (video, box, snapshot): printed without a traceback by tools/demo.py."""


class FrameSource:
    """Iterates BGR frames of a video file, an image folder (sorted by name) or a camera index ('0')."""

    def __init__(self, spec: str):
        self.spec = str(spec)
        self.fps = 30.0
        self._files: Optional[List[Path]] = None
        self._cap = None
        p = Path(self.spec)
        if self.spec.isdigit() and not p.exists():
            self._cap = cv2.VideoCapture(int(self.spec))
            if not self._cap.isOpened():
                raise DemoError(f"camera {self.spec}: cannot be opened")
        elif p.is_dir():
            self._files = sorted(f for f in p.iterdir() if is_image(f.name))
            if not self._files:
                raise DemoError(f"{p}: folder holds no images ({', '.join(IMAGE_EXTS)})")
        elif p.is_file():
            self._cap = cv2.VideoCapture(str(p))
            if not self._cap.isOpened():
                raise DemoError(f"{p}: not a readable video (OpenCV cannot open it)")
            fps = self._cap.get(cv2.CAP_PROP_FPS)
            self.fps = float(fps) if fps and np.isfinite(fps) and fps > 0 else 30.0
        else:
            raise DemoError(f"{self.spec}: no such video file, frame folder or camera index")

    def __iter__(self) -> Iterator[np.ndarray]:
        if self._files is not None:
            for f in self._files:
                yield read_frame(f)
            return
        ok, img = self._cap.read()
        if not ok or img is None:
            raise DemoError(f"{self.spec}: no frame could be read (empty or unsupported video)")
        while ok and img is not None:
            yield img
            ok, img = self._cap.read()

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()


def parse_box(text: str) -> Tuple[float, float, float, float]:
    """'x,y,w,h' (commas or spaces) -> 4 floats with a positive size."""
    try:
        vals = [float(t) for t in text.replace(",", " ").split()]
    except ValueError:
        raise DemoError(f"--init must be x,y,w,h numbers, got {text!r}") from None
    return check_box(vals, "--init")


def display_available() -> bool:
    """A window can be opened: a display on X11/Wayland (or not Linux) and an OpenCV build with GUI support."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return False
    try:
        cv2.namedWindow("pysot-ss probe", cv2.WINDOW_NORMAL)
        cv2.destroyWindow("pysot-ss probe")
        return True
    except cv2.error:
        return False


def select_box(frame: np.ndarray) -> Tuple[float, float, float, float]:
    x, y, w, h = cv2.selectROI("pysot-ss: draw the target, then ENTER", frame, showCrosshair=True)
    cv2.destroyAllWindows()
    if w <= 0 or h <= 0:
        raise DemoError("no box was drawn")
    return float(x), float(y), float(w), float(h)


def draw(frame: np.ndarray, box: Sequence[float], score: float, fps: float) -> np.ndarray:
    out = frame.copy()
    x, y, w, h = box
    cv2.rectangle(out, (int(round(x)), int(round(y))), (int(round(x + w - 1)), int(round(y + h - 1))),
                  (0, 255, 0), 2)
    cv2.putText(out, f"score {score:.3f}  {fps:.1f} fps", (8, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.6,
                (0, 255, 255), 2, cv2.LINE_AA)
    return out


def check_writable(path: Path, flag: str) -> None:
    """Fail now, not after the tracking, when `path` cannot be written (a folder, an unwritable place)."""
    if path.is_dir():
        raise DemoError(f"{flag} {path} is a folder: give a file name")
    try:
        os.remove(temp_beside(path, suffix=path.suffix))
    except OSError as e:
        raise DemoError(f"{flag} {path}: cannot write there ({e})") from None


def write_csv(path: Path, rows: List[Tuple]) -> None:
    with atomic_output(path, suffix=path.suffix) as tmp, open(tmp, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["frame", "x", "y", "w", "h", "score"])
        for i, (x, y, bw, bh), s in rows:
            w.writerow([i, f"{x:.2f}", f"{y:.2f}", f"{bw:.2f}", f"{bh:.2f}", f"{s:.4f}"])


class VideoOut:
    """cv2.VideoWriter into a temp file, renamed to `path` on close (mp4v for .mp4, MJPG for .avi)."""

    def __init__(self, path: Path, fps: float, size: Tuple[int, int]):
        self.path = path
        self.tmp = temp_beside(path, suffix=path.suffix)
        fourcc = cv2.VideoWriter_fourcc(*("MJPG" if path.suffix.lower() == ".avi" else "mp4v"))
        self.writer = cv2.VideoWriter(self.tmp, fourcc, fps, size)
        if not self.writer.isOpened():
            os.remove(self.tmp)
            raise DemoError(f"{path}: OpenCV cannot write this video format (try .avi or .mp4)")

    def write(self, frame: np.ndarray) -> None:
        self.writer.write(frame)

    def close(self, keep: bool = True) -> None:
        self.writer.release()
        if keep:
            publish(self.tmp, self.path)
        elif os.path.exists(self.tmp):
            os.remove(self.tmp)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                epilog="Example: python tools/demo.py --config experiments/s2siamfc/config.yaml "
                                       "--snapshot runs/s2siamfc/model.pth --video clip.mp4 --init 10,20,40,30 "
                                       "--out tracked.mp4")
    p.add_argument("--config", "--cfg", help="experiment YAML or name (default: the config stored in the snapshot)")
    p.add_argument("--snapshot", help="weights (.pth) or an exported .onnx; not needed for --tracker opencv_*")
    p.add_argument("--fast", action="store_true",
                   help="the real-time model of the zoo (models/s2siamfc_fast_int8.onnx) instead of --snapshot")
    p.add_argument("--tracker", help="registered tracker to run (overrides TRACK.TYPE), e.g. opencv_csrt")
    p.add_argument("--video", required=True, help="video file, folder of frames, or camera index (0)")
    p.add_argument("--init", help="first-frame box x,y,w,h (0-based pixels); default: draw it (needs a display)")
    p.add_argument("--out", help="annotated video to write (.mp4 or .avi)")
    p.add_argument("--csv", help="CSV of boxes (default: next to --out, else <video name>_boxes.csv in cwd)")
    p.add_argument("--show", action="store_true", help="show the tracking in a window (ignored when headless)")
    p.add_argument("--device", default="cpu", help="cpu, cuda or auto")
    p.add_argument("--max-frames", type=int, default=0, help="stop after this many frames (0: all)")
    p.add_argument("--opts", nargs=argparse.REMAINDER, default=[], help="config overrides KEY VALUE ...")
    return p


def default_csv(args) -> Path:
    if args.csv:
        return Path(args.csv)
    if args.out:
        return Path(args.out).with_suffix(".csv")
    name = Path(str(args.video).rstrip("/\\")).stem or "camera"
    return Path(f"{name}_boxes.csv")


def make_tracker(args):
    from pysot_ss.api import load_tracker, zoo_snapshot  # lazy: torch's 1.5 s import waits until a tracker is needed

    opts = list(args.opts or [])
    if args.tracker:
        opts += ["TRACK.TYPE", args.tracker]
    weight_free = bool(args.tracker) and args.tracker.startswith("opencv_")
    snapshot = args.snapshot
    if args.fast:
        if snapshot is not None or weight_free:
            raise DemoError("--fast selects the zoo's real-time model: drop --snapshot / --tracker opencv_*")
        try:
            snapshot = str(zoo_snapshot("s2siamfc_fast"))
        except FileNotFoundError as e:
            raise DemoError(str(e)) from None
    if snapshot is None and not weight_free:
        raise DemoError("--snapshot is required for a learned tracker (or use --tracker opencv_csrt)")
    if snapshot is not None and not os.path.isfile(snapshot):
        raise DemoError(f"{snapshot}: snapshot not found")
    try:
        return load_tracker(args.config, snapshot, device=args.device, opts=opts)
    except (UserError, OSError) as e:
        raise DemoError(str(e)) from None


def run(args) -> dict:
    """Track and write the outputs; returns {'frames', 'fps', 'csv', 'video'}."""
    source = FrameSource(args.video)
    init_box = parse_box(args.init) if args.init else None
    show = bool(args.show) and display_available()
    if args.show and not show:
        print("demo: no display available, running headless", file=sys.stderr)
    if init_box is None and not show:
        raise DemoError("--init x,y,w,h is required without a display (drawing the box needs a window)")
    if args.out:
        check_writable(Path(args.out), "--out")
    csv_path = default_csv(args)
    check_writable(csv_path, "--csv" if args.csv else "the CSV")
    tracker = make_tracker(args)
    writer: Optional[VideoOut] = None
    rows: List[Tuple] = []
    track_time = 0.0
    ok = False
    try:
        for i, frame in enumerate(source):
            if args.max_frames and i >= args.max_frames:
                break
            if i == 0:
                if init_box is None:
                    init_box = select_box(frame)
                check_init_box(init_box, frame.shape, min_inside=0.5, what="--init box")
                tracker.init(frame, init_box)
                box, score = tuple(init_box), 1.0
                if args.out:
                    writer = VideoOut(Path(args.out), source.fps, (frame.shape[1], frame.shape[0]))
            else:
                t0 = time.perf_counter()
                box, score = tracker.track(frame)
                track_time += time.perf_counter() - t0
            rows.append((i, box, score))
            fps = (len(rows) - 1) / track_time if track_time > 0 else 0.0
            if writer is not None or show:
                vis = draw(frame, box, score, fps)
                if writer is not None:
                    writer.write(vis)
                if show:
                    cv2.imshow("pysot-ss demo (q quits)", vis)
                    if cv2.waitKey(1) & 0xFF in (ord("q"), 27):
                        break
        ok = True
    except UserError as e:
        if not rows:
            raise
        write_csv(csv_path, rows)
        raise DemoError(f"{e} (the {len(rows)} frame(s) tracked before it are in {csv_path})") from None
    finally:
        source.close()
        if writer is not None:
            writer.close(keep=ok)
        if show:
            cv2.destroyAllWindows()
    write_csv(csv_path, rows)
    fps = (len(rows) - 1) / track_time if track_time > 0 else 0.0
    return {"frames": len(rows), "fps": fps, "csv": str(csv_path), "video": args.out}


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        res = run(args)
    except (UserError, OSError) as e:
        print(f"demo: error: {e}", file=sys.stderr)
        return 2
    print(f"tracked {res['frames']} frames at {res['fps']:.1f} fps -> {res['csv']}"
          + (f", {res['video']}" if res["video"] else ""))
    return 0
