"""The sync measures on synthetic signals and images, each with a negative control."""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np
import pytest

from pipeline.evaluate import LagCorrelation, evaluate_sync, lag_correlation
from pipeline.evaluate import image, regions
from pipeline.evaluate.hearing import phone_class, phone_weight, spread_phones, words_timeline
from pipeline.evaluate.speech import GRID_RATE, phone_openness, speech_activity, speech_envelope, words_opening

FPS = 25.0
RNG = np.random.default_rng(7)


def smooth_noise(n: int, sigma: float = 2.0, seed: int = 0) -> np.ndarray:
    from scipy.ndimage import gaussian_filter1d

    return gaussian_filter1d(np.random.default_rng(seed).normal(size=n), sigma)


def random_timeline(seconds: float, seed: int) -> list[tuple[float, float, str]]:
    """Syllable-like phones with pauses, like a narration's timeline."""
    rng = np.random.default_rng(seed)
    phones = ["p", "a", "t", "i", "m", "o", "s", "ɛ", "b", "u", "aɪ", "n"]
    t, out = 0.1, []
    while t < seconds - 0.3:
        d = float(rng.uniform(0.05, 0.15))
        out.append((t, t + d, str(rng.choice(phones))))
        t += d + (float(rng.uniform(0.2, 0.4)) if rng.random() < 0.1 else 0.0)
    return out


# --------------------------------------------------------------------------- correlation


def test_lag_correlation_finds_the_shift_and_mismatch_scores_near_zero():
    x = smooth_noise(400)
    late = np.concatenate([np.zeros(3), x[:-3]])  # the mouth comes 3 frames late
    lc = lag_correlation(late, x, max_lag=6)
    assert lc.lag == 3 and lc.value > 0.99
    assert lc.at(0) < lc.value
    other = lag_correlation(smooth_noise(400, seed=1), x, max_lag=6)  # negative control
    assert abs(other.at(0)) < 0.25 and other.value < 0.35


def test_lag_correlation_ignores_missing_frames_and_reports_undefined():
    x = smooth_noise(200)
    y = x.copy()
    y[50:60] = np.nan  # frames without a face
    assert lag_correlation(y, x, 2).at(0) == pytest.approx(1.0)
    flat = lag_correlation(np.ones(50), x[:50], 2)
    assert math.isnan(flat.value)
    lc = LagCorrelation((-1, 0, 1), (0.2, 0.5, 0.6))
    assert lc.best() == (0.6, 1) and lc.best(within=0) == (0.5, 0)
    assert lc.as_dict()["lag"] == 1


# --------------------------------------------------------------------------- speech


def test_phone_openness_orders_vowels_and_closes_bilabials():
    assert phone_openness("a") > phone_openness("ɛ") > phone_openness("i") > phone_openness("m") == 0.0
    assert phone_openness("ˈa") == phone_openness("aɪ") == phone_openness("a")
    assert phone_openness("t͡ʃ") == phone_openness("t")
    assert phone_openness("ã") == phone_openness("a")


def test_words_opening_follows_its_timeline_not_another():
    seconds = 8.0
    n = int(seconds * FPS)
    timeline = random_timeline(seconds, seed=1)
    target = words_opening(timeline, FPS, n)
    assert target.shape == (n,) and target.max() <= 1.0 and target.min() >= 0.0
    # A mouth that does what the words ask, with tracker noise, scores high at zero lag.
    mouth = 0.3 * target + 0.02 * RNG.normal(size=n)
    assert lag_correlation(mouth, target, 4).at(0) > 0.8
    # Negative control: another narration's words.
    other = words_opening(random_timeline(seconds, seed=2), FPS, n)
    assert abs(lag_correlation(mouth, other, 4).at(0)) < 0.3


def test_words_opening_is_closed_in_gaps_and_on_bilabials():
    target = words_opening([(1.0, 1.4, "a"), (2.0, 2.4, "m")], FPS, 100, smooth_s=0.02)
    assert target[int(1.2 * FPS)] > 0.9
    assert target[int(2.2 * FPS)] < 0.05
    assert target[int(0.5 * FPS)] == 0.0


