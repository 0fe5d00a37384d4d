"""The lip-sync quality bars of issue 3, measured on real footage (../shared/media).

Presenters a, b and c are rendered once per narration (narration_en.wav, a recorded voice
that none of them spoke; and TTS narrations in English and Portuguese) and judged with the
second tracker (dlib) against what the heard words require, as the judge hears them itself
(`pipeline.evaluate.hearing`: the recogniser's word times, its own phoneme spreading onto
syllable nuclei and its own speech-activity gate; never the engine's aligner). Each render is also compared with a plain
re-encode of its source, played the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

pytestmark = [pytest.mark.media, pytest.mark.slow]

PRESENTERS = ("a", "b", "c")
TTS_TEXT = {
    "en": ["Clean the filling nozzle at the end of every shift.",
           "Wear gloves and safety glasses before you start."],
    "pt": ["Limpe o bico de enchimento no fim de cada turno.",
           "Use luvas e óculos de proteção antes de começar."],
}
#: Each narration's negative controls: the other narrations (other words or other timing).
#: One mismatched narration is a noisy control (its score spreads by +/-0.25 around zero on
#: 5 s clips), so a render is judged against each of them and the mean is the control.
OTHER = {"narration_en": ("tts_en", "tts_pt"), "tts_en": ("narration_en", "tts_pt"),
         "tts_pt": ("narration_en", "tts_en")}
CASES = [(p, "narration_en") for p in PRESENTERS] + [(p, n) for p in PRESENTERS for n in ("tts_en", "tts_pt")]

# The bars (issue 3, "Quality bars").
WORDS_MARGIN = 0.15
WORDS_LAG = 2
NEGATIVE_BELOW = 0.15
MOVEMENT_STD = 0.6
CHANGE_RANGE = (0.5, 1.5)
UPPER_FACE_DB = 40.0
SEAM_STEP = 1.2
SEAM_STEP_P90 = 1.5
SIDE_BAND_DB = 35.0  # a plain re-encode keeps 35-41 dB there; ghosting falls to 20-25 dB


@dataclass(frozen=True)
class Narration:
    name: str
    audio: np.ndarray
    rate: int
    #: the timeline that drives the render (the TTS's own, or transcribe -> tts.align_recognised as the
    #: engine times a recording)
    drive: tuple
    #: the judge's timeline of what the recogniser hears in it (pipeline.evaluate.hearing)
    heard: tuple
    language: str


class Lab:
    """Everything expensive, made once per module and only when a test asks for it."""

    def __init__(self, media: Path, workdir: Path):
        import lipsync
        import translate

        from pipeline.evaluate.hearing import JUDGE_RECOGNISER
        from pipeline.evaluate.tracker import DlibFaceTracker
        from pipeline.models import ModelStore

        self.media = media
        self.workdir = workdir
        self.transcriber = translate.Transcriber(ModelStore().path("whisper-base"), **JUDGE_RECOGNISER)
        self.tracker = DlibFaceTracker()
        self.engine = lipsync.LipSyncEngine(workdir / "cache")
        self._narrations: dict[str, Narration] = {}
        self._sources: dict[str, object] = {}
        self._renders: dict[tuple[str, str], object] = {}

    def hear(self, audio: np.ndarray, rate: int, language: str | None = None) -> tuple[tuple, str]:
        """The judge's timeline and language."""
        from pipeline.evaluate.hearing import hear

        heard = hear(audio, rate, language, transcriber=self.transcriber)
        return heard.phonemes, heard.language

    def engine_timing(self, audio: np.ndarray, rate: int) -> tuple:
        """A recording timed the way the engine times one (pipeline/steps.py)."""
        import tts

        words = self.transcriber.transcribe(audio, rate)
        return tuple(tts.align_recognised(audio, rate, words.words, words.language)[0])

    def narration(self, name: str) -> Narration:
        if name not in self._narrations:
            if name == "narration_en":
                from lipsync.media import read_audio

                audio, rate = read_audio(self.media / "narration_en.wav")
                heard, language = self.hear(audio, rate)
                drive = self.engine_timing(audio, rate)
            else:
                import tts

                language = name.split("_")[1]
                speech = tts.Synthesizer().synthesize(TTS_TEXT[language], language)
                audio, rate, drive = speech.audio, speech.sample_rate, tuple(speech.phonemes)
                heard, _ = self.hear(audio, rate, language)
            self._narrations[name] = Narration(name, audio, rate, drive, heard, language)
        return self._narrations[name]

    def presenter(self, p: str) -> Path:
        return self.media / f"presenter_{p}.mp4"

    def source_report(self, p: str):
        """The source footage judged against its own audio: the bar to beat."""
        if p not in self._sources:
            from lipsync.media import read_audio

            from pipeline.evaluate import evaluate_sync

            audio, rate = read_audio(self.presenter(p), 16000)
            heard, _ = self.hear(audio, rate)
            self._sources[p] = evaluate_sync(self.presenter(p), (audio, rate), heard_phonemes=heard,
                                             tracker=self.tracker)
        return self._sources[p]

    def render_report(self, p: str, name: str):
        if (p, name) not in self._renders:
            from pipeline.evaluate import evaluate_sync

            n = self.narration(name)
            out = self.workdir / f"{p}_{name}.mp4"
            self.engine.render(self.presenter(p), n.audio, n.rate, n.drive, out)
            self._renders[p, name] = evaluate_sync(out, (n.audio, n.rate), source=self.presenter(p),
                                                   heard_phonemes=n.heard, tracker=self.tracker,
                                                   workdir=self.workdir)
        return self._renders[p, name]


