from fractions import Fraction

import numpy as np
import pytest

from tests.helpers.signals import tone
from lipsync import media
from lipsync.crops import mouth_box
from lipsync.landmarks import face_scale

SR = 16000


def mouth_motion(video, analysis, n=None):
    """Mean frame-to-frame change in the mouth box of each frame (source landmarks)."""
    frames = list(media.iter_frames(video))[:n]
    idx = media.playback_indices(analysis.n_frames, len(frames))
    diffs = []
    prev = None
    for f, i in zip(frames, idx):
        lm = np.asarray(analysis.landmarks[i])
        x0, y0, x1, y1 = mouth_box(lm, f.shape[1], f.shape[0], margin=0.1)
        crop = f[y0:y1, x0:x1].astype(np.float32)
        if prev is not None and prev.shape == crop.shape:
            diffs.append(np.abs(crop - prev).mean())
        prev = crop
    return float(np.mean(diffs))


@pytest.fixture(scope="module")
def short_render(engine, demo_presenter, tmp_path_factory, make_timeline):
    """2 s of speech on the 3 s demo presenter: the video is cut."""
    out = tmp_path_factory.mktemp("render") / "short.mp4"
    return engine.render(demo_presenter, tone(2.0), SR, make_timeline(2.0), out, comment="test render (synthetic)")


def test_output_keeps_size_and_rate_and_lasts_as_long_as_the_audio(short_render, demo_presenter):
    r = short_render
    info = media.probe(r.path)
    assert (info.video.width, info.video.height) == (480, 480)
    assert info.video.fps == Fraction(25)
    assert r.frames == 50 and abs(info.video.frames - 50) <= 1
    assert abs(info.duration - 2.0) <= 1 / 25 + 0.03
    assert info.audio is not None and info.audio.codec == "aac"
    assert "synthetic" in info.metadata.get("comment", "")
    assert r.frames_without_face == 0 and r.renderer in {"exemplar", "warp"}


def test_the_mouth_moves_and_the_upper_face_does_not(short_render, engine, demo_presenter):
    a = engine.analyse(demo_presenter)
    out = list(media.iter_frames(short_render.path))
    src = list(media.iter_frames(demo_presenter))[: len(out)]
    assert mouth_motion(short_render.path, a) > 1.5 * mouth_motion(demo_presenter, a, len(out))
    # Above the nose nothing changes beyond the encoder's own noise.
    worst = 0.0
    for o, s, lm in zip(out, src, np.asarray(a.landmarks)):
        top = int(lm[4, 1] - 0.1 * face_scale(lm))
        mse = np.mean((o[:top].astype(np.float32) - s[:top]) ** 2)
        worst = max(worst, mse)
    assert 10 * np.log10(255 ** 2 / max(worst, 1e-6)) > 38


def test_longer_narration_plays_the_video_back_and_forth(engine, demo_presenter, tmp_path, make_timeline):
    r = engine.render(demo_presenter, tone(4.5), SR, make_timeline(4.5), tmp_path / "long.mp4", renderer="warp")
    assert r.frames == media.frames_for_duration(4.5, Fraction(25)) and r.analysis_cached
    out = list(media.iter_frames(r.path))
    src = list(media.iter_frames(demo_presenter))
    order = list(media.playback_indices(len(src), len(out)))
    # Upper rows (no face change there) follow the ping-pong order, not a jump back to 0.
    i = 100
    assert order[i] == 2 * (len(src) - 1) - i
    near = np.abs(out[i][:120].astype(int) - src[order[i]][:120]).mean()
    wrap = np.abs(out[i][:120].astype(int) - src[i % len(src)][:120]).mean()
    assert near < wrap


def test_a_photo_speaks(engine, astronaut_photo, tmp_path, make_timeline):
    r = engine.render(astronaut_photo, tone(1.5), SR, make_timeline(1.5), tmp_path / "photo.mp4")
    assert r.renderer == "warp" and r.frames == 38 and (r.width, r.height) == (512, 512)
    a = engine.analyse(astronaut_photo)
    lm = np.asarray(a.landmarks[0])
    x0, y0, x1, y1 = mouth_box(lm, 512, 512)
    def mouth_change(video):
        crops = np.stack([f[y0:y1, x0:x1].astype(np.float32) for f in media.iter_frames(video)])
        return crops.std(axis=0).mean()

    # The mouth changes shape over time; with silence it does not (negative control).
    silent = engine.render(astronaut_photo, np.zeros(SR, np.float32), SR, [], tmp_path / "silent.mp4")
    assert mouth_change(r.path) > 3 and mouth_change(r.path) > 5 * mouth_change(silent.path)
    top = int(lm[4, 1] - 0.1 * face_scale(lm))
    still = np.stack([f[:top] for f in media.iter_frames(r.path)]).astype(np.float32)
    assert still.std(axis=0).mean() < 1.5  # nothing above the nose moves


