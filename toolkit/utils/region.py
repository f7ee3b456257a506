"""VOT region overlap, bit-for-bit like pysot's compiled ``region.pyx`` + ``region.c`` (docs/toolkit.md §1: the
rasterised IoU, and the departures from pysot on inputs where the C code is undefined).

Every intermediate keeps the dtype the C code uses (vertices and bounds in float32, edge crossings in double,
truncation toward zero) - keeping float64 throughout gives ~2% different values.

Nothing is painted here: per raster row a region is a list of spans, and only span lengths and span
intersections are counted.  ``vot_overlap_traj`` works on a whole trajectory at once:

* rectangle vs rectangle frames use a closed form (a rounded rectangle rasterises to exactly
  ``[X0, X1] x [Y0, Y1]``, both ends inclusive, when ``X0 < X1`` and ``Y0 < Y1``, else to nothing);
* a polygon is scanned row by row, all (frame, row) pairs of the call together (in cache-sized batches):
  edge crossings for every edge, a sorting network, and the C pairing rule as branch-free selects; rows are
  counted against the other region's spans (a rectangle's, or the other polygon's).
Edge crossings are kept as floats where C casts them to ``int`` (undefined beyond +-2**31).
"""
from __future__ import annotations

import functools
import itertools
from typing import List, Sequence, Tuple

import numpy as np

__all__ = ["vot_overlap", "vot_overlap_traj", "vot_float2str", "rect_to_vot_polygon"]

_F32, _F64, _INF = np.float32, np.float64, np.inf
# Above this magnitude (translated, rounded) vertex coordinates stop being exact in the float64 shortcuts
# (float32 differences of integers are exact below 2**24); such polygons take the careful path.
_EXACT_LIMIT = float(2 ** 23)
# Rows scanned per vectorised batch: large enough to amortise numpy call overhead, small enough for the cache.
_CHUNK_ROWS = 1 << 15


def vot_float2str(template: str, value: float) -> str:
    """``sprintf(template, (float) value)``: the value is rounded to float32 first (pyx signature)."""
    return template % float(_F32(value))


def rect_to_vot_polygon(rect: Sequence[float]) -> List[float]:
    """``[x, y, w, h]`` -> the 8 numbers region.pyx builds: (x,y), (x+w,y), (x+w,y+h), (x,y+h) - no -1."""
    x, y, w, h = (float(v) for v in rect)
    return [x, y, x + w, y, x + w, y + h, x, y + h]


def vot_overlap(polygon1: Sequence[float], polygon2: Sequence[float], bounds=None) -> float:
    """Rasterised IoU of two regions (len 1: special code -> NaN; len 4: x,y,w,h; else polygon x1,y1,...).

    ``bounds``: None (no clipping), ``(W, H)`` (columns 0..W and rows 0..H, both inclusive) or
    ``(top, bottom, left, right)``.  Returns a Python float holding a float32 value.
    """
    return vot_overlap_traj([polygon1], [polygon2], bounds)[0]


def vot_overlap_traj(polygons1: Sequence[Sequence[float]], polygons2: Sequence[Sequence[float]],
                     bounds=None) -> List[float]:
    """``[vot_overlap(a, b, bounds) for a, b in zip(polygons1, polygons2)]``, computed in one vectorised pass."""
    if len(polygons1) != len(polygons2):
        raise ValueError(f"vot_overlap_traj: trajectories differ in length ({len(polygons1)} vs {len(polygons2)})")
    if len(polygons1) == 0:
        return []
    return _overlaps(_Side(polygons1, "polygons1"), _Side(polygons2, "polygons2"), _parse_bounds(bounds)).tolist()


def _parse_bounds(bounds) -> Tuple[np.float32, np.float32, np.float32, np.float32]:
    """(top, bottom, left, right) as float32, like RegionBounds."""
    if bounds is None:
        return _F32(-_INF), _F32(_INF), _F32(-_INF), _F32(_INF)
    b = [float(v) for v in bounds]
    if len(b) == 4:
        return _F32(b[0]), _F32(b[1]), _F32(b[2]), _F32(b[3])
    if len(b) == 2:
        return _F32(0), _F32(b[1]), _F32(0), _F32(b[0])
    raise ValueError(f"bounds must be (width, height) or (top, bottom, left, right), got {len(b)} numbers")


