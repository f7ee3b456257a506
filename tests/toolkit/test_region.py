"""toolkit.utils.region: golden values (docs/toolkit.md §1.4), exact agreement with a literal C transcription on random
cases, properties, and vot_float2str."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import toolkit.utils.region as region
from toolkit.utils.region import rect_to_vot_polygon, vot_float2str, vot_overlap, vot_overlap_traj

from ._region_oracle import oracle_overlap

NAN = float("nan")

# docs/toolkit.md §1.4, produced by pysot's compiled region.c
GOLDEN = [
    ([0, 0, 10, 10], [5, 5, 10, 10], None, 0.17475728690624237),
    ([0, 0, 10, 10], [5, 5, 10, 10], (12, 12), 0.24161073565483093),
    ([0.5, 0.5, 10, 10], [0, 0, 10, 10], None, 0.7042253613471985),
    ([-0.5, -0.5, 10, 10], [0, 0, 10, 10], None, 1.0),
    ([2.5, 0, 10, 10], [0, 0, 10, 10], None, 0.5714285969734192),
    ([0, 5, 5, 0, 10, 5, 5, 10], [0, 0, 10, 10], None, 0.4876033067703247),
    ([-5, -5, 10, 10], [0, 0, 10, 10], (100, 100), 0.2975206673145294),
    ([90, 90, 20, 20], [95, 95, 10, 10], (100, 100), 0.2975206673145294),
    ([90, 90, 20, 20], [95, 95, 10, 10], (99, 99), 0.25),
    ([0, 0, 0, 10], [0, 0, 0, 10], None, NAN),
    ([0, 0, 0, 10], [0, 0, 10, 10], None, 0.0),
    ([200, 200, 10, 10], [205, 205, 10, 10], (100, 100), 0.0),
    ([10.3, 20.7, 30.2, 40.9], [12.1, 18.4, 28.8, 44.2], (320, 240), 0.8606557250022888),
    ([100.2, 50.1, 140.7, 60.3, 130.5, 110.8, 90.4, 100.6], [95, 55, 45, 50], (640, 480), 0.8055773973464966),
    ([1], [0, 0, 10, 10], None, NAN),
]


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


@pytest.mark.parametrize("p1, p2, bounds, expected", GOLDEN)
def test_golden_values(p1, p2, bounds, expected):
    got = vot_overlap(p1, p2, bounds)
    assert type(got) is float
    assert same(got, expected), (got, expected)
    assert same(oracle_overlap(p1, p2, bounds), expected)  # the oracle itself is right
    assert same(vot_overlap_traj([p1, p1], [p2, p2], bounds)[1], expected)


def test_golden_values_in_one_trajectory():
    got = vot_overlap_traj([g[0] for g in GOLDEN[:9]], [g[1] for g in GOLDEN[:9]], None)
    assert all(same(g, oracle_overlap(a, b)) for g, (a, b, _, _) in zip(got, GOLDEN))


def test_hand_counted_values():
    # [0,0,10,10] paints columns 0..10 x rows 0..10 = 121 px; [5,5,10,10] overlaps it on 6 x 6 = 36 px
    assert vot_overlap([0, 0, 10, 10], [5, 5, 10, 10]) == float(np.float32(36) / np.float32(206))
    # the diamond (0,5),(5,0),(10,5),(5,10): rows 0 and 10 are apexes (nodes [5,5] -> nothing), row y in 1..9
    # paints |5-y|..10-|5-y| -> 11 - 2|5-y| px: 1+3+5+7+9+11+9+7+5+3+1 - 2 apexes = 59 px, all inside the rect
    assert vot_overlap([0, 5, 5, 0, 10, 5, 5, 10], [0, 0, 10, 10]) == float(np.float32(59) / np.float32(121))
    assert vot_overlap([0, 0, 10, 10], [0, 0, 10, 10], (5, 5)) == 1.0
    assert math.isnan(vot_overlap([0], [2]))
    assert rect_to_vot_polygon([1, 2, 3, 4]) == [1.0, 2.0, 4.0, 2.0, 4.0, 6.0, 1.0, 6.0]
    # a rectangle and its own 8-number polygon are the same region
    assert vot_overlap(rect_to_vot_polygon([3.5, 2.25, 7, 9]), [3.5, 2.25, 7, 9]) == 1.0


# ----------------------------------------------------------------------------------------------------------
# random cases against the oracle
# ----------------------------------------------------------------------------------------------------------

def _coord(rng, scale):
    kind = rng.integers(4)
    if kind == 0:
        return float(rng.integers(-scale // 2, scale))
    if kind == 1:  # .5 ties, positive and negative
        return float(rng.integers(-scale // 2, scale)) + 0.5 * float(rng.choice([-1, 1]))
    if kind == 2:
        return float(rng.uniform(-scale / 2, scale))
    # just below / at / above a float32 tie
    return float(np.float32(rng.integers(-scale, scale) + rng.choice([0.49999997, 0.5, 0.50000006, -0.5])))


def random_region(rng, scale=40):
    k = rng.integers(12)
    if k == 0:
        return [int(rng.integers(3))]  # special codes 0/1/2
    if k <= 3:  # rectangle: integer, fractional, tiny, zero or negative size
        x, y = _coord(rng, scale), _coord(rng, scale)
        sz = rng.integers(3)
        if sz == 0:
            w, h = float(rng.integers(0, 3)), float(rng.integers(0, 3))
        elif sz == 1:
            w, h = float(rng.uniform(-10, 30)), float(rng.uniform(-10, 30))
        else:
            w = float(rng.integers(0, 30)) + float(rng.choice([0, 0.5]))
            h = float(rng.integers(0, 30)) + float(rng.choice([0, 0.5]))
        return [x, y, w, h]
    if k <= 6:  # rotated rectangle
        cx, cy = _coord(rng, scale), _coord(rng, scale)
        w, h = rng.uniform(0, 30), rng.uniform(0, 30)
        a = float(rng.choice([0.0, np.pi / 4, np.pi / 2, rng.uniform(0, np.pi)]))
        c, s = np.cos(a), np.sin(a)
        pts = []
        for dx, dy in ((-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)):
            pts += [cx + c * dx - s * dy, cy + s * dx + c * dy]
        if rng.random() < 0.3:
            pts = [np.round(p * 2) / 2 for p in pts]
        return [float(p) for p in pts]
    if k <= 8:  # random quadrilateral, possibly self-intersecting
        if rng.random() < 0.5:
            return [float(rng.integers(-5, scale)) for _ in range(8)]
        return [_coord(rng, scale) for _ in range(8)]
    if k == 9:  # other vertex counts, odd lengths (trailing number ignored)
        n = int(rng.choice([2, 3, 5, 6, 7, 10, 12]))
        return [_coord(rng, scale) for _ in range(n)]
    if k == 10:  # degenerate: vertical or horizontal line
        x, y = _coord(rng, scale), _coord(rng, scale)
        if rng.random() < 0.5:
            return [x, y, x, y + 10, x, y + 20, x, y + 5]
        return [x, y, x + 10, y, x + 20, y, x + 3, y]
    return [float(rng.integers(-3, 3)) for _ in range(8)]  # tiny, often degenerate


def random_pair(rng, scale=40):
    """Two regions, overlapping more often than chance: a jittered copy, a region nearby, or the same."""
    a = random_region(rng, scale)
    if rng.random() < 0.35 or len(a) == 1:
        return a, random_region(rng, scale)
    k = rng.integers(3)
    if k == 0:
        jit = lambda: float(rng.choice([0, 0.5, -0.5, rng.uniform(-4, 4), rng.integers(-3, 4)]))  # noqa: E731
        return a, [v + jit() for v in a]
    if k == 1:
        x, y = (a[0], a[1]) if len(a) == 4 else (min(a[0::2]), min(a[1::2]))
        b = random_region(rng, 10)
        if len(b) == 4:
            b = [b[0] + x, b[1] + y, b[2], b[3]]
        elif len(b) > 1:
            b = [v + (x if i % 2 == 0 else y) for i, v in enumerate(b)]
        return a, b
    return a, list(a)


def random_bounds(rng):
    k = rng.integers(5)
    if k == 0:
        return None
    if k == 1:
        return (int(rng.integers(1, 60)), int(rng.integers(1, 60)))
    if k == 2:
        t, left = float(rng.integers(-10, 20)), float(rng.integers(-10, 20))
        return (t, t + float(rng.integers(0, 50)), left, left + float(rng.integers(0, 50)))
    if k == 3:  # fractional (top, bottom, left, right)
        t, left = float(rng.uniform(-10, 20)), float(rng.uniform(-10, 20))
        return (t, t + float(rng.uniform(0, 40)), left, left + float(rng.uniform(0, 40)))
    return (int(rng.integers(0, 3)), int(rng.integers(0, 3)))  # tiny


def _check_blocks(seed, blocks, per_block=40, scale=40):
    rng = np.random.default_rng(seed)
    n = 0
    for _ in range(blocks):
        bounds = random_bounds(rng)
        pairs = [random_pair(rng, scale) for _ in range(per_block)]
        got = vot_overlap_traj([p[0] for p in pairs], [p[1] for p in pairs], bounds)
        for (a, b), g in zip(pairs, got):
            assert same(g, oracle_overlap(a, b, bounds)), (a, b, bounds, g)
            n += 1
    return n


def test_traj_matches_oracle_random():
    assert _check_blocks(seed=2024, blocks=75) == 3000


def test_traj_matches_oracle_larger_regions():
    assert _check_blocks(seed=7, blocks=5, scale=200) == 200


def test_traj_matches_oracle_across_batches(monkeypatch):
    monkeypatch.setattr(region, "_CHUNK_ROWS", 37)  # many batch boundaries, frames split between none
    assert _check_blocks(seed=3, blocks=15) == 600


def test_generic_pairing_matches_the_4_node_rule(monkeypatch):
    orig = region._row_spans
    monkeypatch.setattr(region, "_row_spans", lambda *a, generic=False: orig(*a, generic=True))
    assert _check_blocks(seed=11, blocks=15) == 600


def test_careful_path_matches_oracle(monkeypatch):
    monkeypatch.setattr(region, "_EXACT_LIMIT", 0.0)  # float64 scan with float32 (py - y_i) everywhere
    assert _check_blocks(seed=5, blocks=15) == 600


def test_huge_coordinates_match_oracle():
    """Vertices far outside a small image (beyond float32's integer range) take the careful path."""
    rng = np.random.default_rng(1)
    for _ in range(150):
        big = float(rng.choice([1e8, 3e7, 2 ** 24 + 1, 9e6, -1e8]))
        small = lambda: float(rng.uniform(-5, 40))  # noqa: E731
        poly = [small(), small(), big, small(), small(), big if rng.random() < 0.5 else small(), small(), small()]
        rect = [float(rng.uniform(-5, 30)), float(rng.uniform(-5, 30)), float(rng.uniform(0, 30)),
                float(rng.uniform(0, 30))]
        bounds = (int(rng.integers(5, 50)), int(rng.integers(5, 50)))
        assert same(vot_overlap(poly, rect, bounds), oracle_overlap(poly, rect, bounds)), (poly, rect, bounds)
        assert same(vot_overlap(rect, poly, bounds), oracle_overlap(rect, poly, bounds))


def test_benchmark_like_frames_match_oracle():
    """Rotated GT polygons vs predicted rectangles of 20-200 px on a 640x480 image, with both bound styles."""
    rng = np.random.default_rng(9)
    gts, preds = [], []
    for _ in range(60):
        cx, cy = rng.uniform(-20, 660), rng.uniform(-20, 500)
        w, h = rng.uniform(20, 200), rng.uniform(20, 200)
        a = rng.uniform(0, np.pi)
        c, s = np.cos(a), np.sin(a)
        g = []
        for dx, dy in ((-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)):
            g += [float(cx + c * dx - s * dy), float(cy + s * dx + c * dy)]
        gts.append(g)
        preds.append([float(cx - w / 2 + rng.normal(0, 10)), float(cy - h / 2 + rng.normal(0, 10)),
                      float(w * rng.uniform(0.7, 1.3)), float(h * rng.uniform(0.7, 1.3))])
    for bounds in ((640, 480), (639, 479)):
        got = vot_overlap_traj(preds, gts, bounds)
        assert 0.2 < np.nanmean(got) < 0.9
        for p, g, v in zip(preds, gts, got):
            assert same(v, oracle_overlap(p, g, bounds))


def test_scalar_matches_oracle():
    rng = np.random.default_rng(77)
    for _ in range(300):
        a, b = random_pair(rng)
        bounds = random_bounds(rng)
        v = vot_overlap(a, b, bounds)
        assert type(v) is float
        assert same(v, oracle_overlap(a, b, bounds)), (a, b, bounds)


def test_traj_accepts_arrays_and_mixed_entries():
    rng = np.random.default_rng(4)
    polys = rng.uniform(0, 30, (50, 8))
    rects = rng.uniform(0, 20, (50, 4))
    got = vot_overlap_traj(polys, rects, (40, 40))
    assert got == [oracle_overlap(list(p), list(r), (40, 40)) for p, r in zip(polys, rects)]
    # tuples, numpy rows and lists mixed, special codes of every value
    mixed1 = [(1,), np.array([0.0, 0.0, 10.0, 10.0]), [2], (0, 0, 5, 5), [3.0], [0, 5, 5, 0, 10, 5, 5, 10]]
    mixed2 = [[0, 0, 1, 1], [5, 5, 10, 10], [0, 0, 1, 1], [0], np.array([1.0, 1, 2, 2]), (0, 0, 10, 10)]
    got = vot_overlap_traj(mixed1, mixed2)
    exp = [oracle_overlap(list(a), list(b)) for a, b in zip(mixed1, mixed2)]
    assert all(same(g, e) for g, e in zip(got, exp))
    assert [math.isnan(g) for g in got] == [True, False, True, True, True, False]
    assert vot_overlap_traj([], []) == []


def test_bad_input():
    with pytest.raises(ValueError, match="length"):
        vot_overlap_traj([[0, 0, 1, 1]], [])
    with pytest.raises(ValueError, match="empty"):
        vot_overlap([], [0, 0, 1, 1])
    with pytest.raises(ValueError, match="bounds"):
        vot_overlap([0, 0, 1, 1], [0, 0, 1, 1], (1, 2, 3))
    with pytest.raises(ValueError):
        vot_overlap(["a", 0, 1, 1], [0, 0, 1, 1])


def test_non_finite_coordinates_give_nan():
    # undefined behaviour in C; documented as NaN here
    assert math.isnan(vot_overlap([NAN, 0, 10, 10], [0, 0, 10, 10]))
    assert math.isnan(vot_overlap([0, 0, 10, 10], [0, 0, float("inf"), 10, 5, 5, 0, 10]))


# ----------------------------------------------------------------------------------------------------------
# properties
# ----------------------------------------------------------------------------------------------------------

# dyadic coordinates (multiples of 1/4) keep every float32 step exact, so integer translations are exact too
_pos = st.integers(-200, 400).map(lambda k: k / 4)
_size = st.integers(0, 160).map(lambda k: k / 4)
_rect = st.tuples(_pos, _pos, _size, _size).map(list)
_quad = st.lists(_pos, min_size=8, max_size=8)
_special = st.sampled_from([[0], [1], [2]])
_region = st.one_of(_rect, _rect, _quad, _special)
_bounds = st.one_of(st.none(), st.tuples(st.integers(0, 120), st.integers(0, 120)),
                    st.tuples(st.integers(-20, 20), st.integers(0, 120), st.integers(-20, 20), st.integers(0, 120)))


@settings(max_examples=150, deadline=None)
@given(_region, _region, _bounds)
def test_range_and_symmetry(a, b, bounds):
    v = vot_overlap(a, b, bounds)
    assert math.isnan(v) or 0.0 <= v <= 1.0
    assert same(v, vot_overlap(b, a, bounds))
    if len(a) == 1 or len(b) == 1:
        assert math.isnan(v)


@settings(max_examples=100, deadline=None)
@given(_rect, _rect)
def test_nan_only_when_both_rectangles_paint_nothing(a, b):
    """Rectangles with w, h >= 1 always paint pixels (rounding is monotone), so the union is never empty."""
    v = vot_overlap(a, b)
    if (a[2] >= 1 and a[3] >= 1) or (b[2] >= 1 and b[3] >= 1):
        assert not math.isnan(v)


@settings(max_examples=100, deadline=None)
@given(_rect, _bounds)
def test_identity(a, bounds):
    if a[2] >= 1 and a[3] >= 1:
        assert vot_overlap(a, a) == 1.0
        v = vot_overlap(a, list(a), bounds)
        # 1.0, unless the bounds cut it away: then whatever region.c gives, 0.0 or NaN (0/0) by the geometry
        assert v == 1.0 or ((v == 0.0 or math.isnan(v)) and same(v, oracle_overlap(a, list(a), bounds)))


def test_identity_outside_the_bounds_follows_region_c():
    """Found by hypothesis: a rectangle outside 0x0 bounds overlaps itself as NaN or 0.0 depending on where its
    bounding box rounds to, exactly as the literal C transcription does."""
    assert math.isnan(vot_overlap([0.0, 0.5, 1.0, 1.0], [0.0, 0.5, 1.0, 1.0], (0, 0)))
    assert vot_overlap([0.0, 1.0, 1.0, 1.0], [0.0, 1.0, 1.0, 1.0], (0, 0)) == 0.0
    for a in ([0.0, 0.5, 1.0, 1.0], [0.0, 1.0, 1.0, 1.0]):
        assert same(vot_overlap(a, list(a), (0, 0)), oracle_overlap(a, list(a), (0, 0)))


@settings(max_examples=100, deadline=None)
@given(_region, _region, st.integers(-300, 300), st.integers(-300, 300))
def test_joint_integer_translation(a, b, dx, dy):
    """With bounds=None the raster origin moves with the regions and rounding sees the same relative values."""
    def move(r):
        if len(r) == 1:
            return r
        if len(r) == 4:
            return [r[0] + dx, r[1] + dy, r[2], r[3]]
        return [v + (dx if i % 2 == 0 else dy) for i, v in enumerate(r)]
    assert same(vot_overlap(a, b), vot_overlap(move(a), move(b)))


# ----------------------------------------------------------------------------------------------------------
# vot_float2str
# ----------------------------------------------------------------------------------------------------------

def test_float2str_rounds_to_float32_first():
    # float32(1.00005) = 1.00004994869232177734375 -> "1.0000"; the double 1.00005 prints "1.0001"
    assert vot_float2str("%.4f", 1.00005) == "1.0000"
    assert "%.4f" % 1.00005 == "1.0001"
    assert vot_float2str("%.10f", 0.1) == "0.1000000015"  # float32(0.1) = 0.100000001490116...
    assert vot_float2str("%.4f", 12.5) == "12.5000"
    assert vot_float2str("%.4f", -3.14159) == "-3.1416"
    assert vot_float2str("%d", 3) == "3"
    assert vot_float2str("%.3f", float("nan")) == "nan"
