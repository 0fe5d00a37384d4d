"""Piecewise-affine mesh warp: per-triangle affines and remap maps, on points built in code."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import Delaunay

from lipsync.warping import (delaunay, fold_free, fold_free_simplices, mesh_maps, ring_points, signed_areas,
                             triangle_affines)


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


def _closing_lips() -> tuple[np.ndarray, np.ndarray, tuple[int, int, int, int]]:
    """Control points of a mouth that closes: an upper lip row at y 40 and a lower one at y 60
    (x 30-70) meet at y 50 in the destination; a row above and below them and the ring stay."""
    box = (0, 0, 100, 100)
    xs = np.linspace(30, 70, 5)
    upper, lower = np.stack([xs, np.full(5, 40.0)], 1), np.stack([xs, np.full(5, 60.0)], 1)
    still = np.stack([np.r_[xs, xs], np.r_[np.full(5, 25.0), np.full(5, 75.0)]], 1)
    src = np.vstack([upper, lower, still, ring_points(box)])
    dst = src.copy()
    dst[:10, 1] = 50.0  # both rows meet: five pairs of coinciding points
    return src, dst, box


def test_a_fold_free_mesh_keeps_every_point_where_the_lips_meet():
    src, dst, _ = _closing_lips()
    simplices = fold_free_simplices(src, dst)
    assert set(np.unique(simplices)) == set(range(len(src)))
    assert fold_free(simplices, src, dst)
    assert signed_areas(src, simplices).min() > 0
    # Negative control: Delaunay on the destination alone leaves out the coinciding points.
    simplices, complete = delaunay(dst)
    assert not complete and len(np.unique(simplices)) == len(src) - 5


def test_pixels_beside_closed_lips_read_from_their_own_lip_not_from_between_them():
    src, dst, box = _closing_lips()
    for simplices, right in ((fold_free_simplices(src, dst), True), (delaunay(dst)[0], False)):
        _, map_y = mesh_maps(src, dst, box, simplices=simplices)
        above, below = map_y[46, 35:66], map_y[54, 35:66]  # 4 px either side of the closed line
        # above the line the upper lip (src y < 40), below it the lower (src y > 60): not the gap
        assert bool((above < 40).all() and (below > 60).all()) is right


def test_a_kept_mesh_is_reused_until_a_triangle_turns_over():
    src, dst, _ = _closing_lips()
    first = fold_free_simplices(src, src)
    assert fold_free_simplices(src, dst, first) is first  # closing collapses, turns nothing over
    crossed = dst.copy()
    crossed[:5, 1] = 70.0  # the upper lip pushed through the lower one
    again = fold_free_simplices(src, crossed, first)
    assert again is not first and not fold_free(first, src, crossed)


def test_mesh_maps_do_not_depend_on_the_order_of_the_triangles():
    rng = np.random.default_rng(5)
    box = (0, 0, 120, 90)
    inner = rng.uniform(15, 75, (25, 2)) * (1.3, 1.0)
    src = np.vstack([inner, ring_points(box)])
    dst = src.copy()
    dst[:25] += rng.normal(0, 2.0, (25, 2))
    simplices = fold_free_simplices(src, dst)
    maps = mesh_maps(src, dst, box, simplices=simplices)
    shuffled = mesh_maps(src, dst, box, simplices=simplices[rng.permutation(len(simplices))])
    np.testing.assert_array_equal(maps[0], shuffled[0])
    np.testing.assert_array_equal(maps[1], shuffled[1])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_delaunay_gives_qhulls_triangles_each_turned_the_same_way(seed):
    rng = np.random.default_rng(seed)
    box = (0, 0, 200, 150)
    points = np.vstack([rng.uniform(20, 130, (60, 2)) * (1.4, 1.0), ring_points(box)]).astype(np.float32)
    simplices, complete = delaunay(points)
    assert complete and simplices.dtype == np.int32
    assert {tuple(t) for t in np.sort(simplices, 1)} == {tuple(t) for t in np.sort(Delaunay(points).simplices, 1)}
    assert (signed_areas(points, simplices) > 0).all()