def _rmin(a: np.ndarray) -> np.ndarray:
    """Row minimum of a (rows, few columns) array; column-wise ufuncs are much faster than min(axis=1)."""
    return functools.reduce(np.minimum, a.T)


def _rmax(a: np.ndarray) -> np.ndarray:
    return functools.reduce(np.maximum, a.T)


def _cround(v32: np.ndarray) -> np.ndarray:
    """C ``round()`` (half away from zero) of float32 values, done in float64 (exact), result float64."""
    v = v32.astype(_F64)
    return np.copysign(np.floor(np.abs(v) + 0.5), v)


class _Side:
    """One trajectory's regions: kinds, float32 vertices and raw (unrounded) bounding boxes.

    kind: 0 special (length 1), 1 rectangle (length 4), 2 polygon (any other length, len//2 vertices).
    Rectangles keep ``rx``/``ry`` (F, 2): float32(x), float32(x + w) (the sum in double, as in the pyx).
    Polygons are grouped by vertex count: ``polys[n] = (frame indices, xs (k, n), ys (k, n))`` float32.
    """

    def __init__(self, regions, name: str):
        if isinstance(regions, np.ndarray) and regions.ndim == 2:
            n, width = regions.shape
            lens = np.full(n, width, dtype=np.int64)
            flat = np.ascontiguousarray(regions, dtype=_F64).ravel()
        else:
            try:
                lens = np.fromiter(map(len, regions), dtype=np.int64, count=len(regions))
                flat = np.fromiter(itertools.chain.from_iterable(regions), dtype=_F64, count=int(lens.sum()))
            except (TypeError, ValueError) as err:
                raise type(err)(f"{name}: every region must be a sequence of numbers ({err})") from None
        n = lens.shape[0]
        if n and lens.min() == 0:
            raise ValueError(f"{name}: region {int(np.argmin(lens))} is empty")
        starts = np.cumsum(lens) - lens
        self.n = n
        self.kind = np.full(n, 2, dtype=np.int8)
        self.kind[lens == 1] = 0
        self.kind[lens == 4] = 1
        self.finite = np.ones(n, dtype=bool)
        self.left, self.right, self.top, self.bottom = np.full((4, n), np.nan, _F32)

        self.rect_idx = rect = np.flatnonzero(self.kind == 1)
        self.rx = self.ry = np.empty((0, 2), _F32)
        if rect.size:
            r = flat[starts[rect, None] + np.arange(4)]
            with np.errstate(over="ignore", invalid="ignore"):
                self.rx = np.stack([r[:, 0], r[:, 0] + r[:, 2]], axis=1).astype(_F32)
                self.ry = np.stack([r[:, 1], r[:, 1] + r[:, 3]], axis=1).astype(_F32)
            self._set_box(rect, self.rx, self.ry)

        self.polys = {}
        poly = np.flatnonzero(self.kind == 2)
        nverts = lens[poly] // 2
        for nv in np.unique(nverts):
            idx = poly[nverts == nv]
            pts = flat[starts[idx, None] + np.arange(2 * int(nv))]
            with np.errstate(over="ignore", invalid="ignore"):
                xs, ys = pts[:, 0::2].astype(_F32), pts[:, 1::2].astype(_F32)
            self.polys[int(nv)] = (idx, xs, ys)
            self._set_box(idx, xs, ys)

    def _set_box(self, idx, xs, ys):
        self.left[idx], self.right[idx], self.top[idx], self.bottom[idx] = _rmin(xs), _rmax(xs), _rmin(ys), _rmax(ys)
        self.finite[idx] = functools.reduce(np.logical_and, np.isfinite(xs).T) & \
            functools.reduce(np.logical_and, np.isfinite(ys).T)


