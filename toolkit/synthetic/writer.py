"""Writing the benchmark: the VOT and OTB layouts, the generator marker, reuse of a folder whose marker matches, and
generation in a temporary folder renamed into place (shared with the unlabeled images)."""
from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from toolkit.synthetic.events import TAG_NAMES, video_events
from toolkit.synthetic.plan import VideoPlan, check_params, plan_benchmark
from toolkit.synthetic.render import JPEG_QUALITY, encode_jpeg, render_frames
from sotbase.atomic import atomic_write_json
from toolkit.utils.errors import ToolkitError

GENERATOR = "toolkit.datasets.synthetic"   # a stable identifier kept in the markers, not a module path
GENERATOR_VERSION = 1          # bump when the output for given parameters changes
MARKER_NAME = ".synthetic.json"
ROOT_NAMES = {"vot": "VOT2016", "otb": "OTB100"}


def _fmt(values: Iterable[float]) -> str:
    return ",".join("%.4f" % v for v in values)


def _values(lines: List[str]) -> List[List[float]]:
    return [[float(v) for v in line.split(",")] for line in lines]


def _gt_lines(events: dict) -> Tuple[List[str], List[str], List[List[float]], List[List[float]]]:
    """VOT and OTB ground-truth lines plus the parsed values (so the JSON equals what the text files say)."""
    vot_lines = [_fmt(poly) for poly in events["polygon"]]
    vot_vals = _values(vot_lines)
    otb_lines = [_fmt((min(v[0::2]), min(v[1::2]), max(v[0::2]) - min(v[0::2]), max(v[1::2]) - min(v[1::2])))
                 for v in vot_vals]
    return vot_lines, otb_lines, vot_vals, _values(otb_lines)


def _write_text(path: Path, lines: Sequence[str]) -> None:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def _put_file(data: bytes, path: Path, link_from: Optional[Path]) -> None:
    if link_from is not None:
        try:
            os.link(link_from, path)
            return
        except OSError:
            pass
    path.write_bytes(data)


def _video_summary(plan: VideoPlan, events: dict) -> dict:
    return {"otb_name": plan.otb_name, "effects": list(plan.effects), "attr": events["attr"],
            "target": plan.target_key, "target_photo": plan.target.cutout.photo, "background": plan.background,
            "occluder": plan.occluder.cutout.photo if plan.occluder is not None else None,
            "distractors": len(plan.distractors), "max_occluded": round(float(events["occluded"].max()), 4),
            "min_visible": round(float(events["visible"].min()), 4),
            "tag_counts": {k: int(v.sum()) for k, v in events["tags"].items()}}


def _write_benchmark(plans: List[VideoPlan], dirs: Dict[str, Path]) -> Dict[str, dict]:
    """Render every video once and write it into each layout folder in `dirs`. Returns the per-video summaries."""
    vot_json, otb_json, summaries = {}, {}, {}
    for plan in plans:
        T, (W, H) = plan.num_frames, plan.size
        events = video_events(plan)
        vot_lines, otb_lines, vot_vals, otb_vals = _gt_lines(events)
        digits = max(4, len(str(T)))
        vot_names = [f"{plan.name}/color/{i + 1:08d}.jpg" for i in range(T)]
        otb_names = [f"{plan.otb_name}/img/{i + 1:0{digits}d}.jpg" for i in range(T)]
        layouts = [(dirs[key], names) for key, names in (("vot", vot_names), ("otb", otb_names)) if key in dirs]
        for root, names in layouts:
            (root / names[0]).parent.mkdir(parents=True)
        for i, img in enumerate(render_frames(plan)):
            data, first = encode_jpeg(img), None  # the first layout's file, hard-linked into the other one
            for root, names in layouts:
                _put_file(data, root / names[i], first)
                first = first or root / names[i]
        tags = {k: [int(x) for x in v] for k, v in events["tags"].items()}
        if "vot" in dirs:
            vdir = dirs["vot"] / plan.name
            _write_text(vdir / "groundtruth.txt", vot_lines)
            for name in TAG_NAMES:
                _write_text(vdir / f"{name}.tag", [str(x) for x in tags[name]])
            vot_json[plan.name] = {"video_dir": plan.name, "init_rect": vot_vals[0], "img_names": vot_names,
                                   "gt_rect": vot_vals, **{name: tags[name] for name in TAG_NAMES},
                                   "width": W, "height": H}
        if "otb" in dirs:
            _write_text(dirs["otb"] / plan.otb_name / "groundtruth_rect.txt", otb_lines)
            otb_json[plan.otb_name] = {"video_dir": plan.otb_name, "init_rect": otb_vals[0], "img_names": otb_names,
                                       "gt_rect": otb_vals, "attr": events["attr"]}
        summaries[plan.name] = _video_summary(plan, events)
    if "vot" in dirs:
        _write_text(dirs["vot"] / "list.txt", [p.name for p in plans])
        atomic_write_json(dirs["vot"] / f"{ROOT_NAMES['vot']}.json", vot_json)
    if "otb" in dirs:
        atomic_write_json(dirs["otb"] / f"{ROOT_NAMES['otb']}.json", otb_json)
    return summaries


