"""Pair samplers and the training Dataset: crop geometry, labels, hard negatives, video pairs, determinism."""
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from pysot_ss.core.config import get_cfg
from pysot_ss.datasets import build_sources, build_train_dataset
from pysot_ss.datasets.pair_dataset import SlotTable
from pysot_ss.datasets.samplers import HardNegativeSampler, SingleImageSampler, VideoPairSampler, context_size
from pysot_ss.datasets.sources.base import DataSourceError

from sotbase.errors import FileFormatError

from . import folder_cfg, quiet_cfg, ramp, textured, write_images


def _ncc_peak(search, template):
    """Centre (x, y) in `search` where `template` matches best (normalised cross-correlation), and the score."""
    r = cv2.matchTemplate(search, template, cv2.TM_CCOEFF_NORMED)
    _, score, _, loc = cv2.minMaxLoc(r)
    return np.array(loc, dtype=float) + (template.shape[0] - 1) / 2.0, score


# ---------------------------------------------------------------------------------------------------------------
# single_image

@pytest.mark.parametrize("shift", [4, 10])
def test_label_centre_is_where_the_template_is_in_the_search(shift):
    # augmentations off but random shifts on: the template (already at the search crop's scale, E / s_z, so no
    # resizing is needed) correlates best with the search crop at search centre (119, 119) + offset
    sampler = SingleImageSampler(quiet_cfg(SEARCH_SHIFT=shift))
    img = textured(480, 640, seed=3)
    moved = 0
    for seed in range(8):
        pair = sampler.pair_from_image(img, np.random.default_rng(seed))
        assert pair["template"].shape == (127, 127, 3) and pair["search"].shape == (239, 239, 3)
        peak, score = _ncc_peak(pair["search"], pair["template"])
        assert score > 0.9
        np.testing.assert_allclose(peak, 119 + pair["offset"], atol=1.0)
        assert np.all(np.abs(pair["offset"]) <= 2 * shift + 1e-6)
        moved += np.abs(pair["offset"]).max() > 1
        assert not pair["negative"]
    assert moved >= 4


def test_label_is_exact_under_rotation_stretch_and_flip():
    # on a ramp image a crop pixel holds its own image coordinates; the search pixel at centre + offset must
    # hold the coordinates of the template's centre pixel, whatever the rotations, stretches and flips
    cfg = get_cfg()
    cfg.AUG.COLOR_PROB = 0.0
    cfg.AUG.FLIP_PROB = 0.5
    cfg.AUG.ROTATION = 90
    cfg.AUG.ROTATION_PROB = 1.0
    cfg.AUG.STRETCH = 0.05
    sampler = SingleImageSampler(cfg)
    img = ramp(480, 640)
    for seed in range(20):
        pair = sampler.pair_from_image(img, np.random.default_rng(seed))
        z_centre = pair["template"][63, 63, :2]
        at = cv2.getRectSubPix(pair["search"], (1, 1), tuple(float(v) for v in 119 + pair["offset"]))[0, 0, :2]
        np.testing.assert_allclose(at, z_centre, atol=0.02)


def test_crops_follow_siamfc_context_geometry():
    sampler = SingleImageSampler(quiet_cfg())
    img = ramp(480, 640)
    # box 60 x 40: p = 50, s_z = sqrt(110 * 90) = 99.4987 image px for 127 template px -> 0.78345 px per crop px;
    # the 239 search crop has the same scale, covering s_z * 239 / 127 = 187.24 image px
    pair = sampler.make_pair(img, (320.0, 240.0, 60.0, 40.0), img, (320.0, 240.0, 60.0, 40.0),
                             np.random.default_rng(0))
    z, x = pair["template"], pair["search"]
    np.testing.assert_allclose(z[63, 63, :2], [320, 240], atol=1e-3)
    np.testing.assert_allclose(x[119, 119, :2], [320, 240], atol=1e-3)
    np.testing.assert_allclose(z[63, 126, 0] - z[63, 0, 0], 126 * 0.78345, atol=0.01)
    np.testing.assert_allclose(x[238, 119, 1] - x[0, 119, 1], 238 * 0.78345, atol=0.01)
    np.testing.assert_allclose(pair["offset"], [0, 0], atol=1e-6)
    assert context_size(60, 40) == pytest.approx(99.49874, abs=1e-4)