def _overlaps(s1: _Side, s2: _Side, bounds) -> np.ndarray:
    """Frame level: bounding boxes, raster size and early outs (compute_polygon_overlap, docs/toolkit.md §1.2)."""
    out = np.full(s1.n, np.nan, dtype=_F64)
    live = (s1.kind != 0) & (s2.kind != 0) & s1.finite & s2.finite
    if not live.any():
        return out
    btop, bbottom, bleft, bright = bounds
    with np.errstate(all="ignore"):
        # bounds_round then bounds_intersection, all float32
        l1, r1, t1, b1, l2, r2, t2, b2 = (
            v for s in (s1, s2) for v in (np.maximum(np.floor(s.left), bleft), np.minimum(np.ceil(s.right), bright),
                                          np.maximum(np.floor(s.top), btop), np.minimum(np.ceil(s.bottom), bbottom)))
        x0, y0 = np.minimum(l1, l2), np.minimum(t1, t2)
        width, height = _c_int(np.maximum(r1, r2) - x0) + 1, _c_int(np.maximum(b1, b2) - y0) + 1
        a1f, a2f = (r1 - l1) * (b1 - t1), (r2 - l2) * (b2 - t2)  # float32 products
        a1, a2 = a1f.astype(_F64), a2f.astype(_F64)
        early_a = (a1 / a2 < 1e-10) | (a2 / a1 < 1e-10) | (width < 1) | (height < 1)
        # bounds_overlap (float32): MAX(0, inter / (a1 + a2 - inter)) == 0  <=>  ratio <= 0 (NaN goes on)
        inter = (np.minimum(r1, r2) - np.maximum(l1, l2)) * (np.minimum(b1, b2) - np.maximum(t1, t2))
        early_b = inter / (a1f + a2f - inter) <= 0
    out[live & (early_a | early_b)] = 0.0
    todo = np.flatnonzero(live & ~early_a & ~early_b)
    if todo.size:
        out[todo] = _raster_iou(s1, s2, todo, x0, y0, width, height)
    return out


def _c_int(v32: np.ndarray) -> np.ndarray:
    """C ``(int)`` of a float: truncation toward zero (clipped instead of C's undefined overflow)."""
    v = np.nan_to_num(v32.astype(_F64), nan=-2.0 ** 31)
    return np.trunc(np.clip(v, -2.0 ** 31, 2.0 ** 31 - 1)).astype(np.int64)


class _Rounded:
    """One side of the frames being rasterised, translated by (-x0, -y0) in float32 then C-rounded."""

    def __init__(self, side: _Side, todo: np.ndarray, x0, y0):
        m = todo.size
        self.is_rect = side.kind[todo] == 1
        pos = _index_of(todo, side.n)
        # rectangles: X0 <= X1, Y0 <= Y1 of the rounded corners (rows of frames that are rectangles)
        self.rect = np.zeros((m, 4), _F64)
        if side.rect_idx.size:
            sel = pos[side.rect_idx]
            keep = sel >= 0
            sel = sel[keep]
            tx = _cround(side.rx[keep] - x0[todo[sel], None])
            ty = _cround(side.ry[keep] - y0[todo[sel], None])
            self.rect[sel] = np.stack([_rmin(tx), _rmax(tx), _rmin(ty), _rmax(ty)], axis=1)
        # polygons: per vertex count, (positions in todo, X, Y) rounded (float64 holding float32 integers)
        self.polys = {}
        for nv, (idx, xs, ys) in side.polys.items():
            sel = pos[idx]
            keep = sel >= 0
            if not keep.any():
                continue
            sel = sel[keep]
            X = _cround(xs[keep] - x0[todo[sel], None])
            Y = _cround(ys[keep] - y0[todo[sel], None])
            self.polys[nv] = (sel, X, Y)


