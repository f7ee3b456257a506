"""A small, seeded synthetic tracking benchmark written in the VOT and OTB layouts.

Everything is built from the sample photos bundled in the scikit-image wheel (``skimage.data``; nothing is
downloaded). Each video shows one textured target, cut from one photo, moving over another photo used as background,
with a per-video mix of: translation along a smooth random path (always), scale change, in-plane rotation, partial
occlusion by a patch passing over the target, a global brightness/contrast ramp, fast motion with motion blur, partly
leaving the frame, camera motion (the background pans and zooms) and 1-2 similar-looking distractors (clutter).

Layout written by :func:`generate_benchmark` (``out_dir`` is the folder you pass)::

    <out_dir>/VOT2016/list.txt                          video names, one a line
    <out_dir>/VOT2016/VOT2016.json                      pysot's description (docs/toolkit.md §6.3)
    <out_dir>/VOT2016/<video>/groundtruth.txt           x1,y1,x2,y2,x3,y3,x4,y4 per frame, 4 decimals
    <out_dir>/VOT2016/<video>/color/00000001.jpg
    <out_dir>/VOT2016/<video>/{camera_motion,illum_change,motion_change,size_change,occlusion}.tag
    <out_dir>/OTB100/OTB100.json                        pysot's description, with `attr` per video
    <out_dir>/OTB100/<Video>/groundtruth_rect.txt       x,y,w,h per frame (axis-aligned box of the polygon)
    <out_dir>/OTB100/<Video>/img/0001.jpg               the same frames (hard links where possible)

The roots are named so that ``DatasetFactory.create_dataset(name='VOT2016' | 'OTB100', dataset_root=...)`` reads
them. VOT video names are lower case (``cup1``), OTB ones capitalised (``Cup1``); the frames are identical.
Coordinates are continuous pixel coordinates where pixel column ``i`` spans ``[i, i+1)``; the target occupies exactly
its (rotated) rectangle, or the ellipse inscribed in it for round objects. A box may extend past the image (OTB-like).

Each root holds a marker ``.synthetic.json`` (the generation parameters plus what each video contains), written
last. A call whose parameters match the marker returns at once; otherwise the root is generated in a temporary
folder next to it and renamed into place. A folder that exists without our marker is never replaced.

Per-frame tags (VOT) are computed from the generated motion, not declared: ``occlusion`` when the occluder covers
>= 2% of the target's area inside the image; ``size_change`` when the linear size changes by more than 0.4% from
the previous frame; ``motion_change`` when the centre's acceleration exceeds 1 px/frame^2; ``illum_change`` while
the global gain/bias ramps (> 0.5 grey level/frame); ``camera_motion`` while the background moves by more than
0.25 px/frame (pixel thresholds are for 320x240 and scale with sqrt(W*H)). OTB attributes: IV (any illum_change),
SV (box area vs frame 1 outside [1/2, 2], OTB's rule), OCC (any occlusion), MB (motion-blur kernel >= 3 px in some
frame), FM (centre moves more than OTB's 20 px/frame, scaled from 640x480 to the frame size), IPR (rotation > 15 deg
from frame 1), OV (more than 1% of the box outside the image in some frame), BC (distractors present), LR (box area
< 400 px). DEF and OPR never apply (the targets are rigid planar patches).

Modules, in dependency order: ``photos`` (the bundled photos and the cut-outs), ``motion`` (paths and the size
unit), ``plan`` (every random choice of a video), ``events`` (ground truth, tags and attributes of a plan),
``render`` (frames of a plan), ``writer`` (the layouts, markers and atomic replacement) and ``unlabeled``.
"""
from toolkit.synthetic.events import TAG_NAMES, video_events
from toolkit.synthetic.photos import Cutout
from toolkit.synthetic.plan import Layer, VideoPlan, plan_benchmark
from toolkit.synthetic.render import render_frames
from toolkit.synthetic.unlabeled import generate_unlabeled_images
from toolkit.synthetic.writer import MARKER_NAME, ROOT_NAMES, generate_benchmark, read_marker

__all__ = [
    "generate_benchmark", "generate_unlabeled_images", "plan_benchmark", "render_frames", "video_events",
    "read_marker", "VideoPlan", "Layer", "Cutout", "ROOT_NAMES", "MARKER_NAME", "TAG_NAMES",
]