def test_silence_keeps_the_mouth_at_rest(engine, demo_presenter, tmp_path, make_timeline):
    a = engine.analyse(demo_presenter)
    quiet = engine.render(demo_presenter, np.zeros(SR, np.float32), SR, [], tmp_path / "quiet.mp4")
    assert mouth_motion(quiet.path, a) < 1.3 * mouth_motion(demo_presenter, a, quiet.frames) + 0.5
    # Negative control: speech moves it.
    loud = engine.render(demo_presenter, tone(1.0), SR, make_timeline(1.0), tmp_path / "loud.mp4")
    assert mouth_motion(loud.path, a) > 2 * mouth_motion(quiet.path, a)


def test_very_short_narration_and_previews(engine, demo_presenter, tmp_path, make_timeline):
    r = engine.render(demo_presenter, tone(0.5), SR, [(0.1, 0.3, "a")], tmp_path / "short.mp4")
    assert r.frames == 13 and media.probe(r.path).video.frames in (12, 13, 14)
    p = engine.render(demo_presenter, tone(3.0), SR, make_timeline(3.0), tmp_path / "preview.mp4",
                      max_seconds=1.0, max_height=240)
    assert (p.width, p.height) == (240, 240) and p.frames == 25
    assert media.probe(p.path).video.height == 240


@pytest.mark.parametrize("renderer", ["exemplar", "warp"])
def test_each_renderer_can_be_chosen(engine, demo_presenter, tmp_path, renderer):
    r = engine.render(demo_presenter, tone(0.6), SR, [(0.1, 0.3, "a"), (0.3, 0.4, "m"), (0.4, 0.55, "o")],
                      tmp_path / f"{renderer}.mp4", renderer=renderer)
    assert r.renderer == renderer and r.options["renderer"] == renderer


def test_a_photo_showing_teeth_presses_its_lips_together_on_bilabials(engine, astronaut_photo, tmp_path):
    """The astronaut smiles with her teeth showing; on /m/ and /b/ her lips must meet, with no
    teeth squeezed into the seam, and open again (teeth back) on the vowels."""
    import cv2

    from lipsync.landmarks import LIPS_INNER
    from tests.helpers.signals import voice

    timeline = [(0.1, 0.3, "a"), (0.3, 0.5, "m"), (0.5, 0.7, "a"), (0.7, 0.9, "b"), (0.9, 1.1, "a")]
    r = engine.render(astronaut_photo, voice(1.2), SR, timeline, tmp_path / "mama.mp4")
    lm = np.asarray(engine.analyse(astronaut_photo).landmarks[0])
    s = face_scale(lm)
    inner = lm[LIPS_INNER]
    (x0, y0), (x1, y1) = (inner.min(0) - 0.05 * s).astype(int), (inner.max(0) + 0.05 * s).astype(int)

    def teeth(image) -> float:  # share of white (bright, unsaturated) pixels around the lips
        hsv = cv2.cvtColor(np.ascontiguousarray(image[y0:y1, x0:x1]), cv2.COLOR_RGB2HSV)
        return float(((hsv[..., 2] > 200) & (hsv[..., 1] < 40)).mean())

    frames = list(media.iter_frames(r.path))
    at = {phone: frames[int((a + b) / 2 * 25)] for a, b, phone in timeline[:4]}
    photo = cv2.cvtColor(cv2.imread(str(astronaut_photo)), cv2.COLOR_BGR2RGB)
    assert teeth(photo) > 0.05  # the photo shows teeth
    assert teeth(at["m"]) < 0.01 and teeth(at["b"]) < 0.01
    # Negative control: an open vowel shows teeth (the photo's own, at their own size: a strip
    # under the upper lip and one over the lower, no longer a painted band half the opening tall).
    assert teeth(at["a"]) > 0.02


def test_the_warp_renderer_paints_the_presenters_own_teeth_colour():
    from lipsync.landmarks import LIPS_INNER
    from lipsync.renderers.warp import own_teeth

    points = np.zeros((478, 2), np.float32)
    angle = np.linspace(0, 2 * np.pi, len(LIPS_INNER), endpoint=False)
    points[LIPS_INNER] = np.stack([50 + 20 * np.cos(angle), 50 + 8 * np.sin(angle)], axis=1)
    image = np.full((100, 100, 3), (180, 120, 110), np.uint8)  # skin
    image[42:50, 32:68] = (205, 195, 170)  # yellowish teeth in the upper half of the opening
    image[50:58, 32:68] = (40, 20, 25)  # the dark mouth below
    colour = own_teeth(image, points)
    assert colour is not None and np.abs(colour - (205, 195, 170)).max() < 12
    image[42:50, 32:68] = (40, 20, 25)  # negative control: a dark mouth shows no teeth
    assert own_teeth(image, points) is None