def marker_params(kind: str, seed: int, size: Tuple[int, int], **counts: int) -> dict:
    """The parameters a marker records (a later call with equal ones reuses the folder), with the library versions
    the bytes depend on."""
    import skimage  # local import: skimage is slow to import and only needed when generating
    versions = {"opencv": cv2.__version__, "numpy": np.__version__, "scikit-image": skimage.__version__}
    return {"kind": kind, "version": GENERATOR_VERSION, "seed": int(seed), **{k: int(v) for k, v in counts.items()},
            "size": [int(size[0]), int(size[1])], "jpeg_quality": JPEG_QUALITY, "versions": versions}


def read_marker(folder) -> Optional[dict]:
    """The generator marker of a folder written here (None if missing or not ours)."""
    path = Path(folder) / MARKER_NAME
    try:
        marker = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return marker if isinstance(marker, dict) and marker.get("generator") == GENERATOR else None


def _marker_matches(folder: Path, params: dict) -> bool:
    marker = read_marker(folder)
    return marker is not None and marker.get("params") == params


def _check_replaceable(folder: Path) -> None:
    if not folder.exists():
        return
    if not folder.is_dir():
        raise ToolkitError(f"{folder}: exists and is not a folder; remove it or choose another output folder")
    if read_marker(folder) is None and any(folder.iterdir()):
        raise ToolkitError(f"{folder}: exists but was not written by {GENERATOR} (no {MARKER_NAME}); "
                           "refusing to replace it - remove it or choose another output folder")


def _swap_in(tmp: Path, final: Path) -> None:
    """Move the finished `tmp` folder to `final`, replacing an older generation there."""
    try:
        os.rename(tmp, final)             # fails if `final` exists and is not empty
        return
    except OSError:
        if not final.exists():
            raise
    _check_replaceable(final)
    old = final.with_name(f".{final.name}.old-{uuid.uuid4().hex}")
    os.rename(final, old)
    os.rename(tmp, final)
    shutil.rmtree(old, ignore_errors=True)


def generate_into(out: Path, names: Dict[str, str], params: Dict[str, dict], overwrite: bool,
                  write_fn) -> Dict[str, Path]:
    """Shared reuse / temp-folder / rename logic. `write_fn(tmp_dirs) -> {key: extra marker content}`."""
    finals = {key: out / name for key, name in names.items()}
    todo = [key for key in finals if overwrite or not _marker_matches(finals[key], params[key])]
    if not todo:
        return finals
    for key in todo:
        _check_replaceable(finals[key])
    if out.exists() and not out.is_dir():
        raise ToolkitError(f"{out}: exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    tmps: Dict[str, Path] = {}
    try:
        for key in todo:
            tmps[key] = out / f".{names[key]}.tmp-{uuid.uuid4().hex}"
            tmps[key].mkdir()             # not mkdtemp: its 0o700 mode would survive the rename
        extras = write_fn(tmps)
        for key in todo:  # the marker last: it marks the folder complete
            atomic_write_json(tmps[key] / MARKER_NAME,
                              {"generator": GENERATOR, "params": params[key], **extras.get(key, {})})
        for key in todo:
            _swap_in(tmps[key], finals[key])
    finally:
        for tmp in tmps.values():  # left only by a failure
            shutil.rmtree(tmp, ignore_errors=True)
    return finals


def generate_benchmark(out_dir, seed: int = 0, num_videos: int = 6, num_frames: int = 60,
                       size: Tuple[int, int] = (320, 240), layouts: Sequence[str] = ("vot", "otb"),
                       overwrite: bool = False) -> Dict[str, Path]:
    """Write the synthetic benchmark under `out_dir`; returns ``{'vot': out_dir/VOT2016, 'otb': out_dir/OTB100}``
    (only the requested layouts). Reuses a root whose marker matches these parameters unless `overwrite`."""
    check_params(seed, num_videos, num_frames, size)
    layouts = tuple(layouts)
    if not layouts or len(set(layouts)) != len(layouts) or any(lay not in ROOT_NAMES for lay in layouts):
        raise ToolkitError(f"layouts must be distinct values from {sorted(ROOT_NAMES)}, got {layouts!r}")
    base = marker_params("benchmark", seed, size, num_videos=num_videos, num_frames=num_frames)
    params = {lay: {**base, "layout": lay} for lay in layouts}

    def write(tmps: Dict[str, Path]) -> Dict[str, dict]:
        plans = plan_benchmark(seed, num_videos, num_frames, tuple(size))
        summaries = _write_benchmark(plans, tmps)
        return {key: {"videos": summaries} for key in tmps}

    return generate_into(Path(out_dir), {lay: ROOT_NAMES[lay] for lay in layouts}, params, overwrite, write)