def test_silence_closes_a_word_the_recogniser_stretched_over_a_pause():
    from tests.conftest import tone

    rate = 16000
    audio = np.concatenate([tone(1.0, rate), np.zeros(rate, np.float32)])  # speech, then 1 s pause
    audio += np.random.default_rng(0).normal(0, 1e-3, len(audio)).astype(np.float32)  # room noise
    voiced = speech_activity(audio, rate)
    assert voiced[20:180].mean() > 0.4 and not voiced[220:380].any()  # 4 Hz bursts: half voiced
    stretched = [(0.1, 0.4, "a"), (0.5, 1.9, "a")]  # the last word given the whole pause
    gated = words_opening(stretched, FPS, 50, voiced=voiced)
    assert gated[int(1.5 * FPS):].max() < 0.05
    assert words_opening(stretched, FPS, 50)[int(1.5 * FPS)] > 0.9  # negative control: no gate


def test_words_measure_judges_only_the_frames_the_audio_covers():
    from pipeline.evaluate import words_measure
    from tests.conftest import tone

    timeline = random_timeline(2.0, seed=3)
    t = np.arange(32000) / 16000
    audio = (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)  # 2 s of steady sound: nothing gated
    opening = np.concatenate([words_opening(timeline, FPS, 50), np.linspace(1, 0, 50)])  # 4 s of video
    measure = words_measure(opening, FPS, audio, 16000, timeline, max_lag=2)
    assert measure.at(0) > 0.95  # the 2 s past the audio's end are not judged
    wrong = words_measure(opening[::-1].copy(), FPS, audio, 16000, timeline, max_lag=2)
    assert wrong.at(0) < 0.5  # negative control


def test_speech_envelope_follows_syllables_not_another_rhythm():
    rate, seconds = 16000, 6.0
    t = np.arange(int(rate * seconds)) / rate
    syllables = np.clip(smooth_noise(int(seconds * 200), sigma=8, seed=3), 0, None)
    loud = np.interp(t, np.arange(len(syllables)) / 200, syllables)
    audio = (loud * np.sin(2 * np.pi * 180 * t)).astype(np.float32)
    n = int(seconds * FPS)
    env = speech_envelope(audio, rate, FPS, n)
    mouth = np.interp(np.arange(n) / FPS, np.arange(len(syllables)) / 200, syllables)
    assert lag_correlation(mouth, env, 3).at(0) > 0.7
    other = np.clip(smooth_noise(int(seconds * 200), sigma=8, seed=4), 0, None)
    other_mouth = np.interp(np.arange(n) / FPS, np.arange(len(other)) / 200, other)
    assert abs(lag_correlation(other_mouth, env, 3).at(0)) < 0.3  # negative control
    # A slow swell (0.1 Hz) is outside the syllable band and is removed.
    swell = speech_envelope((np.sin(2 * np.pi * 0.1 * t) + 1.5) * np.sin(2 * np.pi * 180 * t), rate, FPS, n)
    assert np.abs(swell[25:-25]).max() < 0.1


# --------------------------------------------------------------------------- the judge's own timing


def test_phones_share_their_word_by_class_weight():
    assert phone_class("aɪ") == "diphthong" and phone_class("ɑ") == "open_vowel" and phone_class("ə") == "reduced_vowel"
    assert phone_class("t͡ʃ") == "affricate" and phone_class("t") == "stop" and phone_class("ˈ") is None
    assert phone_weight("aɪ") > phone_weight("a") > phone_weight("i") > phone_weight("ə") > phone_weight("t")
    spread = spread_phones(1.0, 1.5, ["m", "ˈ", "a", "t"])  # the stress mark has no duration
    assert [p for _, _, p in spread] == ["m", "a", "t"]
    assert spread[0][0] == 1.0 and spread[-1][1] == pytest.approx(1.5)
    assert all(a[1] == pytest.approx(b[0]) for a, b in zip(spread, spread[1:]))  # end to end
    durations = {p: e - s for s, e, p in spread}
    assert durations["a"] / durations["t"] == pytest.approx(phone_weight("a") / phone_weight("t"))
    assert spread_phones(1.0, 1.0, ["a"]) == () and spread_phones(1.0, 2.0, []) == ()


def test_words_timeline_looks_up_each_word_and_times_it_itself():
    looked_up = []

    def phonemizer(text, language):
        looked_up.append((text, language))
        return {"mama": [("mama", ("m", "a", "m", "a"))], "-": []}[text]

    timeline = words_timeline([(0.2, 0.6, "mama"), (0.7, 0.8, "-"), (1.0, 1.4, "mama")], "pt", phonemizer)
    assert looked_up == [("mama", "pt"), ("-", "pt"), ("mama", "pt")]
    assert len(timeline) == 8 and timeline[0][0] == 0.2 and timeline[3][1] == pytest.approx(0.6)
    assert timeline[4][0] == 1.0  # the word without phones stays silent


