"""YuvFrame: RGB only where asked, and only changed pixels written back."""

import av
import numpy as np
import pytest

from lipsync.planes import YuvFrame, even_box


def _noise_frame(h=48, w=64, seed=0) -> YuvFrame:
    rng = np.random.default_rng(seed)
    data = rng.integers(40, 200, size=(h * 3 // 2, w), dtype=np.uint8)
    return YuvFrame(data, "ITU709")


def test_even_box_grows_to_chroma_sample_edges_and_clips():
    assert even_box((3, 5, 9, 10), 64, 48) == (2, 4, 10, 10)
    assert even_box((-4, 1, 70, 47), 64, 48) == (0, 0, 64, 48)


@pytest.mark.parametrize("box", [(0, 0, 64, 48), (10, 6, 40, 30), (2, 2, 8, 10)])
def test_crop_rgb_equals_the_whole_frame_conversion_inside_the_box(box):
    f = _noise_frame()
    whole = av.VideoFrame.from_ndarray(f.data, format="yuv420p").to_ndarray(
        format="rgb24", src_colorspace="ITU709", src_color_range="MPEG")
    x0, y0, x1, y1 = box
    crop = f.rgb(box)
    assert crop.shape == (y1 - y0, x1 - x0, 3)
    # chroma upsampling reads neighbours: compare away from the crop's own edge
    inner = (slice(2, -2), slice(2, -2))
    assert np.abs(crop[inner].astype(int) - whole[y0:y1, x0:x1][inner]).max() <= 2


def test_only_changed_pixels_are_written_back():
    f = _noise_frame()
    box = (10, 6, 40, 30)
    before = f.rgb(box)
    after = before.copy()
    after[5:9, 7:12] = (250, 20, 20)  # a red patch, not on 2x2 boundaries
    g = f.with_rgb(box, before, after)
    assert g is not f and g.patch is not None
    # the encoder's copy carries the same samples as the patched planes
    y, u, v = g.planes()
    assert np.array_equal(g.to_video_frame().to_ndarray(format="yuv420p"), np.concatenate(
        [y.ravel(), u.ravel(), v.ravel()]).reshape(-1, 64))
    y0, u0, v0 = f.planes()
    y1, u1, v1 = g.planes()
    changed_y = y1 != y0
    rows, cols = np.nonzero(changed_y)
    assert rows.min() >= 6 + 5 and rows.max() < 6 + 9 and cols.min() >= 10 + 7 and cols.max() < 10 + 12
    # chroma: only the 2x2 blocks holding a changed pixel
    rows, cols = np.nonzero((u1 != u0) | (v1 != v0))
    assert len(rows) and rows.min() >= (6 + 5) // 2 and rows.max() <= (6 + 8) // 2
    assert cols.min() >= (10 + 7) // 2 and cols.max() <= (10 + 11) // 2
    # the patch is red once decoded
    assert np.abs(g.rgb(box)[6:8, 8:11].astype(int) - (250, 20, 20)).max() < 30
    # the original is untouched (frames are shared in ping-pong)
    assert np.array_equal(f.data, _noise_frame().data)


def test_an_unchanged_crop_returns_the_same_frame():
    f = _noise_frame()
    box = (0, 0, 20, 20)
    crop = f.rgb(box)
    assert f.with_rgb(box, crop, crop.copy()) is f


def test_odd_sized_rgb_is_padded_to_even_planes():
    image = np.full((41, 63, 3), 128, np.uint8)
    f = YuvFrame.from_rgb(image, "ITU601")
    assert (f.width, f.height) == (64, 42) and f.data.shape == (63, 64)
    assert np.abs(f.rgb()[:41, :63].astype(int) - 128).max() <= 2


@pytest.mark.parametrize("size", [(48, 64), (70, 350)])  # 350: rows padded to PyAV's line alignment
def test_a_decoded_frame_keeps_its_planes_and_goes_to_the_encoder_uncopied_unless_patched(size):
    h, w = size
    rng = np.random.default_rng(4)
    source = av.VideoFrame.from_ndarray(rng.integers(16, 236, (h * 3 // 2, w), dtype=np.uint8), format="yuv420p")
    assert source.planes[1].line_size != source.planes[1].width or w == 64
    samples = source.to_ndarray(format="yuv420p")
    f = YuvFrame.from_video_frame(source, "ITU709")
    assert (f.width, f.height) == (w, h)
    np.testing.assert_array_equal(_flat(f), samples)
    # a frame left alone goes to the encoder as decoded, without a copy
    assert f.to_video_frame() is source
    # a patched one is a new frame: the patch in it, the decoded frame untouched
    box = (2, 2, 12, 10)
    before = f.rgb(box)
    g = f.with_rgb(box, before, np.full_like(before, 250))
    back = g.to_video_frame()
    assert back is not source and back.format.name == "yuv420p" and (back.width, back.height) == (w, h)
    np.testing.assert_array_equal(back.to_ndarray(format="yuv420p"), _flat(g))
    assert not np.array_equal(_flat(g), samples)
    np.testing.assert_array_equal(source.to_ndarray(format="yuv420p"), samples)
    np.testing.assert_array_equal(_flat(f), samples)


def test_a_decoded_frames_planes_are_read_only_views():
    rng = np.random.default_rng(6)
    source = av.VideoFrame.from_ndarray(rng.integers(16, 236, (72, 64), dtype=np.uint8), format="yuv420p")
    y, u, v = YuvFrame.from_video_frame(source, "ITU709").planes()
    assert y.shape == (48, 64) and u.shape == v.shape == (24, 32)
    with pytest.raises(ValueError):
        y[0, 0] = 1  # the decoder's buffer: never written


def _flat(f: YuvFrame) -> np.ndarray:
    """The frame's samples in PyAV's yuv420p array layout."""
    y, u, v = f.planes()
    return np.concatenate([y.ravel(), u.ravel(), v.ravel()]).reshape(-1, f.width)


def test_a_frame_of_another_format_is_converted_to_yuv420p_planes():
    rng = np.random.default_rng(5)
    source = av.VideoFrame.from_ndarray(rng.integers(0, 255, (32, 48, 3), dtype=np.uint8), format="rgb24")
    f = YuvFrame.from_video_frame(source, "ITU709")
    assert f.data.shape == (48, 48) and (f.width, f.height) == (48, 32)


def test_box_conversions_on_one_swscale_thread_give_the_samples_of_its_default_threads():
    f = _noise_frame(h=96, w=128, seed=7)
    box = (10, 6, 110, 80)
    frame = av.VideoFrame.from_ndarray(f.crop(box), format="yuv420p")
    threaded = frame.to_ndarray(format="rgb24", src_colorspace="ITU709", src_color_range="MPEG")
    before = f.rgb(box)
    np.testing.assert_array_equal(before, threaded)
    after = before.copy()
    after[10:60, 20:90] = (200, 90, 60)
    g = f.with_rgb(box, before, after)
    x0, y0, x1, y1 = g.patch.box
    rect = after[y0 - box[1]:y1 - box[1], x0 - box[0]:x1 - box[0]]
    default = av.VideoFrame.from_ndarray(np.ascontiguousarray(rect), format="rgb24").reformat(
        format="yuv420p", dst_colorspace="ITU709", dst_color_range="MPEG").to_ndarray()
    np.testing.assert_array_equal(g.patch.y, default[: y1 - y0])
