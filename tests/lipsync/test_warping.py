"""Piecewise-affine mesh warp: per-triangle affines and remap maps, on points built in code."""

from __future__ import annotations

import numpy as np
from scipy.spatial import Delaunay

from lipsync.warping import mesh_maps, ring_points, triangle_affines


def test_triangle_affines_map_each_dst_corner_to_its_src_corner():
    rng = np.random.default_rng(3)
    src = rng.uniform(0, 100, (30, 2))
    dst = src + rng.normal(0, 4, (30, 2))
    simplices = Delaunay(dst).simplices
    aff = triangle_affines(src, dst, simplices)
    corners = np.concatenate([dst[simplices], np.ones((len(simplices), 3, 1))], axis=2)  # T, 3, 3
    mapped = np.einsum("tij,tkj->tki", aff, corners)
    np.testing.assert_allclose(mapped, src[simplices], atol=1e-6)


def test_a_flat_triangle_gets_the_least_squares_affine_not_a_blow_up():
    src = np.array([[0.0, 0.0], [10.0, 0.0], [20.0, 5.0]])
    dst = np.array([[0.0, 0.0], [10.0, 0.0], [20.0, 0.0]])  # collinear
    aff = triangle_affines(src, dst, np.array([[0, 1, 2]]))
    assert np.isfinite(aff).all()
    a = np.concatenate([dst, np.ones((3, 1))], axis=1)
    np.testing.assert_allclose(aff[0], (np.linalg.pinv(a) @ src).T, atol=1e-9)


def test_mesh_maps_are_the_identity_when_nothing_moves_and_follow_a_shift():
    box = (10, 20, 90, 80)
    inner = np.array([[40.0, 40.0], [60.0, 45.0], [50.0, 60.0]])
    pts = np.vstack([inner, ring_points(box)])
    map_x, map_y = mesh_maps(pts, pts, box)
    assert map_x.shape == (60, 80) and map_x.dtype == np.float32
    xs, ys = np.meshgrid(np.arange(10, 90, dtype=np.float32), np.arange(20, 80, dtype=np.float32))
    np.testing.assert_allclose(map_x, xs, atol=1e-3)
    np.testing.assert_allclose(map_y, ys, atol=1e-3)
    moved = pts.copy()
    moved[:3, 1] += 3.0  # the inner points move down: pixels there read from 3 px above
    map_x, map_y = mesh_maps(pts, moved, box)
    assert abs(float(map_y[50 - 20 + 3, 50 - 10]) - 50.0) < 0.6
