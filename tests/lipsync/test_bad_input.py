from fractions import Fraction

import av
import numpy as np
import pytest

from lipsync import MediaError, NoFaceError, media
from lipsync.errors import RenderError
from pipeline.demo import astronaut_image, idle_frame
from tests.helpers.signals import tone

SR = 16000


def test_a_corrupt_file_is_a_media_error(engine, tmp_path):
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 20)
    with pytest.raises(MediaError, match="broken.mp4"):
        engine.render(bad, tone(1.0), SR, [], tmp_path / "out.mp4")


def test_a_video_without_a_face_says_which_file(engine, tmp_path, write_video):
    video = write_video(tmp_path / "wall.mp4", frames=10, size=(96, 64))
    with pytest.raises(NoFaceError, match="wall.mp4.*face"):
        engine.render(video, tone(1.0), SR, [], tmp_path / "out.mp4")
    assert not (tmp_path / "out.mp4").exists()
    assert engine.report(video).face_share == 0.0


def test_empty_audio_is_refused(engine, demo_presenter, tmp_path):
    with pytest.raises(RenderError, match="audio"):
        engine.render(demo_presenter, np.zeros(0, np.float32), SR, [], tmp_path / "out.mp4")


def test_a_face_leaving_the_frame_passes_through(engine, tmp_path, make_timeline):
    image = astronaut_image()
    path = tmp_path / "leaves.mp4"
    gone = range(12, 20)
    with media.VideoWriter(path, 240, 240, Fraction(25), comment=None) as w:
        for i in range(30):
            f = idle_frame(image, i / 25, 240)
            if i in gone:  # the presenter steps out: only the wall is left
                f = np.full_like(f, 200)
            w.write(f)
    r = engine.render(path, tone(1.2), SR, make_timeline(1.2), tmp_path / "out.mp4", renderer="warp")
    assert r.frames == 30 and r.frames_without_face == len(gone)
    out = list(media.iter_frames(r.path))
    for i in gone:
        assert np.abs(out[i].astype(int) - 200).mean() < 3


def test_odd_frame_sizes(engine, tmp_path, make_timeline):
    image = astronaut_image()
    path = tmp_path / "odd.mkv"  # lossless FFV1 stores odd sizes as they are
    with av.open(str(path), "w") as c:
        s = c.add_stream("ffv1", rate=25)
        s.width, s.height, s.pix_fmt = 241, 239, "yuv444p"
        for i in range(20):
            f = av.VideoFrame.from_ndarray(np.ascontiguousarray(idle_frame(image, i / 25, 241)[:239]), format="rgb24")
            for p in s.encode(f):
                c.mux(p)
        for p in s.encode(None):
            c.mux(p)
    assert (media.probe(path).video.width, media.probe(path).video.height) == (241, 239)
    r = engine.render(path, tone(0.8), SR, make_timeline(0.8), tmp_path / "out.mp4")
    assert (r.width, r.height) == (241, 239) and r.frames == 20
    info = media.probe(r.path).video
    assert abs(info.width - 241) <= 1 and abs(info.height - 239) <= 1


def test_variable_frame_rate_input(engine, tmp_path, make_timeline):
    """Frames 40 and 80 ms apart: the output has the average rate, one frame per slot."""
    image = astronaut_image()
    path = tmp_path / "vfr.mkv"
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=25)
        s.width = s.height = 160
        s.pix_fmt = "yuv420p"
        s.codec_context.time_base = Fraction(1, 1000)
        t = 0
        for i in range(24):
            f = av.VideoFrame.from_ndarray(idle_frame(image, t / 1000, 160), format="rgb24")
            f.pts, f.time_base = t, Fraction(1, 1000)
            for p in s.encode(f):
                c.mux(p)
            t += 40 if i % 2 else 80
        for p in s.encode(None):
            c.mux(p)
    info = media.probe(path).video
    r = engine.render(path, tone(1.0), SR, make_timeline(1.0), tmp_path / "out.mp4")
    assert r.fps == info.fps
    assert r.frames == media.frames_for_duration(1.0, info.fps)
    assert media.probe(r.path).video.fps == info.fps
