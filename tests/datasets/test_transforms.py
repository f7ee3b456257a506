"""One-warp crops and photometric augmentations (pysot_ss/datasets/transforms.py)."""
import numpy as np
import pytest

from pysot_ss.datasets.transforms import (Augment, apply_affine, color_jitter, crop_matrix, gaussian_blur,
                                          hue_matrix, invert_affine, jitter_matrix, pad_color, to_gray, warp_crop)

from . import ramp, textured


def _crop(img, center, scale, out, **kw):
    m = crop_matrix(center, scale, out, **kw)
    return warp_crop(img, m, out, pad_color(img))


def test_identity_geometry_is_a_slice():
    img = textured(120, 160)
    # scale 1, integer centre (80, 60), 31 px: exactly rows 45..75, cols 65..95
    crop = _crop(img, (80, 60), 1.0, 31)
    np.testing.assert_array_equal(crop, img[45:76, 65:96])


def test_all_off_augment_is_identity():
    img = textured(120, 160)
    crop, m = Augment().crop(img, np.random.default_rng(0), (80, 60), 1.0, 31, max_shift=0, border=(0, 0, 0))
    assert crop.dtype == np.float32
    np.testing.assert_array_equal(crop, img[45:76, 65:96].astype(np.float32))
    np.testing.assert_allclose(m, [[1, 0, 15 - 80], [0, 1, 15 - 60]])


@pytest.mark.parametrize("angle,k", [(90, 1), (-90, -1), (180, 2)])
def test_rotation_in_the_warp_equals_rot90(angle, k):
    img = textured(120, 160)
    plain = _crop(img, (80, 60), 1.0, 41)
    rotated = _crop(img, (80, 60), 1.0, 41, angle=angle)
    # integer grid: bilinear sampling is exact up to floating-point rounding of cos/sin
    assert np.abs(rotated.astype(int) - np.rot90(plain, k).astype(int)).max() <= 1


def test_flip_in_the_warp_mirrors_the_crop():
    img = textured(120, 160)
    plain = _crop(img, (80, 60), 1.0, 41)
    np.testing.assert_array_equal(_crop(img, (80, 60), 1.0, 41, flip=True), plain[:, ::-1])


def test_shift_moves_the_centre():
    img = textured(120, 160)
    # shift (+3, -2): the image point (80, 60) lands at crop pixel (15 + 3, 15 - 2); crop = img[47:78, 62:93]
    crop = _crop(img, (80, 60), 1.0, 31, shift=(3, -2))
    np.testing.assert_array_equal(crop, img[47:78, 62:93])


def test_scale_and_rotation_on_a_ramp():
    img = ramp(200, 240)                    # pixel value (x, y, 1)
    crop = warp_crop(img, crop_matrix((50, 40), 0.5, 11, angle=90), 11)
    # by hand: q = 5 + 0.5 * R(90) (p - c)  =>  u = 5 + 0.5 (y - 40), v = 5 - 0.5 (x - 50)
    # crop pixel (u=7, v=5) <- y = 44, x = 50; (u=5, v=9) <- y = 40, x = 42
    np.testing.assert_allclose(crop[5, 7, :2], [50, 44], atol=1e-3)
    np.testing.assert_allclose(crop[9, 5, :2], [42, 40], atol=1e-3)


def test_matrix_inverse_and_points():
    m = crop_matrix((30.5, 20.0), 1.7, 127, angle=33, flip=True, shift=(2, -3))
    p = np.array([[30.5, 20.0], [0.0, 0.0], [100.0, 7.0]])
    q = apply_affine(m, p)
    np.testing.assert_allclose(q[0], [63 + 2, 63 - 3])     # the centre lands at c_out + shift
    np.testing.assert_allclose(apply_affine(invert_affine(m), q), p, atol=1e-9)


def test_outside_the_image_takes_the_pad_colour():
    img = textured(60, 80)
    mean = pad_color(img, "mean")
    far = warp_crop(img, crop_matrix((1000, 1000), 1.0, 15), 15, mean)
    np.testing.assert_array_equal(far, np.broadcast_to(np.round(mean).astype(np.uint8), far.shape))
    zero = warp_crop(img, crop_matrix((1000, 1000), 1.0, 15), 15, pad_color(img, "zero"))
    assert zero.max() == 0
    with pytest.raises(ValueError, match="PAD_MODE"):
        pad_color(img, "edge")


def test_geometry_draws_respect_the_settings():
    rng = np.random.default_rng(1)
    aug = Augment(stretch=0.05, rotation=90, rotation_prob=1.0, flip_prob=0.0)
    gs = [aug.geometry(rng, 4) for _ in range(300)]
    assert all(0.95 <= g.stretch <= 1.05 for g in gs)
    assert all(-90 <= g.angle <= 90 for g in gs) and max(abs(g.angle) for g in gs) > 80
    assert all(abs(g.shift[0]) <= 4 and abs(g.shift[1]) <= 4 for g in gs)
    assert not any(g.flip for g in gs)
    off = Augment(stretch=0.0, rotation=90, rotation_prob=0.0)
    assert all(off.geometry(rng, 0) == off.geometry(rng, 0) for _ in range(5))
    assert off.geometry(rng, 0).angle == 0 and off.geometry(rng, 0).stretch == 1.0
    flips = [Augment(flip_prob=0.5).geometry(rng, 0).flip for _ in range(400)]
    assert 120 < sum(flips) < 280


