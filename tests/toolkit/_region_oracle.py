"""Test oracle: a deliberately slow, literal scalar transcription of docs/toolkit.md §1.2-1.3.

It follows the C code of pysot's region.c statement by statement: float32 storage of vertices and bounds,
pixel masks painted with ``np.zeros((H, W))``, the same loops, casts and evaluation order.  Used ONLY to check
``toolkit.utils.region`` (which counts spans instead of painting); never import it from the toolkit.
"""
import math

import numpy as np

f32 = np.float32
FLT_MAX = f32(np.finfo(np.float32).max)


def c_max(a, b):  # #define MAX(a,b) (((a) > (b)) ? (a) : (b))
    return a if a > b else b


def c_min(a, b):  # #define MIN(a,b) (((a) < (b)) ? (a) : (b))
    return a if a < b else b


def c_round(v):  # C round(): half away from zero, on the float promoted to double
    v = float(v)
    return math.copysign(math.floor(abs(v) + 0.5), v)


def c_int(v):  # (int) cast: truncation toward zero
    return int(float(v))


def make_polygon(region):
    """region.pyx: length 4 -> rectangle (sums in Python double), otherwise len//2 vertices; float32 storage."""
    r = [float(v) for v in region]
    if len(r) == 4:
        pts = [r[0], r[1], r[0] + r[2], r[1], r[0] + r[2], r[1] + r[3], r[0], r[1] + r[3]]
    else:
        pts = r
    count = len(pts) // 2
    xs = [f32(pts[2 * i]) for i in range(count)]
    ys = [f32(pts[2 * i + 1]) for i in range(count)]
    return xs, ys


def compute_bounds(xs, ys):
    top, bottom, left, right = FLT_MAX, -FLT_MAX, FLT_MAX, -FLT_MAX
    for x, y in zip(xs, ys):
        top = c_min(top, y)
        bottom = c_max(bottom, y)
        left = c_min(left, x)
        right = c_max(right, x)
    return [top, bottom, left, right]


def bounds_round(b):
    top, bottom, left, right = b
    return [f32(math.floor(top)), f32(math.ceil(bottom)), f32(math.floor(left)), f32(math.ceil(right))]


def bounds_intersection(a, b):
    return [c_max(a[0], b[0]), c_min(a[1], b[1]), c_max(a[2], b[2]), c_min(a[3], b[3])]


def bounds_overlap(a, b):
    r = bounds_intersection(a, b)
    with np.errstate(all="ignore"):
        intersection = f32((r[3] - r[2]) * (r[1] - r[0]))
        value = f32(intersection / (((a[3] - a[2]) * (a[1] - a[0])) + ((b[3] - b[2]) * (b[1] - b[0])) - intersection))
    return c_max(f32(0), value)


def rasterize_polygon(xs, ys, width, height):
    mask = np.zeros((height, width), dtype=bool)
    px = [f32(c_round(x)) for x in xs]  # round_polygon
    pyv = [f32(c_round(y)) for y in ys]
    count = len(px)
    for pixel_y in range(height):
        node_x = []
        j = count - 1
        for i in range(count):
            yi, yj = c_int(pyv[i]), c_int(pyv[j])
            if ((yi <= pixel_y and yj > pixel_y) or (yj <= pixel_y and yi > pixel_y)
                    or (yi < pixel_y and yj >= pixel_y) or (yj < pixel_y and yi >= pixel_y)
                    or (yi == yj and yi == pixel_y)):
                r = float(f32(pyv[j] - pyv[i]))
                k = float(f32(px[j] - px[i]))
                if r != 0:
                    d = float(f32(f32(pixel_y) - pyv[i]))  # int - float in float32
                    node_x.append(c_int(float(px[i]) + d / r * k))
            j = i
        nodes = len(node_x)
        i = 0  # bubble sort, as in C
        while i < nodes - 1:
            if node_x[i] > node_x[i + 1]:
                node_x[i], node_x[i + 1] = node_x[i + 1], node_x[i]
                if i:
                    i -= 1
            else:
                i += 1
        i = 0
        while i < nodes - 1:
            if node_x[i] == node_x[i + 1]:
                i += 1
                continue
            if node_x[i] >= width:
                break
            if node_x[i + 1] >= 0:
                if node_x[i] < 0:
                    node_x[i] = 0
                if node_x[i + 1] >= width:
                    node_x[i + 1] = width - 1
                for col in range(node_x[i], node_x[i + 1] + 1):
                    mask[pixel_y, col] = True
            i += 2
    return mask


def compute_polygon_overlap(p1, p2, bounds):
    b1 = bounds_intersection(bounds_round(compute_bounds(*p1)), bounds)
    b2 = bounds_intersection(bounds_round(compute_bounds(*p2)), bounds)
    x = c_min(b1[2], b2[2])
    y = c_min(b1[0], b2[0])
    width = c_int(f32(c_max(b1[3], b2[3]) - x)) + 1
    height = c_int(f32(c_max(b1[1], b2[1]) - y)) + 1
    with np.errstate(all="ignore"):
        a1 = np.float64(f32((b1[3] - b1[2]) * (b1[1] - b1[0])))
        a2 = np.float64(f32((b2[3] - b2[2]) * (b2[1] - b2[0])))
        if a1 / a2 < 1e-10 or a2 / a1 < 1e-10 or width < 1 or height < 1:
            return 0.0
    if bounds_overlap(b1, b2) == 0:
        return 0.0
    op1 = ([f32(v + f32(-x)) for v in p1[0]], [f32(v + f32(-y)) for v in p1[1]])  # offset_polygon
    op2 = ([f32(v + f32(-x)) for v in p2[0]], [f32(v + f32(-y)) for v in p2[1]])
    mask1 = rasterize_polygon(op1[0], op1[1], width, height)
    mask2 = rasterize_polygon(op2[0], op2[1], width, height)
    mask_intersect = int(np.count_nonzero(mask1 & mask2))
    mask_1 = int(np.count_nonzero(mask1 & ~mask2))
    mask_2 = int(np.count_nonzero(mask2 & ~mask1))
    with np.errstate(all="ignore"):
        return float(f32(mask_intersect) / f32(mask_1 + mask_2 + mask_intersect))


def oracle_overlap(polygon1, polygon2, bounds=None):
    """region.pyx's vot_overlap on top of the literal C transcription."""
    if len(polygon1) == 1 or len(polygon2) == 1:
        return float("nan")
    if bounds is not None and len(bounds) == 4:
        b = [f32(bounds[0]), f32(bounds[1]), f32(bounds[2]), f32(bounds[3])]
    elif bounds is not None and len(bounds) == 2:
        b = [f32(0), f32(bounds[1]), f32(0), f32(bounds[0])]
    else:
        b = [f32(-np.inf), f32(np.inf), f32(-np.inf), f32(np.inf)]
    return compute_polygon_overlap(make_polygon(polygon1), make_polygon(polygon2), b)