@pytest.fixture(scope="module")
def lab(shared_media, tmp_path_factory) -> Lab:
    return Lab(shared_media, tmp_path_factory.mktemp("sync_quality"))


def _values(r) -> str:
    return (f"words best {r.words.value:.3f}@{r.words.lag:+d}, at 0 {r.words.at(0):.3f}; envelope "
            f"{r.envelope.value:.3f}@{r.envelope.lag:+d}; std x{r.opening_std_ratio or float('nan'):.2f}; "
            f"change x{r.mouth_change_ratio or float('nan'):.2f}; upper {r.upper_face_psnr or float('nan'):.1f} dB; "
            f"side {r.side_band_psnr or float('nan'):.1f} dB; seam {r.seam_step or float('nan'):.2f} "
            f"(p90 {r.seam_step_p90 or float('nan'):.2f})")


#: Cases where the bar is not met (measured 2026-11-30 with the judge's own timing; this test and
#: bench/bench_quality.py give the same figures). Each source with its own audio scores (best
#: within +/-2 frames) a 0.58, b 0.30, c 0.44, so the bars are 0.73, 0.45, 0.59. Not met:
#: a x narration_en 0.60, a x tts_pt 0.55, c x narration_en 0.50, c x tts_pt 0.49-0.51 (b passes all
#: three, b x narration_en by 0.04; a and c pass on tts_en, 0.80 and 0.72). Before, the judge
#: timed the heard words with the engine's own aligner, which for narration_en is the very
#: timeline that drove the render: those renders were marked against their own target
#: (0.82 / 0.82 / 0.62). The judge's own timing (Whisper's word times, phones spread by class
#: weight, vowels on syllable nuclei) is coarser and scores the real footage lower too (a 0.69
#: -> 0.58, b 0.35 -> 0.30, c 0.53 -> 0.44). Its precision, its timeline against the synthesizer's
#: own on the TTS narrations, is 0.75 (en) and 0.58 (pt): a's bar on tts_pt (0.73) is above what
#: this judge can give any render there, and c's (0.59) at it. On c the exemplar renderer keeps the source's chin,
#: and where the source's jaw disagrees with the target the render strays from its track
#: 1.2-1.7x more (bench/bench_quality.py prints each factor; issue 18, item 4).
#: Kept visible as expected failures, not hidden.
WORDS_BAR_NOT_MET = {("a", "narration_en"), ("a", "tts_pt"), ("c", "narration_en"), ("c", "tts_pt")}
WORDS_CASES = [pytest.param(p, n, marks=pytest.mark.xfail(reason="words bar not met yet; see WORDS_BAR_NOT_MET"))
               if (p, n) in WORDS_BAR_NOT_MET else (p, n) for p, n in CASES]


@pytest.mark.parametrize("presenter,narration", WORDS_CASES)
def test_words_measure_beats_the_source_with_its_own_audio(lab, presenter, narration):
    render, source = lab.render_report(presenter, narration), lab.source_report(presenter)
    r_render, _ = render.words.best(within=WORDS_LAG)
    r_source, _ = source.words.best(within=WORDS_LAG)
    detail = f"render: {_values(render)} | source with own audio: words {r_source:.3f} (within +/-{WORDS_LAG})"
    assert abs(render.words.lag) <= WORDS_LAG, detail
    assert r_render >= r_source + WORDS_MARGIN, detail


@pytest.mark.parametrize("presenter,narration", CASES)
def test_negative_control_another_narration_scores_near_zero(lab, presenter, narration):
    from pipeline.evaluate import words_measure

    render = lab.render_report(presenter, narration)
    scores = {}
    for name in OTHER[narration]:
        other = lab.narration(name)
        scores[name] = words_measure(render.opening, render.fps, other.audio, other.rate, other.heard,
                                     render.max_lag).at(0)
    mean = sum(scores.values()) / len(scores)
    assert mean < NEGATIVE_BELOW, (
        f"judged against other narrations at lag 0: {scores} (mean {mean:.3f}); "
        f"against its own narration {render.words.at(0):.3f}")


@pytest.mark.parametrize("presenter,narration", CASES)
def test_the_mouth_moves_like_the_presenters_own(lab, presenter, narration):
    render = lab.render_report(presenter, narration)
    assert render.opening_std_ratio >= MOVEMENT_STD, _values(render)
    assert CHANGE_RANGE[0] <= render.mouth_change_ratio <= CHANGE_RANGE[1], _values(render)


@pytest.mark.parametrize("presenter,narration", CASES)
def test_only_the_lower_face_changes(lab, presenter, narration):
    render = lab.render_report(presenter, narration)
    assert render.upper_face_psnr >= UPPER_FACE_DB, _values(render)
    assert render.side_band_psnr >= SIDE_BAND_DB, _values(render)


@pytest.mark.parametrize("presenter,narration", CASES)
def test_no_visible_seam(lab, presenter, narration):
    render = lab.render_report(presenter, narration)
    assert render.seam_step <= SEAM_STEP and render.seam_step_p90 <= SEAM_STEP_P90, _values(render)