def test_photometric_off_is_identity_and_on_changes_colours():
    img = textured(64, 64).astype(np.float32)
    rng = np.random.default_rng(0)
    np.testing.assert_array_equal(Augment().photometric(img, rng), img)
    out = Augment(color=0.1, color_prob=1.0).photometric(img, rng)
    assert out.dtype == np.float32 and out.shape == img.shape
    assert 0 <= out.min() and out.max() <= 255
    assert np.abs(out - img).mean() > 0.5


def test_color_jitter_strength_zero_is_identity():
    img = textured(32, 32).astype(np.float32)
    np.testing.assert_allclose(color_jitter(img, np.random.default_rng(0), 0.0), img, atol=1e-3)


def test_hue_and_saturation_leave_gray_alone():
    # a gray image has no hue or saturation: only brightness and contrast can change it, and equally per channel
    g = np.repeat(np.linspace(20, 230, 32 * 32, dtype=np.float32).reshape(32, 32, 1), 3, axis=2)
    for seed in range(5):
        out = color_jitter(g, np.random.default_rng(seed), 0.3)
        np.testing.assert_allclose(out[..., 0], out[..., 1], atol=0.05)
        np.testing.assert_allclose(out[..., 1], out[..., 2], atol=0.05)


def test_brightness_factor_within_bounds():
    # on a mid-gray flat image, every op but brightness is neutral: the value is 128 * U(0.9, 1.1)
    flat = np.full((8, 8, 3), 128, np.float32)
    vals = [color_jitter(flat, np.random.default_rng(s), 0.1)[0, 0, 0] for s in range(50)]
    assert min(vals) >= 128 * 0.9 - 0.01 and max(vals) <= 128 * 1.1 + 0.01 and np.std(vals) > 1


def test_gray_and_blur():
    img = textured(40, 40).astype(np.float32)
    gray = to_gray(img)
    expected = 0.114 * img[..., 0] + 0.587 * img[..., 1] + 0.299 * img[..., 2]
    for c in range(3):
        np.testing.assert_allclose(gray[..., c], expected, atol=0.01)
    noisy = np.random.default_rng(0).uniform(0, 255, (40, 40, 3)).astype(np.float32)
    assert gaussian_blur(noisy, 2.0).std() < 0.5 * noisy.std()
    assert Augment(gray_prob=1.0).photometric(img, np.random.default_rng(0)).std(axis=2).max() < 0.01


def test_crop_works_on_float_images():
    img = ramp(50, 60)
    crop, _ = Augment().crop(img, np.random.default_rng(0), (30, 25), 2.0, 9, 0, (0, 0, 0))
    # 2 crop px per image px: crop pixel (u, v) <- x = 30 + (u - 4) / 2
    np.testing.assert_allclose(crop[4, 0, :2], [28, 25], atol=1e-4)


def _apply(m, img):
    return img @ m[:, :3].T + m[:, 3]


def test_jitter_matrix_matches_the_operations_applied_one_by_one():
    img = textured(16, 16).astype(np.float64)
    w = np.array([0.114, 0.587, 0.299])                  # BGR luma weights
    b, c, s = 1.07, 0.93, 1.05
    # brightness, then contrast (blend with the mean gray of the brightened image), then saturation
    step = img * b
    step = c * step + (1 - c) * (step @ w).mean()
    step = s * step + (1 - s) * (step @ w)[..., None]
    m = jitter_matrix(b, c, s, 0.0, [0, 1, 2], img.reshape(-1, 3).mean(axis=0))
    np.testing.assert_allclose(_apply(m, img), step, atol=1e-9)
    # another order gives another result (contrast before brightness uses the mean of the original)
    step2 = c * img + (1 - c) * (img @ w).mean()
    step2 = step2 * b
    m2 = jitter_matrix(b, c, 1.0, 0.0, [1, 0], img.reshape(-1, 3).mean(axis=0))
    np.testing.assert_allclose(_apply(m2, img), step2, atol=1e-9)


def test_hue_rotation_keeps_luma_and_gray():
    w = np.array([0.114, 0.587, 0.299])
    colours = np.random.default_rng(0).uniform(0, 255, (20, 3))
    h = hue_matrix(0.1)
    np.testing.assert_allclose((colours @ h.T) @ w, colours @ w, atol=1e-9)      # luma unchanged
    np.testing.assert_allclose(h @ np.ones(3), np.ones(3), atol=1e-12)            # gray stays gray
    np.testing.assert_allclose(hue_matrix(0.25) @ hue_matrix(0.25), hue_matrix(0.5), atol=1e-12)
    np.testing.assert_allclose(hue_matrix(1.0), np.eye(3), atol=1e-12)            # a full turn
    red = np.array([0.0, 0.0, 200.0])                                             # BGR
    assert np.abs(hue_matrix(1 / 3) @ red - red).max() > 50                       # a third of a turn moves it