def _rect_extent(rect: np.ndarray, W: np.ndarray, H: np.ndarray):
    """Clipped pixel extent of rounded rectangles: (c0, c1, q0, q1); empty rectangles get c1 < c0."""
    X0, X1, Y0, Y1 = rect.T
    empty = (X0 >= X1) | (Y0 >= Y1)  # a zero-width or zero-height rectangle paints nothing
    return (np.maximum(X0, 0.0), np.where(empty, -_INF, np.minimum(X1, W - 1.0)), np.maximum(Y0, 0.0),
            np.minimum(Y1, H - 1.0))


def _len(s, e):
    """Pixel count of inclusive [s, e] (0 when e < s)."""
    return np.maximum(e - s + 1.0, 0.0)


def _raster_iou(s1: _Side, s2: _Side, todo: np.ndarray, x0, y0, width, height) -> np.ndarray:
    """float32(I) / float32(U) of the masks of frames ``todo`` on their W x H rasters at (x0, y0)."""
    W, H = width[todo].astype(_F64), height[todo].astype(_F64)
    g1, g2 = _Rounded(s1, todo, x0, y0), _Rounded(s2, todo, x0, y0)
    m = todo.size
    area1, area2, inter = np.zeros((3, m), _F64)

    # rectangles: closed form
    c0a, c1a, q0a, q1a = _rect_extent(g1.rect, W, H)
    c0b, c1b, q0b, q1b = _rect_extent(g2.rect, W, H)
    area1 = np.where(g1.is_rect, _len(c0a, c1a) * _len(q0a, q1a), area1)
    area2 = np.where(g2.is_rect, _len(c0b, c1b) * _len(q0b, q1b), area2)
    rr = g1.is_rect & g2.is_rect
    if rr.any():
        ix = _len(np.maximum(c0a, c0b), np.minimum(c1a, c1b)) * _len(np.maximum(q0a, q0b), np.minimum(q1a, q1b))
        inter = np.where(rr, ix, inter)

    # polygon vs rectangle (either order): scan the polygon's rows
    for poly_side, rect_side, ext, swap in ((g1, g2, (c0b, c1b, q0b, q1b), False),
                                            (g2, g1, (c0a, c1a, q0a, q1a), True)):
        for nv, (sel, X, Y) in poly_side.polys.items():
            sel_mask = rect_side.is_rect[sel]
            if not sel_mask.any():
                continue
            f = sel[sel_mask]
            a, i = _poly_vs_rect(X[sel_mask], Y[sel_mask], W[f], H[f], ext[0][f], ext[1][f], ext[2][f], ext[3][f])
            (area2 if swap else area1)[f] = a
            inter[f] = i

    # polygon vs polygon: scan the union of both row ranges
    pp = ~g1.is_rect & ~g2.is_rect
    if pp.any():
        for n1, (sel1, X1, Y1) in g1.polys.items():
            pos1 = _index_of(sel1, m)
            for n2, (sel2, X2, Y2) in g2.polys.items():
                f = sel2[pos1[sel2] >= 0]
                if not f.size:
                    continue
                k1 = pos1[f]
                k2 = _index_of(sel2, m)[f]
                area1[f], area2[f], inter[f] = _poly_vs_poly(X1[k1], Y1[k1], X2[k2], Y2[k2], W[f], H[f])

    union = area1 + area2 - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        return (inter.astype(_F32) / union.astype(_F32)).astype(_F64)


def _index_of(sel: np.ndarray, m: int) -> np.ndarray:
    """Position in ``sel`` of each of the ``m`` frame positions (-1 where absent)."""
    pos = np.full(m, -1, dtype=np.int64)
    pos[sel] = np.arange(sel.size)
    return pos