def test_words_are_trimmed_to_speech_and_vowels_moved_onto_syllable_nuclei():
    from pipeline.evaluate.hearing import syllable_nuclei
    from tests.conftest import tone

    rate = 16000
    audio = np.concatenate([tone(1.0, rate), np.zeros(rate, np.float32)])  # 4 bursts, then a pause
    audio += np.random.default_rng(0).normal(0, 1e-3, len(audio)).astype(np.float32)
    heard = syllable_nuclei(audio, rate)
    assert [round(t, 2) for t, _ in heard.nuclei] == pytest.approx([0.0625, 0.3125, 0.5625, 0.8125], abs=0.02)  # burst peaks

    def phonemizer(text, language):
        return [(text, ("p", "a", "p", "a"))]

    # The recogniser gave the second word the pause after it.
    timeline = words_timeline([(0.0, 0.55, "papa"), (0.55, 1.9, "papa")], "en", phonemizer, heard)
    vowels = [(s, e) for s, e, p in timeline if p == "a"]
    assert all(s < t < e for (s, e), (t, _) in zip(vowels, heard.nuclei))  # each vowel on its nucleus
    assert timeline[-1][1] < 1.05  # trimmed to the heard part, not the pause
    # Negative control: noise has no nuclei and no speech, so the plain spread stands.
    quiet = syllable_nuclei(RNG.normal(0, 0.1, 2 * rate).astype(np.float32), rate)
    assert quiet.nuclei == () and words_timeline([(0.0, 1.9, "papa")], "en", phonemizer, quiet) == \
        words_timeline([(0.0, 1.9, "papa")], "en", phonemizer)


def test_words_timeline_of_real_words_through_espeak():
    timeline = words_timeline([(0.0, 0.5, "Clean"), (0.5, 0.8, "the"), (0.8, 1.4, "nozzle.")], "en")
    assert "".join(p for _, _, p in timeline).startswith("kli")
    assert timeline[-1][1] == pytest.approx(1.4) and all(s < e for s, e, _ in timeline)


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


#: What the judge must not share code with (DESIGN.md, "Measuring"): the engine's timing of
#: recorded speech and its mouth model.
ENGINE_TIMING = {"tts.align", "tts.warping", "tts.timing", "lipsync.voicing", "lipsync.mouth"}
PROJECT = {"tts", "lipsync", "translate", "pipeline", "api"}


def _project_imports(module: str) -> set[str]:
    """The project modules `module`'s source imports anywhere (functions too). `import pkg` is
    the package's __init__ (all it exports); `from pkg import name` is the module defining name."""
    import ast
    import importlib
    import importlib.util

    spec = importlib.util.find_spec(module)
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    package = module if spec.submodule_search_locations else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = importlib.util.resolve_name("." * node.level + (node.module or ""), package)
            if base.split(".")[0] not in PROJECT:
                continue
            for alias in node.names:
                full = f"{base}.{alias.name}"
                if importlib.util.find_spec(base).submodule_search_locations and importlib.util.find_spec(full):
                    found.add(full)  # a module of a package
                else:
                    where = getattr(getattr(importlib.import_module(base), alias.name), "__module__", None) or base
                    found.add(where if where.split(".")[0] in PROJECT else base)
    return {m for m in found if m.split(".")[0] in PROJECT}


def _reached(start: set[str]) -> set[str]:
    seen, todo = set(), list(start)
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(_project_imports(module) - seen)
    return seen


def test_the_judge_shares_no_code_with_the_engines_timing_or_mouth_model():
    import pkgutil

    import pipeline.evaluate

    judge = {f"pipeline.evaluate.{m.name}" for m in pkgutil.iter_modules(pipeline.evaluate.__path__)}
    assert {"pipeline.evaluate.hearing", "pipeline.evaluate.speech", "pipeline.evaluate.sync"} <= judge
    reached = _reached(judge)
    assert "tts.phonemes" in reached and "lipsync.media" in reached  # the walk follows imports
    assert not reached & ENGINE_TIMING, sorted(reached & ENGINE_TIMING)
    # Negative control: the walk does find the engine's timing where it is used.
    assert "tts.align" in _reached({"pipeline.steps"})
    assert "lipsync.voicing" in _reached({"lipsync.mouth"})


# --------------------------------------------------------------------------- speech activity


