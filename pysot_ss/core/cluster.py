"""Hard-negative mining, stage 1 -> 2 (paper §3.5; docs/method.md, "Hard negatives ...").

One image per training *video* (`ImageSource.video_groups()`: a video source's item, a clip folder of an image source
whose CLIPS key groups its frames, or a still image) -- the video's fixed representative frame -- is resized to
CLUSTER.IMAGE_SIZE x CLUSTER.IMAGE_SIZE, embedded by the stage-1 backbone (eval mode) and global-average pooled;
K-means (k-means++, ``random_state = cfg.SEED``, CLUSTER.N_INIT restarts; MiniBatchKMeans above
CLUSTER.MINIBATCH_ABOVE images) groups the vectors. The clusters file, written atomically, is what the
``hard_negative`` sampler reads::

    {"version": 1, "k": K, "assignments": {item key: cluster id}, "centroids": [[...] x K], "seed": s, ...}

Keys are the sources' video keys (the representative image's path); a video listed by two sources is clustered
once. A video whose image cannot be read gets cluster -1 (with a warning); the sampler skips unreadable images
anyway. The result is deterministic for a given snapshot, data and seed.
"""
from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch

from pysot_ss.datasets import DataSourceError, build_sources
from pysot_ss.errors import ConfigError
from pysot_ss.models import build_model
from pysot_ss.utils.checkpoint import load_weights, snapshot_config
from sotbase.atomic import atomic_write_json

log = logging.getLogger("pysot_ss.cluster")


def collect_items(cfg) -> List[str]:
    """The key of every video of the configured training sources -- the path of its representative image --, in
    source order, each video once."""
    keys: Dict[str, None] = {}
    for src in build_sources(cfg):
        keys.update(dict.fromkeys(src.video_groups()[1]))
    return list(keys)


def _load_image(path: str, size: int) -> Optional[np.ndarray]:
    data = np.fromfile(path, dtype=np.uint8) if os.path.isfile(path) else np.zeros(0, np.uint8)
    img = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if img is None:
        return None
    return cv2.resize(img, (size, size), interpolation=cv2.INTER_LINEAR)


@torch.inference_mode()
def extract_features(model, paths: Sequence[str], size: int = 255, batch_size: int = 32,
                     device="cpu") -> Tuple[np.ndarray, np.ndarray]:
    """Global-average-pooled backbone features -> (features (n, C) float64, ok (n,) bool).

    Images are BGR 0..255 resized to size x size (the model applies its own input normalisation).
    """
    model = model.to(device).eval()
    feats: List[Optional[np.ndarray]] = [None] * len(paths)
    ok = np.zeros(len(paths), dtype=bool)
    for start in range(0, len(paths), batch_size):
        chunk = range(start, min(start + batch_size, len(paths)))
        imgs, idx = [], []
        for i in chunk:
            img = _load_image(str(paths[i]), size)
            if img is None:
                warnings.warn(f"clustering: cannot read {paths[i]}; its item gets cluster -1")
                continue
            imgs.append(img)
            idx.append(i)
        if not imgs:
            continue
        x = torch.from_numpy(np.stack(imgs).transpose(0, 3, 1, 2).astype(np.float32)).to(device)
        f = model.embed(x).float().mean(dim=(2, 3)).cpu().numpy().astype(np.float64)
        for j, i in enumerate(idx):
            feats[i] = f[j]
            ok[i] = True
    dim = next((f.shape[0] for f in feats if f is not None), 0)
    out = np.stack([f if f is not None else np.zeros(dim) for f in feats]) if feats else np.zeros((0, dim))
    return out, ok


def kmeans(features: np.ndarray, k: int, seed: int, n_init: int = 10,
           minibatch_above: int = 50000) -> Tuple[np.ndarray, np.ndarray]:
    """(labels (n,), centroids (k, C)); K is clipped to the number of vectors with a warning."""
    from sklearn.cluster import KMeans, MiniBatchKMeans

    n = features.shape[0]
    if n == 0:
        raise DataSourceError("clustering: no readable image in the training sources")
    if k > n:
        warnings.warn(f"CLUSTER.K = {k} but only {n} images: using K = {n}")
        k = n
    if k < 1:
        raise ConfigError(f"CLUSTER.K must be >= 1, got {k}")
    if n > minibatch_above:
        km = MiniBatchKMeans(n_clusters=k, init="k-means++", n_init=n_init, random_state=seed,
                             batch_size=4096)
    else:
        km = KMeans(n_clusters=k, init="k-means++", n_init=n_init, random_state=seed)
    labels = km.fit_predict(features)
    return labels.astype(np.int64), km.cluster_centers_


def model_config(cfg, snapshot):
    """The network definition (INPUT, BACKBONE, HEAD) stored in a pysot-ss snapshot, else that of `cfg`: the
    stage-2 config may cluster with a stage-1 model of another architecture."""
    stored = snapshot_config(snapshot)
    if stored is None:
        return cfg
    out = cfg.clone()
    out.defrost()
    for node in ("INPUT", "BACKBONE", "HEAD"):
        out[node] = stored[node]
    return out


def build_clusters(cfg, snapshot, out=None, device="cpu") -> Path:
    """Stage-1 snapshot + the config's training sources -> clusters file at `out` (default CLUSTER.OUTPUT, or
    OUTPUT_DIR/clusters.json). Returns the path written."""
    c = cfg.CLUSTER
    out = Path(out or c.OUTPUT or Path(cfg.TRAIN.OUTPUT_DIR) / "clusters.json")
    model = build_model(model_config(cfg, snapshot))
    load_weights(model, snapshot)
    keys = collect_items(cfg)
    if not keys:
        raise DataSourceError("clustering: the training sources (DATASET.NAMES) hold no item")
    log.info(f"clustering {len(keys)} videos with {snapshot} (K = {c.K})")
    feats, ok = extract_features(model, keys, int(c.IMAGE_SIZE), int(c.BATCH_SIZE), device)
    labels, centroids = kmeans(feats[ok], int(c.K), int(cfg.SEED), int(c.N_INIT), int(c.MINIBATCH_ABOVE))
    assignment = np.full(len(keys), -1, dtype=np.int64)
    assignment[ok] = labels
    obj = {"version": 1, "k": int(centroids.shape[0]),
           "assignments": {k: int(a) for k, a in zip(keys, assignment.tolist())},
           "centroids": np.round(centroids, 6).tolist(), "seed": int(cfg.SEED),
           "snapshot": str(snapshot), "image_size": int(c.IMAGE_SIZE), "unreadable": int((~ok).sum()),
           "unit": "video"}
    atomic_write_json(out, obj)
    sizes = np.bincount(labels, minlength=obj["k"])
    log.info(f"wrote {out}: {obj['k']} clusters, sizes {int(sizes.min())}..{int(sizes.max())}")
    return out