# Row scanning (rasterize_polygon, docs/toolkit.md §1.3) and span counting. A row's spans are (start, stop) pairs,
# stop exclusive (= last painted column + 1); an unused slot has stop = _Mode.neg so that every length
# max(stop - start, 0) and every intersection is 0.
class _Mode:
    """Number type of the row scan: int32 while coordinates are small (exact and fast), else float64.

    ``big`` pads missing nodes (sorts after every real node), ``neg`` marks an unused span stop.  In float64
    they are +-1e300 rather than +-inf so that the branch-free selects below never compute inf - inf.
    """

    def __init__(self, careful: bool):
        self.careful = careful
        self.dtype, self.big, self.neg = ((_F64, 1e300, -1e300) if careful
                                          else (np.int32, np.int32(1 << 30), np.int32(-(1 << 30))))

    def pick(self, value, mask, other):
        """``where(mask, other, value)`` without np.where: value + mask * (other - value).

        Exact in int32 (wrap-around cancels, even for garbage in ``value``) and for the float64 sentinels.
        """
        return value + mask.view(np.int8).astype(self.dtype) * (other - value)


def _row_ranges(ymin, ymax, H):
    """First row and row count of the raster rows [max(ymin,0), min(ymax,H-1)] (count 0 when empty)."""
    lo = np.maximum(ymin, 0.0)
    return lo, np.maximum(np.minimum(ymax, H - 1.0) - lo + 1.0, 0.0).astype(np.int64)


def _chunks(cnt):
    """Slices of consecutive frames holding about _CHUNK_ROWS rows each (keeps temporaries in cache)."""
    total = int(cnt.sum())
    if total <= _CHUNK_ROWS:
        return [slice(0, cnt.size)]
    ends = np.searchsorted(np.cumsum(cnt), np.arange(_CHUNK_ROWS, total, _CHUNK_ROWS), side="right")
    cuts = [0] + [int(e) for e in np.unique(ends) if 0 < e < cnt.size] + [cnt.size]
    return [slice(a, b) for a, b in zip(cuts[:-1], cuts[1:])]


def _frame_sums(values, cnt):
    """Sum of each frame's consecutive rows (frames with no rows get 0), as float64."""
    out = np.zeros(cnt.size, _F64)
    nz = cnt > 0
    if nz.any():
        starts = (np.cumsum(cnt) - cnt)[nz]
        out[nz] = np.add.reduceat(values, starts, dtype=_F64)
    return out


def _poly_vs_rect(X, Y, W, H, c0, c1, q0, q1):
    """(polygon pixel count, intersection with the rectangle [c0,c1] x [q0,q1]) per frame."""
    lo, cnt = _row_ranges(_rmin(Y), _rmax(Y), H)
    area, inter = np.zeros((2, X.shape[0]))
    mode = _Mode(_needs_care(X, Y))
    for sl in _chunks(cnt):
        n = cnt[sl]
        if not n.any():
            continue
        spans = _row_spans(X[sl], Y[sl], lo[sl], n, W[sl], mode)
        # the rectangle's columns per row: [c0, c1] on its rows q0..q1, nothing elsewhere
        before = np.clip(q0[sl] - lo[sl], 0, n).astype(np.int64)
        inside = np.maximum(np.clip(q1[sl] - lo[sl] + 1.0, 0, n).astype(np.int64) - before, 0)
        seg = np.stack([before, inside, n - before - inside], axis=1).ravel()
        stop = np.stack([np.full(n.size, mode.neg), _to(np.minimum(c1[sl] + 1.0, W[sl]), mode),
                         np.full(n.size, mode.neg)], axis=1).astype(mode.dtype).ravel()
        rstop, rstart = np.repeat(stop, seg), np.repeat(_to(c0[sl], mode), n)
        area_row = inter_row = 0
        for st, sp in spans:
            area_row = area_row + np.maximum(sp - st, 0)
            inter_row = inter_row + np.maximum(np.minimum(sp, rstop) - np.maximum(st, rstart), 0)
        area[sl], inter[sl] = _frame_sums(area_row, n), _frame_sums(inter_row, n)
    return area, inter


