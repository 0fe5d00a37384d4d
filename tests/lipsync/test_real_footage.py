"""Real presenters from ../shared/media (skipped with a reason when absent)."""

from fractions import Fraction

import numpy as np
import pytest

from lipsync import media

pytestmark = [pytest.mark.media, pytest.mark.slow]


@pytest.mark.parametrize("name", ["presenter_a.mp4", "presenter_b.mp4", "presenter_c.mp4"])
def test_real_presenters_analyse_and_render(engine, shared_media, tmp_path, name, make_timeline):
    video = shared_media / name
    a = engine.analyse(video)
    assert a.has_face.mean() > 0.95
    report = engine.report(video)
    assert report.recommended_renderer == "exemplar" and report.mouth_shapes >= 6
    audio, sr = media.read_audio(shared_media / "narration_en.wav", 16000)
    audio = audio[: 2 * sr]
    r = engine.render(video, audio, sr, make_timeline(2.0), tmp_path / "out.mp4", max_height=360)
    assert r.renderer == "exemplar" and r.frames == media.frames_for_duration(2.0, a.fps)
    assert r.fps == a.fps and r.height == 360


def test_exact_frame_rate_is_kept(engine, shared_media, tmp_path, make_timeline):
    video = shared_media / "presenter_a.mp4"
    assert media.probe(video).video.fps == Fraction(1350, 61)
    audio, sr = media.read_audio(shared_media / "narration_en.wav", 16000)
    r = engine.render(video, audio[: sr], sr, make_timeline(1.0), tmp_path / "a.mp4")
    info = media.probe(r.path)
    assert r.fps == Fraction(1350, 61) and info.video.fps == Fraction(1350, 61)
    assert (info.video.width, info.video.height) == (700, 700)
    assert np.isclose(info.duration, 1.0, atol=1 / 22 + 0.03)
