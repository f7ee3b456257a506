"""Every configuration key of pysot-ss, declared once with a comment (detectron2's defaults.py style).

Experiment files (`experiments/<name>/config.yaml`) override a subset; `--opts KEY VALUE ...` overrides
after that. A key that is not declared here is an error naming the key and the file, except under
``*.KWARGS`` (free-form) and ``DATASET`` (source nodes with the keys SOURCE_KEYS). Configs are plain YAML files
(``.yaml``/``.yml``, read with ``yaml.safe_load``: never Python code, nor Python tags), all read by `merge_file`;
`check_cfg` then refuses values outside the range where they mean something (RANGES).

    from pysot_ss.core.config import load_cfg
    cfg = load_cfg("experiments/s2siamfc/config.yaml", ["TRAIN.EPOCHS", "10"])
"""
from __future__ import annotations

import os
from typing import Iterable, List, Optional, Tuple

import yaml
from yacs.config import CfgNode as CN

from pysot_ss.errors import ConfigError
from sotbase.atomic import atomic_write_text

_C = CN()

_C.META_ARC = "siamfc"            # model family; the only one shipped is SiamFC (backbone + correlation head)
_C.SEED = 123456                  # global seed for python, numpy and torch (the authors' value)
_C.DEVICE = "auto"                # "auto" (cuda if available), "cpu" or "cuda[:N]"

# Input normalisation: applied inside the model, so training and tracking always agree.
# Crops enter the network as float BGR in 0..255 (OpenCV order).
_C.INPUT = CN()
_C.INPUT.CHANNEL_ORDER = "RGB"    # order the backbone sees: "RGB" (siamfc-pytorch, S2SiamFC) or "BGR" (pysot)
_C.INPUT.NORMALIZE = "none"       # "none" (0..255 as siamfc-pytorch), "unit" (/255 as the authors' training),
                                  # "minmax" (per-patch min-max to [0,1], the authors' tracking code)

# Backbone
_C.BACKBONE = CN()
_C.BACKBONE.TYPE = "alexnet"      # registered name: "alexnet" (siamfc-pytorch AlexNetV1) or "alexnet_s2" (authors')
_C.BACKBONE.KWARGS = CN(new_allowed=True)  # extra constructor arguments of the backbone class
_C.BACKBONE.PRETRAINED = ""       # optional path of backbone weights loaded before training

# Head: template features x search features -> response map
_C.HEAD = CN()
_C.HEAD.TYPE = "xcorr"            # "xcorr" (x out_scale + bias) or "xcorr_bn" (BatchNorm on the response)
_C.HEAD.KWARGS = CN(new_allowed=True)  # extra constructor arguments, e.g. {out_scale: 0.001}

# Loss
_C.LOSS = CN()
_C.LOSS.TYPE = "balanced_logistic"  # registered base loss (SiamFC's class-balanced logistic loss, eq. 1-2)
_C.LOSS.R_POS = 16                # positive radius in search-image pixels (L1 distance on the response grid)
_C.LOSS.R_NEG = 0                 # if > R_POS, cells between R_POS and R_NEG are ignored (siamfc-pytorch's 0.5 band)
_C.LOSS.BALANCE = "per_pair"      # positive/negative balancing: "per_pair" (each pair weighs 1/N, half on its
                                  # positives) or "per_batch" (the authors' code: 1/#pos, 1/#neg over the batch,
                                  # so a negative pair weighs its share of the negative cells; same without negatives)
_C.LOSS.MODIFIERS = []            # ordered registered loss modifiers, e.g. ["anti_clutter", "adversarial_mask"];
                                  # the empty list is plain SiamFC