def test_pseudo_box_follows_the_authors_ranges():
    sampler = SingleImageSampler(get_cfg())
    rng = np.random.default_rng(0)
    tws, ths = set(), set()
    for _ in range(600):
        cx, cy, tw, th = sampler.pseudo_box(480, 640, rng)
        tws.add(tw)
        ths.add(th)
        assert tw <= cx < 640 - tw and th <= cy < 480 - th
    assert tws == {640 // d for d in range(4, 9)}      # 160, 128, 106, 91, 80
    assert ths == {480 // d for d in range(4, 9)}      # 120, 96, 80, 68, 60


def test_sample_from_image_with_a_box():
    img = ramp(200, 240)
    exact = SingleImageSampler(quiet_cfg(), box_jitter=0, box_scale_jitter=0)
    item = exact.sample_from_image(img, np.random.default_rng(0), box=(100, 50, 41, 21))
    assert item["template"].shape == (3, 127, 127) and item["search"].shape == (3, 239, 239)
    assert item["template"].dtype == torch.float32 and item["index"].item() == -1
    assert not item["negative"].item()
    # box centre = (100 + 40/2, 50 + 20/2)
    np.testing.assert_allclose(item["template"][:2, 63, 63].numpy(), [120, 60], atol=1e-3)
    np.testing.assert_allclose(item["offset"].numpy(), [0, 0], atol=1e-6)
    jittered = SingleImageSampler(quiet_cfg())
    for seed in range(10):
        it = jittered.sample_from_image(img, np.random.default_rng(seed), box=(100, 50, 41, 21))
        cx, cy = it["template"][:2, 63, 63].numpy()
        assert abs(cx - 120) <= 0.1 * 41 + 1e-3 and abs(cy - 60) <= 0.1 * 21 + 1e-3
    # no box: a pseudo target of a uint8 BGR image
    it = jittered.sample_from_image(textured(120, 160), np.random.default_rng(0))
    assert it["template"].shape == (3, 127, 127) and float(it["template"].max()) <= 255


# ---------------------------------------------------------------------------------------------------------------
# hard_negative

COLOURS = [(20, 40, 200), (200, 30, 30), (30, 200, 30), (120, 120, 20), (20, 120, 120), (250, 250, 250)]
CLUSTER_OF = [0, 0, 0, 1, 1, 2]                    # image 5 is alone in its cluster


def _flat_images(root):
    root.mkdir(parents=True, exist_ok=True)
    for i, c in enumerate(COLOURS):
        cv2.imwrite(str(root / f"{i}.png"), np.full((90, 120, 3), c, np.uint8))


def _which(crop):
    colour = crop.reshape(3, -1).mean(axis=1)
    d = np.abs(np.array(COLOURS, float) - colour).sum(axis=1)
    assert d.min() < 3
    return int(d.argmin())


def _hn_cfg(tmp_path, neg_prob=1.0, clusters=None):
    root = tmp_path / "imgs"
    _flat_images(root)
    cfg = folder_cfg(root, quiet_cfg(TYPE="hard_negative", NEG_PROB=neg_prob))
    keys = build_sources(cfg)[0].keys()
    if clusters is None:
        clusters = {k: CLUSTER_OF[int(k[-5])] for k in keys}     # ".../<i>.png"
    f = tmp_path / "clusters.json"
    f.write_text(json.dumps({"version": 1, "k": 3, "assignments": clusters, "centroids": [], "seed": 0}))
    cfg.SAMPLER.CLUSTER_FILE = str(f)
    return cfg


def test_hard_negatives_come_from_the_same_cluster_and_another_image(tmp_path):
    ds = build_train_dataset(_hn_cfg(tmp_path), epoch_len=60)
    partners = {i: set() for i in range(6)}
    for i in range(len(ds)):
        item = ds[i]
        a, b = _which(item["template"].numpy()), _which(item["search"].numpy())
        assert item["negative"].item()
        assert a != b
        if a != 5:
            assert CLUSTER_OF[a] == CLUSTER_OF[b]
        partners[a].add(b)
    assert partners[0] == {1, 2} and partners[3] == {4}          # every other member is reachable


def test_hard_negative_mixes_positive_pairs(tmp_path):
    ds = build_train_dataset(_hn_cfg(tmp_path, neg_prob=0.5), epoch_len=60)
    negatives = 0
    for i in range(len(ds)):
        item = ds[i]
        a, b = _which(item["template"].numpy()), _which(item["search"].numpy())
        assert (a != b) == item["negative"].item()
        negatives += int(item["negative"])
    assert 15 <= negatives <= 45


CLIP_COLOURS = [(20, 40, 200), (200, 30, 30), (30, 200, 30), (120, 120, 20), (250, 250, 250)]
CLIP_CLUSTER = [0, 0, 1, 1, 1]                      # clips 0-1 and 2-4 look alike; no clip is alone


def _clips_cfg(tmp_path, clips, neg_prob=1.0):
    """Five generated clips of 6 numbered frames each (frame k of clip c: colour c, brightened by k)."""
    root = tmp_path / "clips"
    for c, colour in enumerate(CLIP_COLOURS):
        (root / f"clip{c}").mkdir(parents=True, exist_ok=True)
        for k in range(6):
            frame = np.clip(np.array(colour) + k, 0, 255).astype(np.uint8)
            cv2.imwrite(str(root / f"clip{c}" / f"{k:05d}.png"), np.full((90, 120, 3), frame, np.uint8))
    cfg = folder_cfg(root, quiet_cfg(TYPE="hard_negative", NEG_PROB=neg_prob), CLIPS=clips)
    # the clusters a per-frame clustering would give: every frame keyed, frames of a clip in the clip's cluster
    clusters = {p: CLIP_CLUSTER[int(p.split("clip")[-1][0])] for p in build_sources(cfg)[0].items}
    f = tmp_path / "clusters.json"
    f.write_text(json.dumps({"version": 1, "k": 2, "assignments": clusters, "centroids": [], "seed": 0}))
    cfg.SAMPLER.CLUSTER_FILE = str(f)
    return cfg


def _clip_of(crop):
    colour = crop.reshape(-1, 3).mean(axis=0)                        # HWC numpy crop
    d = np.abs(np.array(CLIP_COLOURS, float) - colour).sum(axis=1)
    assert d.min() < 20
    return int(d.argmin())


def test_hard_negatives_never_pair_two_frames_of_one_video(tmp_path):
    ds = build_train_dataset(_clips_cfg(tmp_path, "folders"), epoch_len=120)
    src, sampler = ds.sources[0], ds.sampler
    assert sampler.num_videos == 5 and len(src) == 30
    partners = {c: set() for c in range(5)}
    for i in range(len(ds)):
        pair = ds.sample(i)
        assert pair["negative"]
        a, b = _clip_of(pair["template"]), _clip_of(pair["search"])
        folder_a, folder_b = (Path(src.items[r[1]]).parent for r in (pair["ref"], pair["partner"]))
        assert a != b and folder_a != folder_b                       # never the same video
        assert sampler.video_of(pair["ref"]) != sampler.video_of(pair["partner"])
        assert CLIP_CLUSTER[a] == CLIP_CLUSTER[b]                    # but the same cluster
        partners[a].add(b)
    assert partners[0] == {1} and partners[2] == {3, 4}


def test_frames_as_stills_reproduce_same_video_negatives(tmp_path):
    # CLIPS "none" (every frame a still image) is the old behaviour: a negative's partner is often another frame
    # of the template's own clip -- what the video grouping above prevents
    ds = build_train_dataset(_clips_cfg(tmp_path, "none"), epoch_len=120)
    same = sum(_clip_of(p["template"]) == _clip_of(p["search"]) for p in map(ds.sample, range(len(ds))))
    assert same > 20


def test_clusters_file_must_cover_every_video(tmp_path):
    cfg = _clips_cfg(tmp_path, "folders")
    sources = build_sources(cfg)
    keys = sources[0].video_groups()[1]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"version": 1, "k": 1, "assignments": {k: 0 for k in keys[1:]}}))
    cfg.SAMPLER.CLUSTER_FILE = str(bad)
    with pytest.raises(DataSourceError, match=r"1 of 5 training videos .*clip0/00003\.png"):
        HardNegativeSampler(cfg, sources)


