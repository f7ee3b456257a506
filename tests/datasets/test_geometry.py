"""SAMPLER.CROP_GEOMETRY: "centred" (default) and "authors", the latter checked against a line-by-line
transcription of the authors' crop computation (pair sampler -> siamfc-pytorch crop -> training centre crops)."""
import cv2
import numpy as np
import pytest

from pysot_ss.datasets.samplers import SingleImageSampler, centred, context_size

from . import quiet_cfg, ramp, textured

# fixed pseudo boxes (cx, cy, w, h) as SingleImageSampler.pseudo_box draws them (integers, cx in [w, W - w))
BOXES = [((360, 480), (200, 150, 80, 60)), ((360, 480), (100, 300, 61, 45)), ((360, 480), (400, 50, 120, 90)),
         ((360, 640), (133, 77, 91, 51)), ((480, 640), (500, 400, 106, 69))]


def _authors_window(cx, cy, tw, th):
    """Transcription of the authors' code for one pseudo box: returns (y0, x0, size) of the integer window that
    siamfc-pytorch's crop_and_resize cuts and resizes to 255 x 255."""
    # datasets.py, Pair (self-supervised): the box is passed as corners
    box = [cx - tw / 2, cy - th / 2, cx + tw / 2, cy + th / 2]
    # transforms.py, SiamFCTransforms._crop: reads [x, y, w, h] (1-based) -> 0-based [y, x, h, w]
    box = np.array([box[1] - 1 + (box[3] - 1) / 2, box[0] - 1 + (box[2] - 1) / 2, box[3], box[2]],
                   dtype=np.float32)
    center, target_sz = box[:2], box[2:]
    context = 0.5 * np.sum(target_sz)
    size = np.sqrt(np.prod(target_sz + context))
    size *= 255 / 127
    # ops.crop_and_resize
    size = round(size)
    corners = np.concatenate((np.round(center - (size - 1) / 2), np.round(center - (size - 1) / 2) + size))
    corners = np.round(corners).astype(int)
    return int(corners[0]), int(corners[1]), int(size)


def _authors_positions(window, out, offset):
    """Image (x, y) sampled by crop pixel (i, j) of an `out`-pixel crop taken `offset` pixels into the 255 patch
    (cv2.resize maps patch pixel k to window + (k + 0.5) * size / 255 - 0.5). Template: CenterCrop(247) (4) +
    centre of RandomCrop(239) (4) + CenterCrop(127) (56) = 64; search: 4 + 4 = 8."""
    y0, x0, size = window
    k = np.arange(out) + offset
    pos = (k + 0.5) * size / 255.0 - 0.5
    return np.meshgrid(x0 + pos, y0 + pos)


def _authors_patch(img, window):
    """The 255 x 255 patch itself (their crop_and_resize with the mean-colour border and INTER_LINEAR)."""
    y0, x0, size = window
    corners = np.array([y0, x0, y0 + size, x0 + size])
    pads = np.concatenate((-corners[:2], corners[2:] - img.shape[:2]))
    npad = max(0, int(pads.max()))
    avg = tuple(float(v) for v in np.mean(img, axis=(0, 1)))
    if npad > 0:
        img = cv2.copyMakeBorder(img, npad, npad, npad, npad, cv2.BORDER_CONSTANT, value=avg)
    c = corners + npad
    return cv2.resize(img[c[0]:c[2], c[1]:c[3]], (255, 255), interpolation=cv2.INTER_LINEAR)


def _sampler(geometry, pad="mean"):
    cfg = quiet_cfg(CROP_GEOMETRY=geometry, PAD_MODE=pad)
    return SingleImageSampler(cfg)


@pytest.mark.parametrize("shape, box", BOXES)
def test_authors_geometry_matches_their_crop_arithmetic(shape, box):
    h, w = shape
    img = ramp(h, w)                      # channels (x, y, 1): a crop pixel says where it sampled the image
    pair = _sampler("authors", pad="zero").make_pair(img, box, img, box, np.random.default_rng(0))
    window = _authors_window(*box)
    for crop, offset in ((pair["template"], 64), (pair["search"], 8)):
        xs, ys = _authors_positions(window, crop.shape[0], offset)
        inside = crop[..., 2] == 1.0      # pixels sampled wholly inside the frame (the rest is padding)
        expect_inside = (xs >= 0) & (ys >= 0) & (xs <= w - 1) & (ys <= h - 1)
        assert inside.sum() > 100
        assert np.abs(crop[..., 0][inside] - xs[inside]).max() <= 1.0
        assert np.abs(crop[..., 1][inside] - ys[inside]).max() <= 1.0
        # the padded part is the same region (up to the one-pixel rim where bilinear mixes in the border)
        assert (inside != expect_inside).mean() < 0.02
    assert np.abs(pair["offset"]).max() < 1e-6          # same image, same box: the label is centred


@pytest.mark.parametrize("shape, box", BOXES[:3])
def test_authors_geometry_gives_their_pixels(shape, box):
    img = textured(*shape, seed=3)
    pair = _sampler("authors").make_pair(img, box, img, box, np.random.default_rng(0))
    patch = _authors_patch(img, _authors_window(*box)).astype(np.float32)
    assert np.abs(pair["template"] - patch[64:191, 64:191]).mean() < 1.0
    assert np.abs(pair["search"] - patch[8:247, 8:247]).mean() < 1.0


def _coverage_and_padding(geometry, shape, n=500):
    """Mean over random pseudo boxes of (template side / frame short side, fraction of the template off-frame)."""
    h, w = shape
    sampler, rng = _sampler(geometry), np.random.default_rng(0)
    cover, pad = [], []
    for _ in range(n):
        cx, cy, s = sampler.geometry(sampler.pseudo_box(h, w, rng), 127)
        ix = max(0.0, min(cx + s / 2, w) - max(cx - s / 2, 0.0))
        iy = max(0.0, min(cy + s / 2, h) - max(cy - s / 2, 0.0))
        cover.append(s / min(h, w))
        pad.append(1.0 - ix * iy / (s * s))
    return np.mean(cover), np.mean(pad)


@pytest.mark.parametrize("shape", [(360, 480), (360, 640), (480, 640)])
def test_authors_crops_are_padded_thumbnails_centred_crops_are_not(shape):
    # what the two geometries mean in practice (the numbers docs/method.md quotes)
    cover, pad = _coverage_and_padding("authors", shape)
    assert 1.3 < cover < 1.7 and 0.45 < pad < 0.65
    cover, pad = _coverage_and_padding("centred", shape)
    assert 0.35 < cover < 0.5 and pad < 0.05


def test_centred_is_the_default_and_siamfc_context():
    assert quiet_cfg().SAMPLER.CROP_GEOMETRY == "centred"
    assert centred((10.0, 20.0, 30.0, 40.0)) == (10.0, 20.0, context_size(30.0, 40.0))
    with pytest.raises(ValueError, match="SAMPLER.CROP_GEOMETRY must be one of authors, centred"):
        _sampler("corners")


def test_a_given_box_is_always_cropped_centred():
    # fine-tuning around a real target box: the geometry is for pseudo boxes only
    img = textured(120, 160)
    a = _sampler("authors").sample_from_image(img, np.random.default_rng(1), box=(40, 30, 40, 30))
    b = _sampler("centred").sample_from_image(img, np.random.default_rng(1), box=(40, 30, 40, 30))
    assert np.array_equal(a["template"].numpy(), b["template"].numpy())