# anti-clutter weighting (paper eq. 3-5)
_C.LOSS.ANTI_CLUTTER = CN()
_C.LOSS.ANTI_CLUTTER.BETA = 0.5   # threshold on the per-sample min-max-normalised response ("high" cells)
_C.LOSS.ANTI_CLUTTER.GAMMA = 2.0  # exponent of the weight (1 - #high / (w*h))^gamma
_C.LOSS.ANTI_CLUTTER.MARGIN = 0.0  # added inside the bracket (the authors' code has it, 0 in their runs)
_C.LOSS.ANTI_CLUTTER.PER_BATCH = False  # True: one weight per batch as the authors' code; False: per pair (paper)
# adversarial appearance masking (paper eq. 6-12)
_C.LOSS.ADVERSARIAL_MASK = CN()
_C.LOSS.ADVERSARIAL_MASK.N_MASKS = 2        # masked templates per pair (paper: 2 is best)
_C.LOSS.ADVERSARIAL_MASK.LAMBDA = 0.7       # weight of the unmasked loss; (1-LAMBDA)/N_MASKS per mask (eq. 12)
_C.LOSS.ADVERSARIAL_MASK.THRESHOLD = 0.5    # binarisation threshold of the normalised channel saliency (eq. 9)
_C.LOSS.ADVERSARIAL_MASK.AREA_CAP = 0.5     # keep channels whose masked area is below this fraction of the template
_C.LOSS.ADVERSARIAL_MASK.CHAINED = True     # mask chaining. True, "chained" (paper eq. 11): mask i+1 is chosen on
                                            # masked template i and adds to it; False, "independent" (the authors'
                                            # code): every mask chosen from the saliency of z and applied to z
_C.LOSS.ADVERSARIAL_MASK.LOG_EVERY = 200    # write masked templates to TensorBoard every N steps (0 = never)
# response distillation from a trained (self-supervised) tracker, modifier "distill" (pysot_ss/losses/distill.py)
_C.LOSS.DISTILL = CN()
_C.LOSS.DISTILL.TEACHER = ""      # pysot-ss checkpoint of the teacher (its stored config builds it), e.g. the zoo's
_C.LOSS.DISTILL.WEIGHT = 1.0      # weight of the distillation loss
_C.LOSS.DISTILL.BASE_WEIGHT = 1.0  # weight of the self-supervised loss before it (0 = pure distillation)
_C.LOSS.DISTILL.TEMPERATURE = 1.0  # logits are divided by T before the soft logistic loss (which is scaled by T^2)
_C.LOSS.DISTILL.CROSS = True      # also every template against every other search of the batch (B x B maps)

# Training data. One sub-node per source named in NAMES (pysot style), e.g.
#   DATASET.NAMES: ["UNLABELED"]
#   DATASET.UNLABELED: {TYPE: image_folder, ROOT: data/unlabeled}
# Source keys: TYPE (registered source), ROOT, ANNO (labelled sources), LIST (list-file source),
# FRAME_STEP (use every k-th frame of a video folder), NUM_USE (-1 = all), WEIGHT (sampling weight),
# SUBDIRS (image_folder: only these sub-folders of ROOT), VIDEOS (video_pairs: only these sequences),
# FRAME_FORMAT (video_pairs with ANNO: frame file name, e.g. "{frame}.JPEG"), CLIPS (image_folder / list_file:
# which folders are videos for hard negatives and clustering: "none" = every image a still (default),
# "folders" = each folder one clip, "numbered" = folders of numbered frames). See pysot_ss/datasets/sources/.
_C.DATASET = CN(new_allowed=True)
_C.DATASET.NAMES = ["SYNTHETIC"]  # sources used for training, in order
_C.DATASET.SYNTHETIC = CN(new_allowed=True)  # default: unlabeled images generated by toolkit.synthetic
_C.DATASET.SYNTHETIC.TYPE = "image_folder"
_C.DATASET.SYNTHETIC.ROOT = "data/synthetic/unlabeled"
_C.DATASET.GENERATE_IF_MISSING = True  # tools/train.py generates the synthetic images when the default ROOT is absent
#                                       (pysot_ss.datasets.generate, logged; builders never write data); any other
#                                       missing ROOT is an error, never generated

