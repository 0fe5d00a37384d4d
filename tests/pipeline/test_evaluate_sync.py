"""`evaluate_sync` and `polydub eval sync` (pipeline/evaluate/sync.py): the measures composed on
a short rendered presenter, a plain copy against a tampered one, and the words measure."""

from __future__ import annotations

import math
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
from tests.helpers.judge import paste_box, random_timeline

from lipsync import media
from lipsync.colour import output_tags
from pipeline.evaluate import evaluate_sync, regions
from pipeline.evaluate.hearing import words_timeline
from pipeline.evaluate.speech import words_opening
from pipeline.evaluate.sync import _reference, picture_types

FPS = 25.0
RNG = np.random.default_rng(7)


def test_words_measure_judges_only_the_frames_the_audio_covers():
    from pipeline.evaluate import words_measure
    from tests.helpers.signals import tone

    timeline = random_timeline(2.0, seed=3)
    t = np.arange(32000) / 16000
    audio = (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)  # 2 s of steady sound: nothing gated
    opening = np.concatenate([words_opening(timeline, FPS, 50), np.linspace(1, 0, 50)])  # 4 s of video
    measure = words_measure(opening, FPS, audio, 16000, timeline, max_lag=2)
    assert measure.at(0) > 0.95  # the 2 s past the audio's end are not judged
    wrong = words_measure(opening[::-1].copy(), FPS, audio, 16000, timeline, max_lag=2)
    assert wrong.at(0) < 0.5  # negative control


def _spoken(text: str):
    """espeak-ng speaking `text`: (audio, rate, the judge's timeline from espeak's word times as
    a recogniser would give them, espeak's own phone timeline: an independent timing)."""
    from tts.espeak import Espeak
    from tts.phonemes import espeak_voice_for

    sp = Espeak.shared().synthesize(text, espeak_voice_for("en"))
    words = [(w.start, w.phones[-1][1], text[w.text_start:w.text_start + w.text_length]) for w in sp.words]
    return sp.audio, sp.sample_rate, words_timeline(words, "en"), [p for w in sp.words for p in w.phones]


def test_the_words_measure_with_the_judges_timing_tells_its_narration_from_another():
    from pipeline.evaluate import words_measure

    a = _spoken("Clean the filling nozzle at the end of every shift, and wear gloves and safety glasses before you start.")
    b = _spoken("Open the valve slowly, then check the pressure gauge twice before you leave the machine running.")
    n = int(min(len(a[0]) / a[1], len(b[0]) / b[1]) * FPS)
    mouth = words_opening(a[3], FPS, n) + 0.05 * RNG.normal(size=n)  # a render driven by a's own timing
    assert words_measure(mouth, FPS, a[0], a[1], a[2], 4).at(0) > 0.7
    assert abs(words_measure(mouth, FPS, b[0], b[1], b[2], 4).at(0)) < 0.25  # negative control


@pytest.fixture(scope="module")


def presenter(tmp_path_factory):
    """A short, small presenter (1.2 s, 30 frames, 320x320) whose mouth really moves: the demo
    presenter made to speak by the warp renderer. A still's mouth does not move, and the
    spread of a copy's opening against its source's is then a ratio of two noises."""
    from lipsync import LipSyncEngine
    from pipeline.demo import make_demo_presenter
    from tests.helpers.signals import tone

    folder = tmp_path_factory.mktemp("eval")
    still = make_demo_presenter(folder / "still.mp4", seconds=1.2, size=320)
    engine = LipSyncEngine(folder / "cache")
    engine.render(still, tone(1.2), 16000, random_timeline(1.2, seed=11), folder / "short.mp4",
                  renderer="warp", comment=None)
    return folder / "short.mp4"


@pytest.fixture(scope="module")


def tampered(tmp_path_factory, presenter, face):
    """The presenter with a hard box pasted over the mouth and the eyes blurred."""
    from lipsync.media import VideoWriter, iter_frames, probe

    info = probe(presenter).video
    out = tmp_path_factory.mktemp("eval") / "tampered.mp4"
    with VideoWriter(out, info.width, info.height, info.fps, comment=None) as writer:
        for frame in iter_frames(presenter):
            lm = face.tracker.landmarks(frame)
            # A box as bright as a badly colour-matched mouth patch.
            frame = paste_box(frame, lm, 0, gain=1.4)
            upper = regions.upper_face_mask(lm, frame.shape)
            frame[upper] = cv2.GaussianBlur(frame, (0, 0), 3)[upper]
            writer.write(frame)
    return out


@pytest.fixture(scope="module")


def judged(presenter, tampered, face):
    """(a plain copy judged against its source, the tampered copy judged the same way)"""
    from tests.helpers.signals import tone

    heard = random_timeline(1.2, seed=5)
    audio = (tone(1.2), 16000)
    same = evaluate_sync(presenter, audio, source=presenter, heard_phonemes=heard, max_lag=4, tracker=face.tracker)
    bad = evaluate_sync(tampered, audio, source=presenter, heard_phonemes=heard, max_lag=4, tracker=face.tracker)
    return same, bad