def test_speech_activity_is_on_for_speech_and_off_for_silence_and_noise():
    from tts.espeak import Espeak
    from tts.phonemes import espeak_voice_for

    spoken = Espeak.shared().synthesize("Clean the filling nozzle at the end of every shift.", espeak_voice_for("en"))
    rate, pad = spoken.sample_rate, np.zeros(spoken.sample_rate, np.float32)  # 1 s of silence either side
    audio = np.concatenate([pad, spoken.audio, pad])
    audio = audio + np.random.default_rng(1).normal(0, 1e-3, len(audio)).astype(np.float32)  # room noise
    voiced = speech_activity(audio, rate)
    assert len(voiced) == int(len(audio) / rate * GRID_RATE)
    inside = voiced[int((1 + spoken.words[0].start) * GRID_RATE):int((1 + spoken.end) * GRID_RATE)]
    assert inside.mean() > 0.6
    assert not voiced[: int(0.9 * GRID_RATE)].any() and not voiced[-int(0.9 * GRID_RATE):].any()
    # Negative controls: digital silence, steady white noise, and loud noise bursts are never speech.
    assert not speech_activity(np.zeros(rate * 2, np.float32), rate).any()
    assert not speech_activity(RNG.normal(0, 0.1, rate * 2).astype(np.float32), rate).any()
    bursts = RNG.normal(0, 0.2, rate * 2) * (np.arange(rate * 2) % (rate // 2) < rate // 4)
    assert speech_activity(bursts.astype(np.float32), rate).mean() < 0.05


# --------------------------------------------------------------------------- images


@pytest.fixture(scope="module")
def face():
    """The astronaut frame and its dlib landmarks (a real face)."""
    from pipeline.demo import astronaut_image, idle_frame
    from pipeline.evaluate.tracker import DlibFaceTracker

    frame = idle_frame(astronaut_image(), 0.0, 480)
    tracker = DlibFaceTracker()
    landmarks = tracker.landmarks(frame)
    assert landmarks is not None
    return SimpleNamespace(frame=frame, landmarks=landmarks, tracker=tracker)


def test_tracker_measures_a_real_mouth_and_reports_no_face(face):
    assert 0.05 < regions.inner_lip_opening(face.landmarks) < 0.5
    assert 40 < regions.eye_distance(face.landmarks) < 200
    assert face.tracker.landmarks(np.full((240, 320, 3), 128, np.uint8)) is None


def test_predictor_comes_from_the_model_store(tmp_path, monkeypatch):
    from pipeline.errors import ModelNotFoundError
    from pipeline.evaluate.tracker import MODEL_FILE, find_predictor
    from pipeline.models import ModelStore

    assert find_predictor().name == MODEL_FILE  # the eval extra's package, through the store
    store = ModelStore(tmp_path)
    entry = tmp_path / "dlib-shape-predictor-68"
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    with pytest.raises(ModelNotFoundError, match=rf"dlib-shape-predictor-68.*searched: {entry}.*polydub\[eval\]"):
        find_predictor(store=store)
    entry.mkdir()
    (entry / MODEL_FILE).write_bytes(b"x")
    assert find_predictor(store=store) == entry / MODEL_FILE
    with pytest.raises(ModelNotFoundError, match="dlib-shape-predictor-68.*searched:.*missing.dat"):
        find_predictor(tmp_path / "missing.dat")


def test_regions_sit_where_they_should(face):
    lm, shape = face.landmarks, face.frame.shape
    upper = regions.upper_face_mask(lm, shape)
    side = regions.side_band_mask(lm, shape)
    search = regions.lower_face_search_mask(lm, shape)
    mouth_y = lm[48:60, 1].mean()
    ys = np.nonzero(upper)[0]
    assert ys.max() < lm[31:36, 1].min() < mouth_y  # above the nose
    assert search[int(mouth_y), int(lm[48:60, 0].mean())] and not (upper & search).any()
    assert not (side & search).any() and side[int(mouth_y)].any()
    x0, y0, x1, y1 = regions.mouth_box(lm, shape)
    assert x0 < lm[48, 0] < lm[54, 0] < x1 and y0 < mouth_y < y1


def test_psnr_drops_when_the_band_beside_the_face_is_blurred(face):
    frame, lm = face.frame, face.landmarks
    side = regions.side_band_mask(lm, frame.shape)
    noisy = np.clip(frame + RNG.normal(0, 1.0, frame.shape), 0, 255).astype(np.uint8)  # like a re-encode
    assert image.psnr(frame, frame, side) == math.inf
    clean = image.psnr(frame, noisy, side)
    assert clean > 45
    ghost = noisy.copy()
    ghost[side] = cv2.GaussianBlur(frame, (0, 0), 4)[side]  # negative control: ghosting
    assert image.psnr(frame, ghost, side) < clean - 10


def _paste(frame, lm, feather: float, gain: float = 1.25) -> np.ndarray:
    """Brighten a box around the mouth, with a hard edge (feather 0) or a feathered one."""
    x0, y0, x1, y1 = regions.mouth_box(lm, frame.shape, margin=0.4)
    alpha = np.zeros(frame.shape[:2], np.float32)
    alpha[y0:y1, x0:x1] = 1.0
    if feather:
        alpha = cv2.GaussianBlur(alpha, (0, 0), feather)
    brighter = np.clip(frame.astype(np.float32) * gain + 12, 0, 255)
    out = frame * (1 - alpha[..., None]) + brighter * alpha[..., None]
    return np.round(out).astype(np.uint8)


def test_seam_step_rises_for_a_hard_pasted_box_only(face):
    frame, lm = face.frame, face.landmarks
    search = regions.lower_face_search_mask(lm, frame.shape)
    hard = image.seam_step(_paste(frame, lm, 0), frame, search)
    soft = image.seam_step(_paste(frame, lm, 8), frame, search)
    assert hard > 1.5  # negative control: a visible seam
    assert soft < 1.3
    assert math.isnan(image.seam_step(frame, frame, search))  # nothing changed


def test_region_change_is_zero_when_still_and_grows_with_motion(face):
    frame, lm = face.frame, face.landmarks
    box = regions.mouth_box(lm, frame.shape)
    assert image.region_change(frame, frame, box) == 0.0
    moved = np.roll(frame, 3, axis=0)
    assert image.region_change(frame, moved, box) > 2.0


# --------------------------------------------------------------------------- composed


@pytest.fixture(scope="module")
def presenter(tmp_path_factory):
    """A short, small presenter (1.2 s, 30 frames, 320x320) whose mouth really moves: the demo
    presenter made to speak by the warp renderer. A still's mouth does not move, and the
    spread of a copy's opening against its source's is then a ratio of two noises."""
    from lipsync import LipSyncEngine
    from pipeline.demo import make_demo_presenter
    from tests.conftest import tone

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
            frame = _paste(frame, lm, 0, gain=1.4)
            upper = regions.upper_face_mask(lm, frame.shape)
            frame[upper] = cv2.GaussianBlur(frame, (0, 0), 3)[upper]
            writer.write(frame)
    return out


@pytest.fixture(scope="module")
def judged(presenter, tampered, face):
    """(a plain copy judged against its source, the tampered copy judged the same way)"""
    from tests.conftest import tone

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

    from tests.conftest import tone

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


def test_side_band_leaves_out_what_lies_below_the_jaw(face):
    """A renderer may now move the chin and the neck under it (issue 18, item 4): the band
    beside the face leaves them out, and still covers the mouth's height on both sides."""
    lm, shape = face.landmarks, face.frame.shape
    below = regions.below_jaw_mask(lm, shape)
    side = regions.side_band_mask(lm, shape)
    s = regions.eye_distance(lm)
    chin_x, chin_y = int(lm[8, 0]), int(lm[8, 1])
    assert below[chin_y, chin_x] and below[int(chin_y + 0.5 * s), chin_x]  # the chin and the neck under it
    assert not below[int(lm[48:60, 1].mean()), int(lm[48:60, 0].mean())]  # not the mouth
    assert not (side & below).any()
    mouth_y = int(lm[48:60, 1].mean())
    row = np.nonzero(side[mouth_y])[0]
    assert (row < lm[0:17, 0].min()).any() and (row > lm[0:17, 0].max()).any()


def test_a_moved_chin_keeps_the_side_band_and_ghosting_still_shows(face):
    """A change under the jaw leaves the band beside the face alone; ghosting beside the face
    (negative control) still drops its PSNR."""
    frame, lm = face.frame, face.landmarks
    side = regions.side_band_mask(lm, frame.shape)
    moved = frame.copy()
    moved[regions.below_jaw_mask(lm, frame.shape)] //= 2  # a chin and neck blended in
    assert image.psnr(frame, moved, side) == math.inf
    assert (moved != frame).any()
    ghost = moved.copy()
    ghost[side] = cv2.GaussianBlur(frame, (0, 0), 4)[side]
    assert image.psnr(frame, ghost, side) < 35
