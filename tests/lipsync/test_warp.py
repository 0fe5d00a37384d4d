"""Warp renderer helpers: the teeth colour's order statistics read off a histogram, the lips'
mean colour."""

import numpy as np
import pytest

from lipsync.renderers.warp import _mean_colour, _percentile_u8, own_teeth


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 40, 641, 4096])
@pytest.mark.parametrize("q", [0.0, 0.25, 0.5, 0.75, 1.0])
def test_percentile_of_uint8_values_equals_numpys(n, q):
    rng = np.random.default_rng(n)
    for values in (rng.integers(0, 256, n, dtype=np.uint8), np.full(n, 200, np.uint8),
                   rng.integers(250, 256, n, dtype=np.uint8)):
        assert _percentile_u8(values, q) == np.percentile(values, 100 * q)


def test_own_teeth_gives_float32_rgb_as_the_median_of_the_bright_grey_pixels():
    from lipsync.landmarks import LIPS_INNER

    points = np.zeros((478, 2), np.float32)
    angle = np.linspace(0, 2 * np.pi, len(LIPS_INNER), endpoint=False)
    points[LIPS_INNER] = np.stack([50 + 20 * np.cos(angle), 50 + 8 * np.sin(angle)], axis=1)
    rng = np.random.default_rng(2)
    image = rng.integers(0, 60, (100, 100, 3), dtype=np.uint8)  # a dark mouth...
    image[42:50, 32:68] = rng.integers(200, 216, (8, 36, 1), dtype=np.uint8)  # ...with grey teeth above
    colour = own_teeth(image, points)
    assert colour is not None and colour.dtype == np.float32
    # the reference: the same selection with numpy's percentiles and median on float32
    from lipsync.renderers.warp import _polygon_mask

    inner = points[LIPS_INNER]
    x0, y0 = np.floor(inner.min(0)).astype(int)
    x1, y1 = np.ceil(inner.max(0)).astype(int) + 1
    inside = image[y0:y1, x0:x1][_polygon_mask(inner, (x0, y0, x1, y1)).astype(bool)].astype(np.float32)
    value, spread = inside.max(1), inside.max(1) - inside.min(1)
    teeth = inside[(value >= np.percentile(value, 75)) & (spread <= np.percentile(spread, 50))]
    np.testing.assert_array_equal(colour, np.median(teeth, axis=0))


@pytest.mark.parametrize("shape", [(1, 1), (37, 53), (190, 250)])
@pytest.mark.parametrize("share", [0.002, 0.3, 1.0])
def test_mean_colour_equals_numpys_mean_of_the_masked_pixels_bit_for_bit(shape, share):
    rng = np.random.default_rng(shape[0] * 7 + int(share * 1000))
    image = rng.integers(0, 256, (*shape, 3), dtype=np.uint8)
    image[: shape[0] // 2] = 255  # large sums, where a rounding slip would show first
    mask = rng.random(shape) < share
    mask.flat[0] = True
    crop = image[:, : max(shape[1] - 1, 1)]  # a view with a row stride, as the renderer passes
    mask = np.ascontiguousarray(mask[:, : crop.shape[1]])
    colour = _mean_colour(crop, mask)
    expected = crop[mask].reshape(-1, 3).mean(0)
    assert colour.dtype == expected.dtype == np.float64
    assert colour.tobytes() == expected.tobytes()


def test_mean_colour_of_an_empty_mask_is_the_default_lip_red():
    colour = _mean_colour(np.zeros((10, 12, 3), np.uint8), np.zeros((10, 12), bool))
    np.testing.assert_array_equal(colour, [150, 80, 80])