def test_evaluate_sync_on_a_plain_copy_and_a_tampered_one(presenter, judged):
    n = 30  # 1.2 s at 25 fps
    same, bad = judged
    assert same.frames == n and same.frames_without_face == ()
    assert same.upper_face_psnr > 40 and same.side_band_psnr > 40
    assert same.opening_std_ratio == pytest.approx(1.0, abs=0.2)
    assert 0.5 < same.mouth_change_ratio < 1.5
    assert same.words.lags == tuple(range(-4, 5))
    assert math.isnan(same.seam_step) or same.seam_step < 1.15  # nothing pasted, no seam
    assert bad.upper_face_psnr < 35  # negative controls
    assert bad.seam_step > 1.3 and bad.seam_step_p90 > 1.3
    data = bad.as_dict()
    assert data["source"] == str(presenter) and "curve" in data["words"]


def test_evaluate_sync_hears_words_then_phonemes(presenter):
    calls = {}

    class Transcriber:
        def transcribe(self, audio, sample_rate, language=None):
            calls["rate"] = sample_rate
            return SimpleNamespace(words=((0.2, 0.6, "papa"), (1.0, 1.4, "mama")), language="en")

    def phonemizer(text, language):
        calls["language"] = language
        return [(text, ("p", "a"))]

    class StillMouth:
        name = "fake"

        def landmarks(self, frame):
            return None  # no face anywhere: every frame reported, nothing correlates

    from tests.helpers.signals import tone

    report = evaluate_sync(presenter, (tone(1.2), 16000), transcriber=Transcriber(), phonemizer=phonemizer,
                           tracker=StillMouth())
    assert calls == {"rate": 16000, "language": "en"}
    assert report.heard_text == "papa mama" and report.language == "en" and report.tracker == "fake"
    assert len(report.frames_without_face) == report.frames == 30
    assert math.isnan(report.words.value) and report.source is None


def test_evaluate_sync_refuses_a_source_of_another_size(presenter, tmp_path, write_video):
    from pipeline.errors import InputError

    other = write_video(tmp_path / "small.mp4", frames=10, size=(64, 48))
    with pytest.raises(InputError, match="64x48"):
        evaluate_sync(presenter, (np.zeros(16000, np.float32), 16000), source=other,
                      heard_phonemes=[], tracker=SimpleNamespace(name="x", landmarks=lambda f: None))


def test_a_source_one_pixel_smaller_than_the_renders_even_padding_is_compared(tmp_path):
    from fractions import Fraction

    from PIL import Image

    from pipeline.errors import InputError
    from pipeline.evaluate.sync import check_source

    y, x = np.mgrid[0:47, 0:63]
    picture = np.stack([x * 4, y * 5, (x + y) * 2], axis=-1).astype(np.uint8)  # 63x47: odd both ways
    photo = tmp_path / "photo.png"
    Image.fromarray(picture).save(photo)
    render = tmp_path / "render.mp4"
    with media.VideoWriter(render, 63, 47, Fraction(25), comment=None) as writer:
        for _ in range(5):
            writer.write(picture)
    info = media.probe(render).video
    assert (info.width, info.height) == (64, 48)  # the render pads odd sizes to even
    reference = _reference(photo, info, tmp_path / "reference.mp4", render)
    frames = list(media.iter_frames(reference))
    assert len(frames) == 5 and frames[0].shape == (48, 64, 3)
    assert _psnr(frames[0], next(media.iter_frames(render))) > 35  # the same picture, padded the same way
    small = tmp_path / "small.png"  # two pixels smaller: another picture
    Image.fromarray(picture[:45, :61]).save(small)
    with pytest.raises(InputError, match="61x45 but the render is 64x48"):
        check_source(small, info)
    wide = tmp_path / "wide.png"  # one pixel larger is not the render's padding either
    Image.fromarray(np.zeros((48, 65, 3), np.uint8)).save(wide)
    with pytest.raises(InputError, match="65x48"):
        check_source(wide, info)


