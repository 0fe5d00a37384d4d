"""Piecewise-affine mesh warp on a crop (pure, on arrays)."""

from __future__ import annotations

import logging

import cv2
import numpy as np

log = logging.getLogger(__name__)

#: A triangle whose destination area is under this (px^2) is collapsed (lips pressed together,
#: a point landing on another): it gets no pixels of the map, its neighbours cover them. Half a
#: pixel: the maps are sampled every 2 px, so such a sliver holds no grid point of its own,
#: and its affine (destination to source) is near singular, so the pixels a fill gave it along
#: its edges read from far away (up to 12 px off on the synthetic clip).
COLLAPSED_AREA = 0.5
#: How far out `delaunay` puts OpenCV's three outer (virtual) vertices, in sizes of the point
#: set: at 3x (OpenCV's own choice for a tight rectangle) the triangulation missed a few flat
#: triangles on the hull (big circumcircles); at 256x it equalled Qhull's (scipy.spatial.Delaunay)
#: on all 901 point sets without coinciding points of the synthetic clip.
_FAR = 256.0


def ring_points(box: tuple[int, int, int, int], per_side: int = 4) -> np.ndarray:
    """Points along the border of a box (x0, y0, x1, y1): anchors that keep the warp
    the identity at the crop's edge."""
    x0, y0, x1, y1 = box
    xs = np.linspace(x0, x1 - 1, per_side + 1)
    ys = np.linspace(y0, y1 - 1, per_side + 1)
    pts = [(x, y0) for x in xs] + [(x, y1 - 1) for x in xs] + \
          [(x0, y) for y in ys[1:-1]] + [(x1 - 1, y) for y in ys[1:-1]]
    return np.array(pts, np.float32)


def signed_areas(points: np.ndarray, simplices: np.ndarray) -> np.ndarray:
    """(T,) float64 signed area (px^2) of each triangle (T x 3 indices into `points`, N x 2):
    positive when its corners run counter-clockwise on screen (y down), i.e. clockwise in
    the usual y-up sense; what matters is that a triangle turned over changes sign."""
    p = points.astype(np.float64, copy=False)
    a, b, c = p[simplices[:, 0]], p[simplices[:, 1]], p[simplices[:, 2]]
    return 0.5 * ((b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0]))


def delaunay(points: np.ndarray) -> tuple[np.ndarray, bool]:
    """Delaunay triangles of `points` (N x 2, pixels): (int32 T x 3 indices, each triangle
    with a positive `signed_areas` there; whether every point is a corner). Of points that
    coincide (in float32) only the first is used, as Qhull leaves all but one out.

    OpenCV's incremental triangulation (cv2.Subdiv2D, bounding rectangle `_FAR` times the
    points' size): half the time of scipy.spatial.Delaunay here (107 against 200 us for 95
    points), and no import of scipy.spatial (0.14 s of CPU in each fresh process's first render)."""
    p = np.ascontiguousarray(points, np.float32)
    lo, hi = p.min(0), p.max(0)
    half = _FAR * (float(max(hi[0] - lo[0], hi[1] - lo[1])) + 1.0)
    cx, cy = (lo + hi) / 2
    subdiv = cv2.Subdiv2D((int(cx - half), int(cy - half), int(2 * half), int(2 * half)))
    insert = subdiv.insert
    ids = [insert((x, y)) for x, y in p.tolist()]  # a point on an earlier one gets its id
    corners = subdiv.getTriangleList().astype(np.float32).reshape(-1, 3, 2)  # only the real points'
    # each corner back to its index: the float32 pair's 8 bytes as one key
    keys = p.view(np.int64).ravel()
    order = np.argsort(keys, kind="stable")  # among equal keys the first point
    sorted_keys = keys[order]
    wanted = np.ascontiguousarray(corners).view(np.int64).reshape(-1, 3)
    pos = np.minimum(np.searchsorted(sorted_keys, wanted), len(keys) - 1)
    simplices = order[pos[(sorted_keys[pos] == wanted).all(1)]].astype(np.int32)
    turned = signed_areas(p, simplices) < 0
    simplices[turned] = simplices[turned][:, ::-1]
    return simplices, len(set(ids)) == len(ids)


def fold_free(simplices: np.ndarray, src: np.ndarray, dst: np.ndarray) -> bool:
    """Whether the triangles `simplices` (each positive in the space they were made in) turn
    over in neither `src` nor `dst` (a triangle may collapse: under `COLLAPSED_AREA`)."""
    return bool(signed_areas(src, simplices).min() > -COLLAPSED_AREA
                and signed_areas(dst, simplices).min() > -COLLAPSED_AREA)


def fold_free_simplices(src: np.ndarray, dst: np.ndarray, previous: np.ndarray | None = None) -> np.ndarray:
    """Triangles (int32, T x 3 indices) over the control points `src` (unmoved) and `dst`
    (moved), N x 2 pixels, that turn over in neither (`fold_free`): the piecewise-affine map
    is then one-to-one, and no destination point lies in two triangles (the order they are
    drawn in decides only the pixels on their shared edges: see `mesh_maps`). Delaunay on the
    destination alone (the old mesh) turned a triangle over in 48 of the synthetic clip's 500 frames and left out
    points where the moved lips met (766 in all).

    Tried in turn, the first fold-free one kept: `previous` (the last frame's: a face moves
    little from frame to frame, and keeping it saves a triangulation, 0.1 ms), Delaunay on
    `src` (the face as it is), Delaunay on `dst`. When none is (points crossing each other),
    Delaunay on `dst`, as before."""
    if previous is not None and len(previous) and int(previous.max()) < len(src) and fold_free(previous, src, dst):
        return previous
    candidates = (src, dst)
    for points in candidates:
        simplices, complete = delaunay(points)
        if complete and fold_free(simplices, src, dst):
            return simplices
    log.debug("no fold-free triangulation of %d control points: Delaunay on the moved ones", len(src))
    return delaunay(dst)[0]


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
    identity (then `post`), as do pixels of triangles that did not move or collapsed (under
    `COLLAPSED_AREA`). `simplices` (T x 3 indices into both) default to Delaunay on `dst`;
    give `fold_free_simplices` for a map that is one-to-one. The maps are smooth, so they are
    computed every `step` pixels and interpolated. Returns (map_x, map_y), float32, h x w of
    the box, in source pixels."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    if simplices is None:
        simplices = delaunay(dst)[0]
    # Only the triangles that change something are drawn: not the collapsed ones (see
    # COLLAPSED_AREA), nor those whose corners all stay put (their affine is the identity,
    # the map of every pixel outside the fills; a third of the warp renderer's triangles).
    dst_area = np.abs(signed_areas(dst, simplices))
    keep = (dst_area >= COLLAPSED_AREA) & (src[simplices] != dst[simplices]).any(axis=(1, 2))
    # A fill also takes the pixels its outline touches, up to a grid step outside the triangle,
    # where the neighbour's affine is the right one: the triangles stretched most (source area
    # over destination area: slivers whose affine reads from far) are drawn first, so their
    # tamer neighbours take the shared pixels.
    stretch = np.abs(signed_areas(src, simplices)) / np.maximum(dst_area, COLLAPSED_AREA)
    simplices = simplices[keep][np.argsort(-stretch[keep], kind="stable")]
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
