"""Piecewise-affine mesh warp on a crop (pure, on arrays)."""

from __future__ import annotations

import cv2
import numpy as np
from scipy.spatial import Delaunay


def ring_points(box: tuple[int, int, int, int], per_side: int = 4) -> np.ndarray:
    """Points along the border of a box (x0, y0, x1, y1): anchors that keep the warp
    the identity at the crop's edge."""
    x0, y0, x1, y1 = box
    xs = np.linspace(x0, x1 - 1, per_side + 1)
    ys = np.linspace(y0, y1 - 1, per_side + 1)
    pts = [(x, y0) for x in xs] + [(x, y1 - 1) for x in xs] + \
          [(x0, y) for y in ys[1:-1]] + [(x1 - 1, y) for y in ys[1:-1]]
    return np.array(pts, np.float32)


def triangle_affines(src: np.ndarray, dst: np.ndarray, simplices: np.ndarray) -> np.ndarray:
    """(T, 2, 3) affine per triangle mapping dst coordinates to src coordinates."""
    d = dst[simplices].astype(np.float64)  # T, 3, 2
    s = src[simplices].astype(np.float64)
    # Closed form (Cramer's rule on the edge vectors): a batched pseudo-inverse (an SVD per
    # triangle) cost the warp renderer a sixth of its time for the same answer.
    e1, e2 = d[:, 1] - d[:, 0], d[:, 2] - d[:, 0]
    det = e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0]
    flat = np.abs(det) < 1e-9 * np.maximum(1.0, (e1 ** 2).sum(1) * (e2 ** 2).sum(1)) ** 0.5
    det = np.where(flat, 1.0, det)
    inv = np.stack([np.stack([e2[:, 1], -e2[:, 0]], 1), np.stack([-e1[:, 1], e1[:, 0]], 1)], 1) / det[:, None, None]
    lin = np.stack([s[:, 1] - s[:, 0], s[:, 2] - s[:, 0]], 2) @ inv  # T, 2, 2: src edges x inverse of dst edges
    out = np.concatenate([lin, (s[:, 0] - np.einsum("tij,tj->ti", lin, d[:, 0]))[:, :, None]], axis=2)
    if flat.any():
        # Degenerate (flat) triangles get the identity-ish least squares answer.
        a = np.concatenate([d[flat], np.ones((int(flat.sum()), 3, 1))], axis=2)
        out[flat] = np.transpose(np.linalg.pinv(a) @ s[flat], (0, 2, 1))
    return out


def mesh_maps(src: np.ndarray, dst: np.ndarray, box: tuple[int, int, int, int],
              post: np.ndarray | None = None, simplices: np.ndarray | None = None,
              step: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """cv2.remap maps for the crop `box` of the destination: pixel (x, y) of the crop is
    taken from src-space point A_t(x, y) of the triangle t (of `dst`) it lies in, then
    through the affine `post` (2x3) if given. Pixels outside every triangle map by the
    identity (then `post`). The maps are smooth, so they are computed every `step` pixels
    and interpolated."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    if simplices is None:
        simplices = Delaunay(dst).simplices
    aff = triangle_affines(src, dst, simplices)
    # Identity for pixels outside the mesh, at index len(simplices).
    ident = np.array([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
    aff = np.concatenate([aff, ident])
    if post is not None:
        p = np.vstack([post, [0.0, 0.0, 1.0]])
        aff = np.einsum("ij,tjk->tik", p[:2], np.concatenate(
            [aff, np.tile([[[0.0, 0.0, 1.0]]], (len(aff), 1, 1))], axis=1))
    gw, gh = (w + step - 1) // step + 1, (h + step - 1) // step + 1
    ids = np.full((gh, gw), len(simplices), np.int32)
    local = np.round((dst - (x0, y0)) * (16.0 / step)).astype(np.int32)
    triangles = local[simplices]  # T, 3, 2: indexed once, not per triangle in the loop
    # (positional arguments and the function looked up once: OpenCV's keyword parsing cost
    # more than the fill of a small triangle; 231 -> 166 us for 180 triangles)
    fill, line_8 = cv2.fillConvexPoly, cv2.LINE_8
    for t, triangle in enumerate(triangles):
        fill(ids, triangle, t, line_8, 4)  # (img, points, colour, line type, shift)
    # Grid coordinates broadcast (a row and a column), each coefficient gathered on its own:
    # the same float32 sums as a (gh, gw, 2, 3) gather at a fraction of the memory traffic.
    xs = (np.arange(gw, dtype=np.float32) * step + x0)[None, :]
    ys = (np.arange(gh, dtype=np.float32) * step + y0)[:, None]
    c = np.ascontiguousarray(aff.reshape(len(aff), 6).T, dtype=np.float32)  # 6, T + 1
    map_x = c[0].take(ids) * xs + c[1].take(ids) * ys + c[2].take(ids)
    map_y = c[3].take(ids) * xs + c[4].take(ids) * ys + c[5].take(ids)
    if step > 1:
        # Grid point j sits at pixel j * step: pixel i reads the grid at i / step exactly.
        m = np.array([[1.0 / step, 0.0, 0.0], [0.0, 1.0 / step, 0.0]])
        flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
        map_x = cv2.warpAffine(map_x, m, (w, h), flags=flags, borderMode=cv2.BORDER_REPLICATE)
        map_y = cv2.warpAffine(map_y, m, (w, h), flags=flags, borderMode=cv2.BORDER_REPLICATE)
    else:
        map_x, map_y = map_x[:h, :w], map_y[:h, :w]
    return map_x, map_y


def warp_crop(source: np.ndarray, map_x: np.ndarray, map_y: np.ndarray) -> np.ndarray:
    return cv2.remap(source, map_x, map_y, interpolation=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