# Pair sampling and augmentation
_C.SAMPLER = CN()
_C.SAMPLER.TYPE = "single_image"  # "single_image" (paper 3.2), "hard_negative" (3.5) or "video_pairs" (supervised)
_C.SAMPLER.TARGET_DIV_MIN = 4     # pseudo target size = image side / U{MIN..MAX} (authors' code)
_C.SAMPLER.TARGET_DIV_MAX = 8
_C.SAMPLER.SEARCH_SHIFT = 4       # max random shift (px, at search-crop scale) of each crop; the label follows
_C.SAMPLER.NEG_PROB = 0.2         # hard_negative: probability of a negative pair from the same K-means cluster
_C.SAMPLER.CLUSTER_FILE = ""      # hard_negative: clusters file written by tools/cluster.py
_C.SAMPLER.FRAME_RANGE = 100      # video_pairs: max frame gap between template and search (SiamFC)
_C.SAMPLER.PAD_MODE = "mean"      # crop padding colour: "mean" (image mean colour) or "zero"
_C.SAMPLER.CROP_GEOMETRY = "centred"  # self-supervised crops around a pseudo box: "centred" (the paper: crops
                                  # centred on the box, SiamFC context) or "authors" (their code's arithmetic
                                  # exactly: corner box read as x,y,w,h, a padded thumbnail of the whole frame)

_C.AUG = CN()
_C.AUG.STRETCH = 0.05             # random scale jitter (+-) per crop
_C.AUG.ROTATION = 90.0            # max in-plane rotation in degrees (+-)
_C.AUG.ROTATION_PROB = 1.0        # probability of applying the rotation
_C.AUG.COLOR = 0.1                # colour jitter strength (brightness, contrast, saturation, hue)
_C.AUG.COLOR_PROB = 1.0           # probability of applying colour jitter
_C.AUG.GRAY_PROB = 0.0            # probability of converting a crop to grayscale
_C.AUG.BLUR_PROB = 0.0            # probability of a Gaussian blur
_C.AUG.FLIP_PROB = 0.0            # probability of a horizontal flip

# Optimisation and bookkeeping
_C.TRAIN = CN()
_C.TRAIN.EXEMPLAR_SIZE = 127      # template crop size
_C.TRAIN.SEARCH_SIZE = 239        # training search crop (authors: 239 -> 15x15 response)
_C.TRAIN.EPOCHS = 50              # number of epochs
_C.TRAIN.PAIRS_PER_EPOCH = 3862   # epoch length in pairs (authors: one pair per VID snippet)
_C.TRAIN.BATCH_SIZE = 8           # pairs per step and per process
_C.TRAIN.NUM_WORKERS = 2          # DataLoader worker processes
_C.TRAIN.OPTIMIZER = "sgd"        # "sgd" or "adam"
_C.TRAIN.BASE_LR = 1e-2           # learning rate of the first epoch
_C.TRAIN.END_LR = 1e-5            # learning rate reached after EPOCHS epochs (exponential decay)
_C.TRAIN.MOMENTUM = 0.9           # SGD momentum
_C.TRAIN.WEIGHT_DECAY = 5e-4      # L2 weight decay
_C.TRAIN.GRAD_CLIP = 0.0          # max gradient norm; 0 disables clipping (SiamFC uses none)
_C.TRAIN.INIT = "xavier"          # weight init: "xavier" (SiamFC) or "kaiming"
_C.TRAIN.AMP = True               # bf16 autocast on GPU (ignored on CPU)
_C.TRAIN.CHANNELS_LAST = True     # channels_last memory format on GPU
_C.TRAIN.OUTPUT_DIR = "runs/default"  # checkpoints, config and logs go here
_C.TRAIN.LOG_DIR = ""             # TensorBoard/text logs; "" = OUTPUT_DIR/logs
_C.TRAIN.RESUME = ""              # checkpoint to resume from, or "auto" (latest in OUTPUT_DIR)
_C.TRAIN.PRETRAINED = ""          # weights to start from (model state only)
_C.TRAIN.PRINT_FREQ = 20          # log every N steps
_C.TRAIN.LOG_IMAGES_EVERY = 200   # TensorBoard images (responses, masks) every N steps; 0 = never
_C.TRAIN.MAX_STEPS = 0            # stop after this many steps in total (0 = no limit); for smoke runs

