"""Transparency is composited onto a solid background (said once); cut-off videos are
refused with their readable and declared durations unless accepted."""

from __future__ import annotations

import logging

import av
import numpy as np
import pytest
from PIL import Image

from lipsync import media
from lipsync.decode import DecodeOptions, composite
from lipsync.errors import MediaError, TruncatedMediaError
from tests.helpers.media import clip_with_audio, encode_frames


def _rgba(width: int = 64, height: int = 48, seed: int = 0) -> np.ndarray:
    """Left half fully transparent over bright "hidden" pixels, right half opaque orange."""
    rng = np.random.default_rng(seed)
    img = np.empty((height, width, 4), np.uint8)
    img[..., :3] = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    img[:, : width // 2, 3] = 0
    img[:, width // 2:, :3] = (230, 120, 20)
    img[:, width // 2:, 3] = 255
    return img


@pytest.mark.parametrize("suffix", [".png", ".webp"])
def test_a_transparent_photo_shows_a_flat_background(tmp_path, suffix, caplog):
    path = tmp_path / f"cutout{suffix}"
    Image.fromarray(_rgba()).save(path, **({"lossless": True} if suffix == ".webp" else {}))
    info = media.probe(path).video
    assert info.alpha and media.conversions(info) == ("transparent areas composited onto RGB (128, 128, 128)",)
    with caplog.at_level(logging.DEBUG, logger="lipsync.decode"):
        frame = media.read_frame(path)
    assert frame.shape == (48, 64, 3)
    assert (frame[:, :32] == 128).all()  # neutral grey where alpha is 0: nothing hidden shows
    assert np.abs(frame[:, 32:].astype(int) - (230, 120, 20)).max() <= 2
    assert caplog.text.count("transparency") == 1  # once per pass, not per frame
    white = media.read_frame(path, options=DecodeOptions(background=(255, 255, 255)))
    assert (white[:, :32] == 255).all()


def test_half_transparency_blends():
    rgba = np.array([[[200, 100, 0, 128]]], np.uint8)
    assert composite(rgba, (0, 0, 0)).tolist() == [[[100, 50, 0]]]
    assert composite(rgba, (255, 255, 255)).tolist() == [[[227, 177, 127]]]


def test_bad_background_colour_is_refused():
    with pytest.raises(MediaError, match="background"):
        DecodeOptions(background=(300, 0, 0))


def _alpha_video(path, codec: str, pix_fmt: str, frames: int = 4):
    with av.open(str(path), "w") as c:
        s = c.add_stream(codec, rate=25)
        s.width, s.height, s.pix_fmt = 64, 48, pix_fmt
        if codec == "prores_ks":
            s.options = {"profile": "4"}  # 4444
        encode_frames(c, s, (av.VideoFrame.from_ndarray(_rgba(seed=i), format="rgba") for i in range(frames)))
    return path


@pytest.mark.parametrize("codec,pix_fmt,suffix", [("prores_ks", "yuva444p10le", ".mov"),
                                                  ("libvpx-vp9", "yuva420p", ".webm")])
def test_alpha_video_is_composited_and_said_once(tmp_path, codec, pix_fmt, suffix, caplog):
    path = _alpha_video(tmp_path / f"alpha{suffix}", codec, pix_fmt)
    assert media.probe(path).video.alpha
    with caplog.at_level(logging.DEBUG, logger="lipsync.decode"):
        frames = list(media.iter_frames(path))
    assert len(frames) == 4
    for f in frames:
        assert np.abs(f[:, 4:28].astype(int) - 128).mean() < 3  # grey, not the hidden noise
        assert np.abs(f[:, 36:].astype(int) - (230, 120, 20)).mean() < 6
    assert caplog.text.count("transparency") == 1  # once per pass, not per frame


def test_a_cut_off_video_is_refused_with_both_durations(tmp_path):
    whole = clip_with_audio(tmp_path / "whole.mkv")
    media.check_complete(whole)  # a whole file passes
    cut = tmp_path / "cut.mkv"
    data = whole.read_bytes()
    cut.write_bytes(data[: int(len(data) * 0.4)])
    with pytest.raises(TruncatedMediaError) as err:
        media.check_complete(cut)
    message = str(err.value)
    assert "\n" not in message and "4.00 s declared" in message and "readable" in message
    media.check_complete(cut, accept_truncated=True)
    with pytest.raises(TruncatedMediaError):
        media.read_audio(cut)


def test_a_transparent_presenter_photo_renders_on_the_background(engine, tmp_path, make_timeline):
    """A cut-out presenter photo (alpha 0 in a 24 px border over bright noise): the render shows
    the chosen background there, and the face is found and re-rendered."""
    from pipeline.demo import astronaut_image, idle_frame
    from tests.helpers.signals import tone

    face = idle_frame(astronaut_image(), 0.0, 240)
    rgba = np.dstack([face, np.full(face.shape[:2], 255, np.uint8)])
    border = np.ones(face.shape[:2], bool)
    border[24:-24, 24:-24] = False
    rgba[border, :3] = np.random.default_rng(1).integers(0, 256, (int(border.sum()), 3), dtype=np.uint8)
    rgba[border, 3] = 0
    path = tmp_path / "cutout.png"
    Image.fromarray(rgba).save(path)
    options = DecodeOptions(background=(0, 90, 200))
    r = engine.render(path, tone(0.6), 16000, make_timeline(0.6), tmp_path / "out.mp4", renderer="warp",
                      decode=options)
    assert r.frames_without_face == 0
    assert r.options["conversions"] == ["transparent areas composited onto RGB (0, 90, 200)"]
    out = media.read_frame(r.path)
    assert np.abs(out[2:20, 2:-2].astype(int) - (0, 90, 200)).mean() < 6


def test_audio_shorter_than_the_picture_is_not_called_cut_off(tmp_path):
    path = clip_with_audio(tmp_path / "short_audio.mkv", frames=100, audio_frames=50)
    media.check_complete(path)
    samples, rate = media.read_audio(path)
    assert len(samples) / rate == pytest.approx(2.0, abs=0.05)


def test_a_cut_off_faststart_mp4_is_refused(tmp_path):
    path = tmp_path / "whole.mp4"
    with av.open(str(path), "w", options={"movflags": "faststart"}) as c:
        v = c.add_stream("libx264", rate=25)
        v.width, v.height, v.pix_fmt = 64, 64, "yuv420p"
        noise = np.random.default_rng(0)
        encode_frames(c, v, (av.VideoFrame.from_ndarray(noise.integers(0, 256, (64, 64, 3), dtype=np.uint8),
                                                        format="rgb24") for _ in range(100)))
    media.check_complete(path)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(TruncatedMediaError, match=r"video is cut off: [0-9.]+ s readable of 4.00 s declared"):
        media.check_complete(cut)


def test_a_cut_off_mp4_without_its_index_says_so(tmp_path):
    """The usual MP4 layout writes its index (moov) last, so a copy cut short has none left."""
    whole = clip_with_audio(tmp_path / "whole.mp4")
    media.probe(whole)  # a whole file opens
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(MediaError, match=r"without its index \(moov box\): it was cut off"):
        media.probe(cut)
    # Control: a file that is not an MP4 at all keeps the plain message.
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x00" * 64)
    with pytest.raises(MediaError, match="not a readable audio, video or image file"):
        media.probe(junk)