def _poly_vs_poly(X1, Y1, X2, Y2, W, H):
    """(pixel count 1, pixel count 2, intersection) per frame, scanning the union of both row ranges."""
    lo, cnt = _row_ranges(np.minimum(_rmin(Y1), _rmin(Y2)), np.maximum(_rmax(Y1), _rmax(Y2)), H)
    out = np.zeros((3, X1.shape[0]))
    mode = _Mode(_needs_care(X1, Y1) or _needs_care(X2, Y2))
    for sl in _chunks(cnt):
        n = cnt[sl]
        if not n.any():
            continue
        sp1, sp2 = (_row_spans(X[sl], Y[sl], lo[sl], n, W[sl], mode) for X, Y in ((X1, Y1), (X2, Y2)))
        a1 = sum(np.maximum(p - s, 0) for s, p in sp1)
        a2 = sum(np.maximum(p - s, 0) for s, p in sp2)
        it = sum(np.maximum(np.minimum(p, q) - np.maximum(s, t), 0) for s, p in sp1 for t, q in sp2)
        for k, v in enumerate((a1, a2, it)):
            out[k, sl] = _frame_sums(v, n)
    return out


def _needs_care(X, Y) -> bool:
    """Whether some (translated, rounded) coordinate is too large for the int32 / float64 shortcuts."""
    return bool(X.size) and bool(np.abs(X).max() >= _EXACT_LIMIT or np.abs(Y).max() >= _EXACT_LIMIT)


def _to(values, mode: _Mode):
    """Integer-valued float64 -> the scan's number type, clipped inside its sentinel range."""
    return np.clip(values, -1e299, 1e299) if mode.careful else np.clip(values, -(1 << 29), 1 << 29).astype(np.int32)


def _edge_nodes(X, Y, lo, cnt, mode: _Mode):
    """Edge crossings per row, one array per edge (mode.big where the edge does not cross the row).

    Edge e goes from vertex j = e-1 (cyclic) to vertex i = e; its node is
    ``trunc(x_i + ((py - y_i) / r) * k)`` in double with r = y_j - y_i, k = x_j - x_i (float32 differences).
    The edge is active iff min(y_i, y_j) <= py <= max(y_i, y_j) and r != 0.
    """
    n = X.shape[1]
    Xf, Yf = X.astype(_F32), Y.astype(_F32)
    r = (np.roll(Yf, 1, axis=1) - Yf).astype(_F64)  # column i: y_(i-1) - y_i
    k = (np.roll(Xf, 1, axis=1) - Xf).astype(_F64)
    horizontal = r == 0
    starts = np.cumsum(cnt) - cnt
    row = np.arange(int(cnt.sum()), dtype=_F64)
    nodes = []
    if not mode.careful:
        # All coordinates below 2**23: py - y_i is exact and (py - y_i) / r lies in [0, 1] iff the edge is
        # active (a ratio of integers |d| < |r| cannot round up to 1); r = NaN switches horizontal edges off.
        # Per frame, py - y_i = (lo - start - y_i) + global row index.
        off = (lo - starts)[:, None] - Y
        rr = np.where(horizontal, np.nan, r)
        params = np.repeat(np.concatenate([off, rr, k, X], axis=1).T, cnt, axis=1)
        for i in range(n):
            with np.errstate(invalid="ignore", over="ignore"):  # inactive rows may overflow; replaced below
                t = (row + params[i]) / params[n + i]
                inactive = ~((t >= 0.0) & (t <= 1.0))  # exact, see above; NaN is inactive
                node = (t * params[2 * n + i] + params[3 * n + i]).astype(np.int32)  # C (int): truncation
            nodes.append(mode.pick(node, inactive, mode.big))
        return nodes
    # careful: float32 (py - y_i) as C computes it, explicit row tests; exact for any magnitude
    py = np.repeat(lo - starts, cnt) + row
    py32 = py.astype(_F32)
    ylo = np.where(horizontal, _INF, np.minimum(Y, np.roll(Y, 1, axis=1)))
    yhi = np.maximum(Y, np.roll(Y, 1, axis=1))
    rs = np.where(horizontal, 1.0, r)
    for i in range(n):
        d = (py32 - np.repeat(Yf[:, i], cnt)).astype(_F64)
        active = (py >= np.repeat(ylo[:, i], cnt)) & (py <= np.repeat(yhi[:, i], cnt))
        node = np.trunc(d / np.repeat(rs[:, i], cnt) * np.repeat(k[:, i], cnt) + np.repeat(X[:, i], cnt))
        nodes.append(np.where(active, node, mode.big))
    return nodes


