"""A TraX server (the VOT toolkit's tracker protocol) around any registered tracker.

The toolkit starts ``python tools/vot_trax.py --config ... --snapshot ...`` and talks to it over a socket
(``TRAX_SOCKET``) or over stdin/stdout. The server accepts rectangle and polygon regions and image paths;
a polygon start region becomes pysot's axis-aligned init box (:func:`toolkit.utils.bbox.init_box`), a rectangle is
used as is. Replies use the start region's type (``--region auto``) or the one forced by ``--region``; polygons are
the box's four corners. Each reply carries the tracker's score as the ``confidence`` property.

With stdio, stdout is the protocol channel: anything else printed there would corrupt it, so the server moves the
protocol to a duplicate of fd 1 (``TRAX_OUT``) and points fd 1 at stderr before starting.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import List, Sequence, Tuple

import cv2
import numpy as np

from toolkit.utils.bbox import init_box, rect_to_polygon

REGION_TYPES = ("auto", "rectangle", "polygon")


def protect_stdout() -> None:
    """Keep the TraX stream on the original stdout, send every other write to fd 1 to stderr."""
    if os.environ.get("TRAX_SOCKET") or os.environ.get("TRAX_OUT"):
        return
    sys.stdout.flush()
    out = os.dup(1)
    os.set_inheritable(out, False)
    os.dup2(2, 1)
    os.environ["TRAX_OUT"] = str(out)
    os.environ.setdefault("TRAX_IN", "0")
    sys.stdout = sys.stderr


def region_to_box(region) -> Tuple[str, List[float]]:
    """A trax Rectangle or Polygon -> (its type, pysot (x, y, w, h) init box)."""
    import trax

    if region.type == trax.Region.RECTANGLE:
        x, y, w, h = region.bounds()
        return "rectangle", [float(x), float(y), float(w), float(h)]
    if region.type == trax.Region.POLYGON:
        pts = [float(v) for p in region for v in p]
        if len(pts) < 6:
            raise ValueError(f"polygon start region needs at least 3 points, got {len(pts) // 2}")
        if len(pts) != 8:  # init_box expects 4 corners: use the points' bounding box
            xs, ys = pts[0::2], pts[1::2]
            return "polygon", [min(xs), min(ys), max(xs) - min(xs) + 1.0, max(ys) - min(ys) + 1.0]
        return "polygon", init_box(pts)
    raise ValueError(f"unsupported start region type {region.type!r} (rectangle or polygon)")


def box_to_region(box: Sequence[float], kind: str):
    import trax

    x, y, w, h = (float(v) for v in box)
    if kind == "polygon":
        p = rect_to_polygon([x, y, w, h])
        return trax.Polygon.create([(p[i], p[i + 1]) for i in range(0, 8, 2)])
    return trax.Rectangle.create(x, y, w, h)


def read_image(images) -> np.ndarray:
    """The colour channel of a TraX request (an image path) as a BGR array."""
    import trax

    img = images.get(trax.ImageChannel.COLOR) if isinstance(images, dict) else images
    if img is None:
        raise ValueError("request carries no colour image")
    kind = img.type() if callable(img.type) else img.type  # a method on trax images, a property on regions
    if kind == trax.Image.PATH:
        frame = cv2.imread(img.path(), cv2.IMREAD_COLOR)
        if frame is None:
            raise ValueError(f"{img.path()}: not a readable image")
        return frame
    raise ValueError(f"unsupported image type {kind!r} (this server accepts image paths)")


def serve(tracker, region: str = "auto", name: str = "pysot-ss", log: bool = False) -> int:
    """Answer TraX requests until the client quits; returns the number of frames tracked."""
    import trax

    if region not in REGION_TYPES:
        raise ValueError(f"region must be one of {REGION_TYPES}, got {region!r}")
    frames = 0
    with trax.Server([trax.Region.RECTANGLE, trax.Region.POLYGON], [trax.Image.PATH], ["color"],
                     tracker_name=name, tracker_family="pysot-ss", log=log) as server:
        out_kind = "rectangle"
        while True:
            request = server.wait()
            if request.type == trax.TraxStatus.QUIT:
                break
            image = read_image(request.image)
            if request.type == trax.TraxStatus.INITIALIZE:
                if not request.objects:
                    raise ValueError("initialize request carries no region")
                in_kind, box = region_to_box(request.objects[0][0])
                out_kind = in_kind if region == "auto" else region
                tracker.init(image, box)
                score = 1.0
            else:  # FRAME
                out = tracker.track(image)
                box, score = out["bbox"], float(out["best_score"])
                frames += 1
            server.status([(box_to_region(box, out_kind), {"confidence": f"{score:.6f}"})])
    return frames


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description="TraX server for the VOT toolkit around a pysot-ss tracker")
    p.add_argument("--config", "--cfg", help="experiment YAML or name (default: the config stored in the snapshot)")
    p.add_argument("--snapshot", help="weights (.pth) or an exported .onnx; not needed for opencv_* trackers")
    p.add_argument("--tracker", help="registered tracker name (overrides TRACK.TYPE), e.g. opencv_csrt")
    p.add_argument("--region", default="auto", choices=REGION_TYPES, help="reply region type")
    p.add_argument("--device", default="cpu")
    p.add_argument("--name", default="pysot-ss", help="tracker name announced to the client")
    p.add_argument("--log", action="store_true", help="TraX protocol log on stderr")
    p.add_argument("--opts", nargs=argparse.REMAINDER, default=[], help="config overrides KEY VALUE ...")
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    protect_stdout()  # before anything can print
    from pysot_ss.api import load_tracker  # after protect_stdout: nothing imported may write to the TraX pipe

    opts = list(args.opts or []) + (["TRACK.TYPE", args.tracker] if args.tracker else [])
    tracker = load_tracker(args.config, args.snapshot, device=args.device, opts=opts)  # frames and boxes checked
    n = serve(tracker, args.region, args.name, args.log)
    print(f"vot_trax: tracked {n} frames", file=sys.stderr)
    return 0
