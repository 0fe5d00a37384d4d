import cv2
import numpy as np
import pytest

from lipsync.composite import blend, feathered_mask, lower_face_polygon, match_colour, pixels_where
from lipsync.crops import lower_face_box
from lipsync.landmarks import JAW, face_scale
from lipsync.renderers.warp import WarpRenderer


@pytest.fixture(scope="module")
def photo_face(engine, astronaut_photo):
    a = engine.analyse(astronaut_photo)
    image = cv2.cvtColor(cv2.imread(str(astronaut_photo)), cv2.COLOR_BGR2RGB)
    return image, np.asarray(a.landmarks[0]), a


def polygon_mask(poly, shape, grow=1):
    """Pixels of a polygon, grown by `grow` px for rasterisation rounding."""
    m = np.zeros(shape[:2], np.uint8)
    cv2.fillPoly(m, [np.round(poly).astype(np.int32)], 1)
    if grow:
        m = cv2.dilate(m, np.ones((2 * grow + 1, 2 * grow + 1), np.uint8))
    return m.astype(bool)


def test_the_mask_stays_inside_the_jaw_line(photo_face):
    image, lm, _ = photo_face
    poly = lower_face_polygon(lm)
    inside = polygon_mask(poly, image.shape, grow=0)
    face = polygon_mask(cv2.convexHull(lm[JAW].astype(np.float32)).reshape(-1, 2), image.shape)
    assert inside.sum() > 0 and not (inside & ~face).any()
    # Nothing at or above the nose tip.
    assert poly[:, 1].min() > lm[4, 1]


def test_compositing_changes_only_the_lower_face(photo_face):
    image, lm, a = photo_face
    out = WarpRenderer().render_frame(image, lm, np.array([1.0, 0.0, 0.0]), a.rest_shape(), 0.36)
    changed = np.abs(out.astype(int) - image).sum(-1) > 0
    allowed = polygon_mask(lower_face_polygon(lm), image.shape)
    assert changed.sum() > 200  # the mouth opened
    assert not (changed & ~allowed).any()


def test_a_mask_without_the_jaw_limit_would_leak(photo_face):
    """Negative control: blending with a whole-box mask changes pixels outside the jaw."""
    image, lm, _ = photo_face
    box = lower_face_box(lm, image.shape[1], image.shape[0])
    x0, y0, x1, y1 = box
    patch = np.zeros((y1 - y0, x1 - x0, 3), np.float32)
    out = blend(image, patch, np.ones((y1 - y0, x1 - x0), np.float32), box)
    allowed = polygon_mask(lower_face_polygon(lm), image.shape)
    changed = np.abs(out.astype(int) - image).sum(-1) > 0
    assert (changed & ~allowed).any()


def test_feathering_fades_inside_the_polygon():
    poly = np.array([[20, 20], [80, 20], [80, 80], [20, 80]], np.float32)
    m = feathered_mask(poly, (0, 0, 100, 100), feather=10)
    assert m[50, 50] == pytest.approx(1.0, abs=0.01)
    assert m[:19].max() == 0 and m[:, 82:].max() == 0
    assert 0.05 < m[50, 24] < 0.95  # a soft edge inside


def test_face_scale_of_the_photo(photo_face):
    _, lm, _ = photo_face
    assert 60 < face_scale(lm) < 200


def test_per_channel_weights_and_tints_give_the_broadcast_numbers():
    from lipsync.composite import per_channel, tint

    rng = np.random.default_rng(3)
    image = rng.random((37, 53, 3)).astype(np.float32) * 255
    weights = rng.random((37, 53)).astype(np.float32)
    colour = np.array([201.5, 80.25, 33.0], np.float32)
    spread = per_channel(weights)
    assert spread.shape == (37, 53, 3) and spread.dtype == np.float32 and spread.flags.c_contiguous
    np.testing.assert_array_equal(image * spread, image * weights[..., None])
    np.testing.assert_array_equal(tint(weights, colour), colour[None, None, :] * weights[..., None])
    assert not np.array_equal(tint(weights, colour), tint(weights, colour[::-1]))  # channels in order


@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
@pytest.mark.parametrize("share", [0.0, 0.01, 0.5, 1.0])
def test_pixels_where_equals_numpys_boolean_indexing(dtype, share):
    rng = np.random.default_rng(int(share * 100))
    image = (rng.random((60, 90, 3)) * 255).astype(dtype)
    crop = image[7:47, 11:83]  # a view with a row stride, as the renderers pass
    mask = rng.random(crop.shape[:2]) < share
    pixels = pixels_where(crop, mask)
    expected = crop[mask]
    assert pixels.shape == expected.shape == (int(mask.sum()), 3) and pixels.dtype == dtype
    assert pixels.tobytes() == expected.tobytes()
    rows = rng.random(len(pixels)) < 0.5  # and of an n x 3 list of pixels
    assert pixels_where(pixels, rows).tobytes() == pixels[rows].tobytes()


def test_match_colour_shifts_the_patch_by_the_mean_difference_over_the_ring_bit_for_bit():
    rng = np.random.default_rng(5)
    patch = rng.integers(0, 256, (70, 90, 3), dtype=np.uint8)
    frame = rng.integers(0, 256, (80, 100, 3), dtype=np.uint8)[5:75, 4:94]
    mask = np.clip(rng.random((70, 90)).astype(np.float32) * 1.2 - 0.1, 0, 1)
    exclude = np.zeros((70, 90), bool)
    exclude[20:40, 30:60] = True
    ring = (mask > 0.02) & (mask < 0.7) & ~exclude
    p = patch.astype(np.float32)
    expected = p + (frame[ring].astype(np.float32).mean(0) - p[ring].mean(0))
    out = match_colour(patch, frame, mask, exclude=exclude)
    assert out.dtype == np.float32 and out.tobytes() == expected.tobytes()