def _row_spans(X, Y, lo, cnt, W, mode: _Mode, generic: bool = False):
    """Spans painted by ``rasterize_polygon`` on each row: list of (start, stop) arrays, disjoint.

    Pairing rule of the C loop on sorted nodes (i = 0): equal pair -> i += 1; otherwise span
    (node[i], node[i+1]) clamped to [0, W-1], painted only when node[i] < W and node[i+1] >= 0 (C's ``break``
    on node[i] >= W only skips spans that could not be painted anyway, nodes being sorted), i += 2.
    Consecutive spans may share an end pixel; later starts are moved past the previous stop so that lengths
    add up to the painted pixel count.
    """
    n = X.shape[1]
    if n < 4:  # pad with copies of the last vertex: zero-length edges add no nodes
        X, Y = (np.concatenate([A, np.repeat(A[:, -1:], 4 - n, axis=1)], axis=1) for A in (X, Y))
        n = 4
    nodes = _edge_nodes(X, Y, lo, cnt, mode)
    wr = np.repeat(_to(W, mode), cnt)
    if n == 4 and not generic:
        return _pair4(*_sort4(*nodes), wr, mode)
    return _pair_generic(np.sort(np.stack(nodes, axis=1), axis=1), wr, mode)


def _sort4(a, b, c, d):
    """Sorting network for 4 values (5 compare-exchanges)."""
    a, b = np.minimum(a, b), np.maximum(a, b)
    c, d = np.minimum(c, d), np.maximum(c, d)
    a, c = np.minimum(a, c), np.maximum(a, c)
    b, d = np.minimum(b, d), np.maximum(b, d)
    b, c = np.minimum(b, c), np.maximum(b, c)
    return a, b, c, d


def _pair4(a, b, c, d, wr, mode: _Mode):
    """The pairing rule on 4 sorted nodes (mode.big padded).

    a != b: spans (a, b) and, if c != d, (c, d).  a == b: one span from a to the first node != a
    (y1 = b + [b == a](c - b) + [c == a](d - c), sorted order makes this branch-free select exact).
    A span ending on a padding value (past the last node) or on its own start is not a span.
    """
    eq_ab = b == a
    y1 = b + eq_ab.view(np.int8).astype(mode.dtype) * (c - b) + (c == a).view(np.int8).astype(mode.dtype) * (d - c)
    stop1 = mode.pick(np.minimum(y1 + 1, wr), (d == a) | (y1 == mode.big), mode.neg)
    start1 = np.maximum(a, 0)
    stop2 = mode.pick(np.minimum(d + 1, wr), eq_ab | (d == c) | (d == mode.big), mode.neg)
    start2 = np.maximum(np.maximum(c, 0), stop1)
    return [(start1, stop1), (start2, stop2)]


def _pair_generic(v, wr, mode: _Mode):
    """The C pairing loop over any number of sorted nodes per row (mode.big padded), rows in parallel."""
    rows, n = v.shape
    pos, ar = np.zeros(rows, dtype=np.int64), np.arange(rows)
    spans = []
    prev_stop = np.full(rows, mode.neg, dtype=v.dtype)
    for _ in range(n - 1):
        alive = pos < n - 1
        p = np.minimum(pos, n - 2)
        x, y = v[ar, p], v[ar, p + 1]
        eq = x == y
        ok = alive & ~eq & (y != mode.big)
        start = np.maximum(np.maximum(x, 0), prev_stop)
        stop = np.where(ok, np.minimum(y + 1, wr), mode.neg)
        spans.append((start, stop))
        prev_stop = np.maximum(prev_stop, np.where(stop > start, stop, mode.neg))
        pos = pos + np.where(eq, 1, 2)
    return spans