# Two-stage hard-negative mining (paper 3.5)
_C.CLUSTER = CN()
_C.CLUSTER.K = 100                # number of K-means clusters
_C.CLUSTER.IMAGE_SIZE = 255       # images are resized to this before the stage-1 backbone
_C.CLUSTER.MINIBATCH_ABOVE = 50000  # use MiniBatchKMeans above this many images
_C.CLUSTER.OUTPUT = ""            # clusters file; "" = OUTPUT_DIR/clusters.json
_C.CLUSTER.STAGE1_CFG = ""        # stage-1 config used by tools/train.py to build a missing SAMPLER.CLUSTER_FILE
                                  # (its OUTPUT_DIR/model.pth is reused, or trained first); "" = error
_C.CLUSTER.N_INIT = 10            # K-means restarts (k-means++ init, random_state = SEED)
_C.CLUSTER.BATCH_SIZE = 32        # images per forward pass of the stage-1 backbone

# Tracking (SiamFC inference, docs/method.md "SiamFC inference")
_C.TRACK = CN()
_C.TRACK.TYPE = "siamfc"          # registered tracker
_C.TRACK.EXEMPLAR_SIZE = 127      # template crop size
_C.TRACK.INSTANCE_SIZE = 255      # search crop size
_C.TRACK.CONTEXT_AMOUNT = 0.5     # context margin around the target
_C.TRACK.TOTAL_STRIDE = 8         # ignored (deprecated): the stride is the backbone's (model.stride, or the ONNX
                                  # file's metadata); kept so that configs stored in older snapshots still load
_C.TRACK.SCALE_NUM = 3            # number of search scales
_C.TRACK.SCALE_STEP = 1.0375      # ratio between adjacent scales
_C.TRACK.SCALE_PENALTY = 0.9745   # multiplies the response of non-centre scales
_C.TRACK.SCALE_LR = 0.59          # scale update damping
_C.TRACK.RESPONSE_UP = 16         # upsampling factor of the response (bicubic)
_C.TRACK.WINDOW_INFLUENCE = 0.176  # weight of the cosine window
_C.TRACK.MIN_SIZE = 2.0           # minimum output width/height in pixels
_C.TRACK.LINEAR_UPDATE = False    # running-average template update (paper 4.1)
_C.TRACK.UPDATE_RATE = 0.0102     # lambda_u of the template update (per frame)
_C.TRACK.UPDATE_SOURCE = "crop"   # new exemplar features: "crop" (crop + template forward, the authors') or
                                  # "search" (the chosen scale's search features around the new centre: no forward)
_C.TRACK.UPDATE_EVERY = 1         # update every N tracked frames, at rate 1 - (1 - UPDATE_RATE)^N
_C.TRACK.FAST = True              # batched scales, inference_mode, channels_last, bf16 where supported
_C.TRACK.BF16 = "auto"            # "auto" (if the CPU/GPU supports it), "on" or "off"; only with FAST
_C.TRACK.NUM_THREADS = 0          # torch CPU threads; 0 = number of available cores
# OpenCV baselines (opencv_kcf, opencv_csrt)
_C.TRACK.OPENCV = CN()
_C.TRACK.OPENCV.KCF_DETECT_THRESH = 0.0  # OpenCV KCF's detection gate (OpenCV default 0.5 stalls; 0 = classic KCF)
# one-image fine-tuning (paper 4.4)
_C.TRACK.FINETUNE = CN()
_C.TRACK.FINETUNE.ENABLED = False  # fine-tune a copy of the network on the first frame before tracking
_C.TRACK.FINETUNE.RECIPE = "box"  # "box": pairs around the given box (OPTIMIZER, BATCH_SIZE, MODIFIERS below);
                                  # "authors": their code: Adam + weight decay 5e-4, one random pseudo-box pair of
                                  # the first frame per step, anti-clutter + masks (see pysot_ss/tracker/finetune.py)