def test_cluster_file_errors(tmp_path):
    cfg = _hn_cfg(tmp_path)
    sources = build_sources(cfg)
    cfg.SAMPLER.CLUSTER_FILE = str(tmp_path / "nope.json")
    with pytest.raises(DataSourceError, match="nope.json"):
        HardNegativeSampler(cfg, sources)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    cfg.SAMPLER.CLUSTER_FILE = str(bad)
    with pytest.raises(FileFormatError, match="bad.json"):
        HardNegativeSampler(cfg, sources)
    bad.write_text(json.dumps({"version": 2, "assignments": {"a": 1}}))
    with pytest.raises(FileFormatError, match="version"):
        HardNegativeSampler(cfg, sources)
    keys = sources[0].keys()
    bad.write_text(json.dumps({"version": 1, "k": 1, "assignments": {k: 0 for k in keys[1:]}}))
    with pytest.raises(DataSourceError, match=r"1 of 6 training videos .*0\.png"):
        HardNegativeSampler(cfg, sources)


# ---------------------------------------------------------------------------------------------------------------
# video_pairs

def _walk_sequence(root, n=25, tiny_from=20):
    """A bright 24 x 24 square moving 2 px/frame over a dark texture; frames >= tiny_from get a 5 x 5 box."""
    seq = root / "walk"
    (seq / "img").mkdir(parents=True)
    bg = (textured(120, 160, seed=9) // 8).astype(np.uint8)
    lines = []
    for t in range(n):
        img = bg.copy()
        x0, y0 = 30 + 2 * t, 40 + t
        img[y0:y0 + 24, x0:x0 + 24] = 255
        cv2.imwrite(str(seq / "img" / f"{t + 1:04d}.png"), img)
        lines.append(f"{x0},{y0},24,24" if t < tiny_from else f"{x0}\t{y0}\t5\t5")
    (seq / "groundtruth_rect.txt").write_text("\n".join(lines) + "\n")
    return seq


def _bright_centroid(crop):
    """Centroid of the white square weighted by brightness above the (<= 31) background: edge pixels count
    by their coverage, so the centroid is sub-pixel accurate."""
    w = np.clip(crop.min(axis=2) - 40.0, 0, None)
    ys, xs = np.mgrid[0:crop.shape[0], 0:crop.shape[1]]
    return np.array([(w * xs).sum(), (w * ys).sum()]) / w.sum()


def _vp_cfg(root, **sampler):
    cfg = quiet_cfg(TYPE="video_pairs", **sampler)
    cfg.DATASET.NAMES = ["SEQS"]
    cfg.DATASET.SEQS = type(cfg)({"TYPE": "video_pairs", "ROOT": str(root)}, new_allowed=True)
    return cfg


def test_video_pairs_respect_frame_range_and_filters(tmp_path):
    _walk_sequence(tmp_path)
    cfg = _vp_cfg(tmp_path, FRAME_RANGE=3)
    sources = build_sources(cfg)
    sampler = VideoPairSampler(cfg, sources)
    np.testing.assert_array_equal(sampler.usable_frames((0, 0)), np.arange(20))   # 5 x 5 boxes filtered
    gaps = set()
    for seed in range(60):
        t, x = sampler.pick_frames((0, 0), np.random.default_rng(seed))
        assert t < 20 and x < 20 and abs(t - x) <= 3
        gaps.add(abs(t - x))
    assert gaps == {0, 1, 2, 3}


def test_video_pairs_centre_the_annotated_box(tmp_path):
    _walk_sequence(tmp_path)
    cfg = _vp_cfg(tmp_path, FRAME_RANGE=5)
    from pysot_ss.datasets.sources import ImageReader
    sampler = VideoPairSampler(cfg, build_sources(cfg))
    for seed in range(6):
        pair = sampler.sample((0, 0), np.random.default_rng(seed), ImageReader())
        np.testing.assert_allclose(_bright_centroid(pair["template"]), [63, 63], atol=0.25)
        np.testing.assert_allclose(_bright_centroid(pair["search"]), [119, 119], atol=0.25)
        np.testing.assert_allclose(pair["offset"], [0, 0], atol=1e-6)
    # with shifts, the label still sits on the object: search centroid - template centroid = (119 - 63) + offset
    cfg.SAMPLER.SEARCH_SHIFT = 6
    sampler = VideoPairSampler(cfg, build_sources(cfg))
    for seed in range(6):
        pair = sampler.sample((0, 0), np.random.default_rng(seed), ImageReader())
        lhs = _bright_centroid(pair["search"]) - 119
        rhs = _bright_centroid(pair["template"]) - 63 + pair["offset"]
        np.testing.assert_allclose(lhs, rhs, atol=0.25)


def test_video_pairs_need_labelled_sources(tmp_path):
    write_images(tmp_path / "imgs", 2)
    cfg = folder_cfg(tmp_path / "imgs", quiet_cfg(TYPE="video_pairs"))
    with pytest.raises(DataSourceError, match="labelled"):
        build_train_dataset(cfg, 4)


def test_video_pairs_dataset_items(tmp_path):
    _walk_sequence(tmp_path)
    ds = build_train_dataset(_vp_cfg(tmp_path), epoch_len=4)
    item = ds[3]
    assert item["search"].shape == (3, 239, 239) and not item["negative"].item() and item["index"].item() == 3


# ---------------------------------------------------------------------------------------------------------------
# the Dataset: epochs, determinism, workers

def _small_ds(tmp_path, n_images=6, epoch_len=8, cfg=None):
    write_images(tmp_path / "imgs", n_images)
    return build_train_dataset(folder_cfg(tmp_path / "imgs", cfg), epoch_len=epoch_len)


def _same(a, b):
    return all(torch.equal(a[k], b[k]) for k in a)


def test_same_seed_epoch_index_same_item(tmp_path):
    write_images(tmp_path / "imgs", 6)
    cfg = folder_cfg(tmp_path / "imgs")
    d1, d2 = build_train_dataset(cfg, 8), build_train_dataset(cfg, 8)
    assert all(_same(d1[i], d2[i]) for i in range(8))
    assert not _same(d1[0], d1[1])
    d2.set_epoch(1)
    assert d2.epoch == 1 and not _same(d1[0], d2[0])
    cfg.SEED = 7
    assert not _same(build_train_dataset(cfg, 8)[0], d1[0])


def test_workers_give_the_same_batches_and_see_set_epoch(tmp_path):
    ds = _small_ds(tmp_path, epoch_len=8)
    ref = list(DataLoader(ds, batch_size=4, num_workers=0))
    got = list(DataLoader(ds, batch_size=4, num_workers=2))
    assert all(_same(a, b) for a, b in zip(ref, got))
    loader = DataLoader(ds, batch_size=4, num_workers=1, persistent_workers=True)
    first = list(loader)
    assert all(_same(a, b) for a, b in zip(ref, first))
    ds.set_epoch(3)
    third = list(loader)                               # the persistent worker reads the shared epoch
    expected = list(DataLoader(ds, batch_size=4, num_workers=0))
    assert all(_same(a, b) for a, b in zip(expected, third))
    assert not _same(first[0], third[0])


def test_an_epoch_uses_every_image_once(tmp_path):
    ds = _small_ds(tmp_path, n_images=6, epoch_len=12)
    for epoch in (0, 1):
        refs = [ds.sample(i, epoch=epoch)["ref"] for i in range(12)]
        assert sorted(refs[:6]) == [(0, i) for i in range(6)]
        assert sorted(refs[6:]) == [(0, i) for i in range(6)]


class _FakeSource:
    def __init__(self, n, num_use=-1, weight=1.0):
        self.n, self.num_use, self.weight = n, num_use, weight

    def __len__(self):
        return self.n


def test_slot_table_weights_and_num_use():
    table = SlotTable([_FakeSource(10), _FakeSource(4, num_use=2, weight=1.5), _FakeSource(8, weight=0.5)], seed=1)
    assert len(table) == 10 + 3 + 4
    per_source = {0: set(), 1: set(), 2: set()}
    for epoch in range(2):
        for slot in range(len(table)):
            s, i = table.ref(slot, epoch)
            per_source[s].add(i)
    assert per_source[0] == set(range(10))
    assert len(per_source[1]) == 2                    # a fixed subset of NUM_USE items
    assert per_source[2] == set(range(8))             # WEIGHT 0.5: two epochs walk through all 8 items
    assert sorted(table.permutation(0, 0)) == list(range(len(table)))