def test_cli_eval_sync_prints_the_report_and_json(judged, monkeypatch, capsys):
    import json

    import pipeline.evaluate
    from api.cli import main

    same, bad = judged
    seen = {}

    def fake(video, audio=None, source=None, **options):
        seen.update(video=video, audio=audio, source=source, **options)
        return bad

    monkeypatch.setattr(pipeline.evaluate, "evaluate_sync", fake)
    assert main(["eval", "sync", "render.mp4", "--source", "src.mp4", "--audio", "other.wav", "--max-lag", "5"]) == 0
    text = capsys.readouterr().out
    assert "words:" in text and "upper face PSNR" in text and "seam step" in text
    assert str(seen["video"]) == "render.mp4" and str(seen["source"]) == "src.mp4" and seen["max_lag"] == 5
    assert main(["eval", "sync", "render.mp4", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["upper_face_psnr"] == pytest.approx(bad.upper_face_psnr, abs=1e-3)
    assert set(data["words"]) == {"best", "lag", "at_zero", "curve"}


def test_evaluate_sync_hears_the_chosen_audio_track(presenter, judged, tmp_path, monkeypatch, capsys):
    """A two-track narration (440 Hz track 1, 880 Hz track 2 marked default): the default
    track is heard unless --audio-track / audio_track names another."""
    import av

    import pipeline.evaluate
    from api.cli import main

    rate = 16000
    path = tmp_path / "two.mka"
    with av.open(str(path), "w") as c:
        for hz, default in ((440, False), (880, True)):
            s = c.add_stream("pcm_s16le", rate=rate, layout="mono")
            s.disposition = av.stream.Disposition.default if default else av.stream.Disposition(0)
        for s, hz in zip(c.streams.audio, (440, 880)):
            samples = (0.3 * np.sin(2 * np.pi * hz * np.arange(rate) / rate) * 32767).astype(np.int16)
            frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
            frame.sample_rate, frame.pts = rate, 0
            for p in list(s.encode(frame)) + list(s.encode(None)):
                c.mux(p)
    heard = []

    class Transcriber:
        def transcribe(self, audio, sample_rate, language=None):
            heard.append(np.argmax(np.abs(np.fft.rfft(audio[:sample_rate]))) * sample_rate / len(audio[:sample_rate]))
            return SimpleNamespace(words=(), language="en")

    still = SimpleNamespace(name="x", landmarks=lambda f: None)
    for track in (None, 1):
        evaluate_sync(presenter, path, transcriber=Transcriber(), phonemizer=lambda *a: [], tracker=still,
                      audio_track=track)
    assert [round(h) for h in heard] == [880, 440]
    seen = {}

    def fake(*args, **options):
        seen.update(options)
        return judged[1]

    monkeypatch.setattr(pipeline.evaluate, "evaluate_sync", fake)
    assert main(["eval", "sync", "render.mp4", "--audio", str(path), "--audio-track", "2"]) == 0
    assert seen["audio_track"] == 2
    assert main(["eval", "sync", "render.mp4"]) == 0 and seen["audio_track"] is None
    capsys.readouterr()


# --------------------------------------------------------------------------- the source's reference


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b) ** 2))
    return 10 * math.log10(255 ** 2 / max(mse, 1e-9))


def test_reference_is_a_straight_reencode_forwards_and_backwards(demo_presenter, tmp_path):
    info = media.probe(demo_presenter).video
    n_out = 2 * info.frames + 10  # forwards, backwards, forwards again
    render = _typed_copy(demo_presenter, n_out, tmp_path / "render.mp4", TYPES)
    ref = _reference(demo_presenter, SimpleNamespace(width=info.width, height=info.height, frames=n_out),
                     tmp_path / "reference.mp4", render)
    tags = output_tags(info.width, info.height, info.colour)
    source = list(media.iter_planes(demo_presenter, tags))
    order = list(media.playback_indices(info.frames, n_out))
    got = list(media.iter_planes(ref, tags))
    assert len(got) == n_out
    scores = [_psnr(g.planes()[0], source[k].planes()[0]) for g, k in zip(got, order)]
    # one CRF 18 generation from the decoded planes, forwards and backwards (the ping-pong
    # intermediate is lossless), each frame the source frame its playback order names
    assert min(scores) > 40
    for i in range(info.frames + 5, 2 * info.frames - 5, 7):
        k = order[i]
        assert scores[i] > _psnr(got[i].planes()[0], source[k + 3].planes()[0]) + 3


#: A frame-type pattern libx264 would not choose by itself for the demo presenter.
TYPES = ("I", "P", "B", "P", "B", "B", "P")


def _typed_copy(video, n_out, out, pattern):
    """`video` in playback order, frame i coded as pattern[i % len(pattern)] (frame 0 "I")."""
    info = media.probe(video).video
    with media.FrameSequence(video) as seq, media.VideoWriter(
            out, info.width, info.height, info.fps, comment=None, colour=seq.output) as w:
        for i, (_, planes) in enumerate(seq.planes(media.playback_indices(info.frames, n_out))):
            w.write_planes(planes, pattern[i % len(pattern)])
    return out


def test_reference_takes_the_renders_frame_types(demo_presenter, tmp_path):
    # libx264 chooses a frame's type by its content, so a render and a plain re-encode of its
    # source code some frames differently (B is quantised coarser): the reference copies the
    # render's types, so untouched pixels are compared at equal frame types.
    info = media.probe(demo_presenter).video
    n_out = info.frames + 8
    render = _typed_copy(demo_presenter, n_out, tmp_path / "render.mp4", TYPES)
    want = picture_types(render, n_out)
    assert want[:len(TYPES)] == list(TYPES)
    out_info = SimpleNamespace(width=info.width, height=info.height, frames=n_out)
    assert picture_types(_reference(demo_presenter, out_info, tmp_path / "ref.mp4", render)) == want
    # Negative control: a "render" whose frame count does not match keeps libx264's own choice,
    # which is not this pattern.
    short = _typed_copy(demo_presenter, n_out - 3, tmp_path / "short.mp4", TYPES)
    assert picture_types(short, n_out) == []
    assert picture_types(_reference(demo_presenter, out_info, tmp_path / "own.mp4", short)) != want