_C.TRACK.FINETUNE.ITERS = 5       # optimisation steps (paper: 5 or 10)
_C.TRACK.FINETUNE.LR = 1e-5       # learning rate
_C.TRACK.FINETUNE.OPTIMIZER = "adam"  # recipe "box": "adam" (paper 4.4 and the authors' active code; no weight
                                  # decay here) or "sgd" (momentum 0.9, weight decay 5e-4: the authors' commented-out
                                  # block)
_C.TRACK.FINETUNE.BATCH_SIZE = 8  # recipe "box": self-supervised pairs per step, sampled around the given box
_C.TRACK.FINETUNE.MODIFIERS = []  # recipe "box": loss modifiers used while fine-tuning ([] = plain balanced loss)


def get_cfg() -> CN:
    """A fresh, mutable copy of the defaults."""
    return _C.clone()


# values outside these intervals run without complaint and give garbage (a drifting tracker, gradient ascent, no
# training at all); `check_cfg` refuses them. Keys whose users check them already are not repeated here.
RANGES = {
    "[0, 1]": ("TRACK.WINDOW_INFLUENCE", "TRACK.SCALE_LR", "TRACK.UPDATE_RATE", "SAMPLER.NEG_PROB", "AUG.ROTATION_PROB",
               "AUG.COLOR_PROB", "AUG.GRAY_PROB", "AUG.BLUR_PROB", "AUG.FLIP_PROB", "LOSS.ANTI_CLUTTER.BETA",
               "LOSS.ADVERSARIAL_MASK.LAMBDA", "LOSS.ADVERSARIAL_MASK.THRESHOLD"),
    "(0, 1]": ("TRACK.SCALE_PENALTY", "LOSS.ADVERSARIAL_MASK.AREA_CAP"),
    "[0, 1)": ("TRAIN.MOMENTUM", "AUG.STRETCH"),
    "[1, inf)": ("TRACK.SCALE_STEP", "TRACK.RESPONSE_UP", "TRAIN.EPOCHS"),
    "(0, inf)": ("TRAIN.BASE_LR", "TRAIN.END_LR", "LOSS.R_POS"),
    "[0, inf)": ("TRACK.CONTEXT_AMOUNT", "TRACK.MIN_SIZE", "TRACK.FINETUNE.LR", "TRAIN.WEIGHT_DECAY",
                 "TRAIN.MAX_STEPS", "LOSS.DISTILL.WEIGHT", "LOSS.DISTILL.BASE_WEIGHT"),
}
SOURCE_KEYS = ("TYPE", "ROOT", "ANNO", "LIST", "FRAME_STEP", "NUM_USE", "WEIGHT", "SUBDIRS", "VIDEOS", "FRAME_FORMAT",
               "CLIPS")  # the keys of a DATASET.<NAME> node (see DATASET above)


def _inside(value: float, interval: str) -> bool:
    lo, hi = (float(x) for x in interval[1:-1].split(","))
    return (lo <= value if interval[0] == "[" else lo < value) and (value <= hi if interval[-1] == "]" else value < hi)


