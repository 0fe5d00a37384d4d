"""Rotated and mirrored footage (display matrix) and photos with EXIF orientation are decoded
upright at their displayed size, and rendered upright."""

from __future__ import annotations

import av
import numpy as np
import pytest
from PIL import Image

from lipsync import media
from lipsync.orientation import EXIF_ORIENTATIONS, Orientation, from_display_matrix
from tests.helpers.media import encode_frames

COLOURS = np.array([[220, 30, 30], [30, 220, 30], [30, 30, 220], [230, 230, 230]], np.uint8)


def _quadrants(width: int, height: int) -> np.ndarray:
    """Top-left red, top-right green, bottom-left blue, bottom-right white."""
    img = np.empty((height, width, 3), np.uint8)
    h2, w2 = height // 2, width // 2
    img[:h2, :w2], img[:h2, w2:], img[h2:, :w2], img[h2:, w2:] = COLOURS
    return img


def _corners(img: np.ndarray) -> np.ndarray:
    """Mean colour near each corner (TL, TR, BL, BR), as indices of COLOURS."""
    h, w = img.shape[:2]
    m = max(2, min(h, w) // 6)
    patches = [img[:m, :m], img[:m, -m:], img[-m:, :m], img[-m:, -m:]]
    means = [p.reshape(-1, 3).mean(0) for p in patches]
    return np.array([int(np.argmin(np.abs(COLOURS.astype(float) - c).sum(1))) for c in means])


def _sideways(path, picture: np.ndarray, degrees: int, hflip: bool = False, frames: int = 3,
              pts: list[int] | None = None, codec: str = "libx264", pix_fmt: str = "yuv420p"):
    """Store `picture` as is, with a display matrix of `degrees` counter-clockwise (+ mirror)."""
    h, w = picture.shape[:2]
    with av.open(str(path), "w") as c:
        s = c.add_stream(codec, rate=25)
        s.width, s.height, s.pix_fmt = w, h, pix_fmt
        s.set_display_rotation(degrees, hflip=hflip)
        times = pts if pts is not None else range(frames)
        encode_frames(c, s, (av.VideoFrame.from_ndarray(picture, format="rgb24") for _ in times), pts=times)
    return path


def _expected(picture: np.ndarray, degrees: int, hflip: bool) -> np.ndarray:
    out = np.rot90(picture, k=degrees // 90)
    return out[:, ::-1] if hflip else out


@pytest.mark.parametrize("degrees", [0, 90, 180, 270])
@pytest.mark.parametrize("hflip", [False, True])
def test_display_rotation_and_mirror_are_applied(tmp_path, degrees, hflip):
    picture = _quadrants(64, 48)
    path = _sideways(tmp_path / "r.mp4", picture, degrees, hflip)
    info = media.probe(path).video
    want = _expected(picture, degrees, hflip)
    assert (info.width, info.height) == (want.shape[1], want.shape[0])
    frames = list(media.iter_frames(path))
    assert len(frames) == 3
    assert frames[0].shape == want.shape and frames[0].flags["C_CONTIGUOUS"]
    assert list(_corners(frames[0])) == list(_corners(want))


def test_rotation_is_reported_counter_clockwise(tmp_path):
    path = _sideways(tmp_path / "r.mp4", _quadrants(64, 48), 90)
    assert media.probe(path).video.rotation == 90
    path = _sideways(tmp_path / "l.mp4", _quadrants(64, 48), 270)
    assert media.probe(path).video.rotation == 270


def test_rotated_odd_size_and_variable_rate(tmp_path):
    """A lossless 63x41 clip shown rotated (41x63), frames at irregular times."""
    picture = _quadrants(63, 41)
    path = _sideways(tmp_path / "odd.mkv", picture, 90, pts=[0, 1, 2, 5, 6], codec="ffv1", pix_fmt="yuv444p")
    info = media.probe(path).video
    assert (info.width, info.height) == (41, 63)
    frames = list(media.iter_frames(path))
    assert len(frames) == 7 and all(f.shape == (63, 41, 3) for f in frames)
    assert list(_corners(frames[4])) == list(_corners(_expected(picture, 90, False)))
    # the served ping-pong sequence (what the renderer reads) is upright too
    with media.FrameSequence(path) as seq:
        served = [f for _, f in seq.frames(media.playback_indices(7, 12))]
    assert all(f.shape == (63, 41, 3) for f in served)
    assert list(_corners(served[-1])) == list(_corners(_expected(picture, 90, False)))


def test_display_matrix_reading():
    one = 1 << 16
    assert from_display_matrix([one, 0, 0, 0, one, 0, 0, 0, 1 << 30]).is_identity
    assert from_display_matrix([0, -one, 0, one, 0, 0, 0, 0, 1 << 30]) == Orientation(True, True, False)
    assert from_display_matrix([-one, 0, 0, 0, one, 0, 0, 0, 1 << 30]) == Orientation(False, False, True)


@pytest.mark.parametrize("tag", range(1, 9))
def test_photos_follow_their_exif_orientation(tmp_path, tag):
    picture = _quadrants(60, 40)
    # what a camera stores for a picture shown as `picture`: the inverse of the tag's transform
    img = Image.fromarray(picture)
    inverse = {1: None, 2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
               4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
               6: Image.Transpose.ROTATE_90, 7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_270}[tag]
    stored = img.transpose(inverse) if inverse is not None else img
    exif = Image.Exif()
    exif[0x0112] = tag
    path = tmp_path / "photo.jpg"
    stored.save(path, quality=95, exif=exif)
    assert EXIF_ORIENTATIONS[tag].apply(np.asarray(stored)).shape == picture.shape
    info = media.probe(path)
    assert info.is_image and (info.video.width, info.video.height) == (60, 40)
    frame = media.read_frame(path)
    assert frame.shape == (40, 60, 3)
    assert list(_corners(frame)) == [0, 1, 2, 3]


def test_heic_photos_are_refused_in_one_line(tmp_path):
    path = tmp_path / "IMG_0001.HEIC"
    path.write_bytes(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(64))
    for call in (media.probe, media.read_frame):
        with pytest.raises(media.MediaError) as err:
            call(path)
        assert "\n" not in str(err.value) and "JPEG" in str(err.value)
    disguised = tmp_path / "photo.mp4"  # the brand, not the name, says HEIF
    disguised.write_bytes(path.read_bytes())
    with pytest.raises(media.MediaError, match="HEIC"):
        media.probe(disguised)


def test_a_rotated_presenter_is_rendered_upright_at_its_displayed_size(engine, tmp_path, make_timeline):
    """A 161x200 presenter stored sideways (200x161, lossless) with a 90 degree display rotation."""
    from pipeline.demo import astronaut_image, idle_frame
    from tests.helpers.signals import tone

    image = astronaut_image()
    upright = [np.ascontiguousarray(idle_frame(image, i / 25, 200)[:, 20:181]) for i in range(20)]
    path = tmp_path / "sideways.mkv"
    with av.open(str(path), "w") as c:
        s = c.add_stream("ffv1", rate=25)
        s.width, s.height, s.pix_fmt = 200, 161, "yuv444p"
        s.set_display_rotation(90)
        for f in upright:  # stored turned clockwise; shown turned back counter-clockwise
            for p in s.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(np.rot90(f, k=-1)), format="rgb24")):
                c.mux(p)
        for p in s.encode(None):
            c.mux(p)
    r = engine.render(path, tone(0.8), 16000, make_timeline(0.8), tmp_path / "out.mp4", renderer="warp")
    assert (r.width, r.height) == (161, 200) and r.frames_without_face == 0
    assert r.options["conversions"] == ["turned 90 degrees counter-clockwise to 161x200, as its display matrix says"]
    info = media.probe(r.path).video
    assert info.rotation == 0 and abs(info.width - 161) <= 1 and info.height == 200
    first = media.read_frame(r.path)[:, :161]
    top = slice(0, 60)  # above the mouth: the render leaves it as the source shows it
    assert np.abs(first[top].astype(int) - upright[0][top]).mean() < 6