def check_cfg(cfg: CN) -> CN:
    """Refuse values outside RANGES and unknown keys under DATASET (one ConfigError naming every key and value)."""
    bad = []
    for interval, keys in RANGES.items():
        for key in keys:
            value = cfg
            for part in key.split("."):
                value = value[part]
            if not _inside(float(value), interval):
                bad.append(f"{key} = {value!r} is outside the allowed range {interval}")
    for name, node in cfg.DATASET.items():
        if isinstance(node, CN):
            bad += [f"DATASET.{name}.{k} is not a data source key ({', '.join(SOURCE_KEYS)})"
                    for k in node if k not in SOURCE_KEYS]
        elif name not in _C.DATASET:
            bad.append(f"DATASET.{name} is not a DATASET key (NAMES, GENERATE_IF_MISSING, or a source node)")
    if bad:
        raise ConfigError("; ".join(bad))
    return cfg


def load_cfg(path: Optional[str] = None, opts: Optional[Iterable[str]] = None, label: str = "--opts") -> CN:
    """Defaults, then the YAML file (if any), then KEY VALUE overrides (`merge_opts`, `label`), then `check_cfg`;
    errors name the file or the key."""
    cfg = get_cfg()
    if path:
        merge_file(cfg, path)
    return merge_opts(cfg, opts, label)


def merge_opts(cfg: CN, opts: Optional[Iterable[str]], label: str = "--opts") -> CN:
    """Apply KEY VALUE overrides, then `check_cfg`; errors name `label` (the flag or argument they came from)."""
    if opts:
        opts = list(opts)
        if len(opts) % 2:
            raise ConfigError(f"{label} needs KEY VALUE pairs, got an odd number of items: {opts}")
        try:
            cfg.merge_from_list(opts)
        except (KeyError, ValueError, AssertionError) as e:
            raise ConfigError(f"{label}: {e}") from None
    return check_cfg(cfg)


def config_differences(old: CN, new: CN) -> List[Tuple[str, object, object]]:
    """``(KEY, old value, new value)`` for every leaf key where two configs differ (tuples compare as lists)."""
    def leaves(node, prefix=""):
        for k, v in node.items():
            if isinstance(v, dict):
                yield from leaves(v, f"{prefix}{k}.")
            else:
                yield f"{prefix}{k}", list(v) if isinstance(v, tuple) else v

    a, b = dict(leaves(old)), dict(leaves(new))
    return [(k, a.get(k), b.get(k)) for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]


def merge_yaml(cfg: CN, text: str, label: str) -> CN:
    """Merge the YAML `text` (safe_load: no Python tags) into `cfg`; errors read ``label[:line]: problem``."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark, problem = getattr(e, "problem_mark", None), getattr(e, "problem", None) or str(e)
        if "python/" in problem:
            problem += " (configs are plain YAML: Python tags are not allowed)"
        elif "'\\t'" in problem:
            problem += " (YAML indents with spaces, not tabs)"
        raise ConfigError(f"{label}{f':{mark.line + 1}' if mark else ''}: {problem}") from None
    if data is not None and not isinstance(data, dict):
        raise ConfigError(f"{label}: a config is a mapping of KEY: value, not a {type(data).__name__}")
    try:
        cfg.merge_from_other_cfg(CN(data or {}))
    except KeyError as e:  # yacs: "Non-existent config key: X"
        raise ConfigError(f"{label}: {e.args[0] if e.args else e}") from None
    except (ValueError, AssertionError) as e:
        raise ConfigError(f"{label}: {e}") from None
    return cfg


def merge_file(cfg: CN, path: str) -> CN:
    """The one reader of config files: a .yaml/.yml file merged into `cfg` (`merge_yaml`)."""
    path = str(path)
    if not path.lower().endswith((".yaml", ".yml")):
        raise ConfigError(f"{path}: not a YAML config (.yaml/.yml); configs are never Python files")
    if not os.path.isfile(path):
        raise ConfigError(f"config file not found: {path}")
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path}: not a UTF-8 text file ({e.reason} at byte {e.start})") from None
    return merge_yaml(cfg, text, path)


def save_cfg(cfg: CN, path) -> None:
    """Write the effective config as YAML, atomically."""
    atomic_write_text(path, cfg.dump())
