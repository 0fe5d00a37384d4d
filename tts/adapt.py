"""Adapt a synthesized voice toward a presenter's: pitch, formants and speaking rate, within bounds.

    adapted, how = tts.adapt_speech(speech, presenter_profile, encoder=encoder)
    adapted.audio, adapted.phonemes      # the timeline scaled by exactly the duration change

The change is bounded (AdaptOptions) and, when the presenter has a speaker embedding, chosen by
measurement: a few pitch and formant settings inside the bounds are tried on the first seconds of
the speech and the one whose speaker embedding is closest to the presenter's wins, leaving the
voice unchanged when no setting brings it closer (pitch alone does not make a voice sound like
someone: on Resemblyzer, moving all the way to the presenter's median F0 lowered the similarity
about as often as it raised it).

Praat's "Change gender" (through parselmouth) does the work: PSOLA resynthesis to a new pitch
median and range, a formant shift by resampling, and a uniform duration factor. A uniform duration
change scales every time by the same factor, so the phoneme, word and sentence timings are
multiplied by the measured ratio of output to input length: the timeline stays true to the audio.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from tts.audio import normalize_loudness
from tts.errors import SpeechError
from tts.languages import base
from tts.profile import NoSpeechError, SpeakerEncoder, VoiceProfile, cosine, to_analysis_rate, voice_profile
from tts.types import Phone, Speech, TimedText, check_timeline

log = logging.getLogger(__name__)

#: Praat's random generator is one per process: PSOLA draws from it (measured: the same input
#: changed twice in one process gave different samples, so the closest setting flipped between
#: near ties and a job run again gave another narration). Each change seeds it with
#: `PRAAT_SEED` under this lock, so the output depends on the input alone.
_PRAAT_LOCK = threading.Lock()
PRAAT_SEED = 18

# Praat's pitch analysis range for Change gender (its defaults are 75-600 Hz).
PITCH_FLOOR_HZ = 65.0
PITCH_CEILING_HZ = 600.0
# Formants move far less than F0 between speakers: men's mean formants are about 15-20 % below
# women's while their F0 is about an octave lower (Peterson & Barney 1952), i.e. formants follow
# pitch with an exponent of about log2(1.17) = 0.23 in log terms.
FORMANT_EXPONENT = 0.23


@dataclass(frozen=True)
class AdaptOptions:
    """Bounds of the adaptation. Semitones for pitch, ratios for the rest. The defaults are the
    widest bound measured (bench/bench_adapt_bounds.py); `options_for` narrows them per language."""

    max_pitch_shift_st: float = 4.0
    max_formant_ratio: float = 1.03  # and its inverse
    pitch_range_bounds: tuple[float, float] = (0.8, 1.25)
    # The duration changes by at most this fraction: 10 % faster with formants 1.05 raised Kokoro
    # jf_nezumi's Portuguese WER from 0.07 to 0.14 (bench/bench_voices.py), past the 0.05 bound.
    max_rate_change: float = 0.05
    match_rate: bool = True
    # Settings tried when the presenter has an embedding: fractions of the pitch shift toward the
    # presenter, and formant ratios (clipped to max_formant_ratio); the sample they are tried on.
    # Formants lowered by 3 % raised jf_gongitsune's Portuguese WER from 0.09 to 0.16: not tried.
    pitch_steps: tuple[float, ...] = (0.5, 1.0)
    formant_steps: tuple[float, ...] = (1.0, 1.03)
    trial_s: float = 10.0


@dataclass(frozen=True)
class LanguageBound:
    """The widest change that kept Whisper base's word error rate within 0.05 of the unadapted
    voice in one language (semitones, formant ratio, fraction of duration)."""

    max_pitch_shift_st: float
    max_formant_ratio: float
    max_rate_change: float


#: Per base language: the bound measured by bench/bench_adapt_bounds.py (the default voice and the
#: intelligible woman's voice with the lowest WER, then the other women's voices at the bound found
#: (`--voices ... --from-bound N`), each moved to both corners of the bound: pitch,
#: formants and range down and slower, or up and faster; Whisper base, the SOP text of
#: bench_tts.py), or None where no bound measured kept the word error within 0.05: that language
#: is not adapted. Languages missing here were not measured and are not adapted either.
LANGUAGE_BOUNDS: Mapping[str, LanguageBound | None] = {
    # 2026-11-30, worst change of Whisper base's WER over both voices and both corners:
    # en piper joe / jf_gongitsune (then jf_nezumi, jf_tebukuro, jf_alpha): 4 st, formants 3 %,
    # rate 5 %: +0.000.
    "en": LanguageBound(4.0, 1.03, 0.05),
    # es jm_kumo / jf_gongitsune (then jf_nezumi): 4 st, formants 3 %, rate 5 %: +0.050 (jm_kumo
    # lowered; jf_nezumi lowered).
    "es": LanguageBound(4.0, 1.03, 0.05),
    # pt jm_kumo / jf_nezumi: formants 3 % up cost jm_kumo +0.093; without a formant shift +0.000;
    # jf_gongitsune (a candidate too) lost +0.070 at 4 st without one, +0.023 at 2 st; but in
    # bench/bench_voices.py jm_kumo moved 2 st up toward shared presenter b lost +0.07 (0.09 -> 0.16)
    # and came out less similar (0.512 -> 0.503): no bound is safe in Portuguese yet.
    "pt": None,
    # de jm_kumo / jf_gongitsune: 4 st cost jf_gongitsune +0.458 (formants up) and +0.083 (without);
    # 2 st without a formant shift: +0.042 (jf_nezumi too: +0.042).
    "de": LanguageBound(2.0, 1.0, 0.05),
    # it jm_kumo (WER 0.000 unadapted) heard 0.075-0.100 after any resynthesis, down to 1 st, no
    # formant or rate change: Praat's PSOLA costs Italian more than 0.05 at every bound measured.
    "it": None,
}


def options_for(language: str, options: AdaptOptions = AdaptOptions()) -> AdaptOptions | None:
    """`options` narrowed to the language's measured bound (LANGUAGE_BOUNDS), or None when the
    language is not adapted (`not_adapted_reason` says why)."""
    bound = LANGUAGE_BOUNDS.get(base(language))
    if bound is None:
        return None
    return replace(options, max_pitch_shift_st=bound.max_pitch_shift_st, max_formant_ratio=bound.max_formant_ratio,
                   max_rate_change=bound.max_rate_change)


def not_adapted_reason(language: str) -> str | None:
    """Why speech in `language` is left unadapted ("not adapted: ..."), or None when it is adapted."""
    lang = base(language)
    if LANGUAGE_BOUNDS.get(lang) is not None:
        return None
    if lang in LANGUAGE_BOUNDS:
        return (f"not adapted: in {lang} the bounds measured raised Whisper's word error by more than 0.05 for "
                f"a voice (tts.adapt.LANGUAGE_BOUNDS)")
    return f"not adapted: no adaptation bound has been measured in {lang} (bench/bench_adapt_bounds.py)"


@dataclass(frozen=True)
class Adaptation:
    """What was done: the voice's and the presenter's median F0 (Hz), the pitch shift applied
    (semitones), the formant ratio, pitch range factor and duration factor (output/input length)."""

    voice_f0_hz: float
    presenter_f0_hz: float
    pitch_shift_st: float
    formant_ratio: float
    range_factor: float
    duration_factor: float
    similarity_before: float | None = None  # speaker similarity to the presenter on the trial sample
    similarity_after: float | None = None

    @property
    def changed(self) -> bool:
        return (self.pitch_shift_st, self.formant_ratio, self.range_factor, self.duration_factor) != (0, 1, 1, 1)

    def to_dict(self) -> dict:
        from dataclasses import asdict

        return {k: (round(v, 4) if v is not None else None) for k, v in asdict(self).items()}


def plan_adaptation(voice: VoiceProfile, presenter: VoiceProfile, options: AdaptOptions = AdaptOptions()) -> Adaptation:
    """The bounded change that moves `voice` toward `presenter` (both measured profiles).
    Raises SpeechError when either lacks a median F0."""
    if not voice.f0_median_hz or not presenter.f0_median_hz:
        raise SpeechError("adaptation needs the median pitch of both the voice and the presenter: "
                          "profile the presenter's speech first (tts.voice_profile)")
    wanted = 12 * math.log2(presenter.f0_median_hz / voice.f0_median_hz)
    shift = float(np.clip(wanted, -options.max_pitch_shift_st, options.max_pitch_shift_st))
    formant = 2 ** (FORMANT_EXPONENT * shift / 12)
    formant = float(np.clip(formant, 1 / options.max_formant_ratio, options.max_formant_ratio))
    range_factor = 1.0
    if voice.f0_low_hz and voice.f0_high_hz and presenter.f0_low_hz and presenter.f0_high_hz:
        spread = math.log(voice.f0_high_hz / voice.f0_low_hz)
        if spread > 0:
            range_factor = float(np.clip(math.log(presenter.f0_high_hz / presenter.f0_low_hz) / spread,
                                         *options.pitch_range_bounds))
    duration = 1.0
    if options.match_rate and voice.syllable_rate and presenter.syllable_rate:
        duration = float(np.clip(voice.syllable_rate / presenter.syllable_rate,
                                 1 - options.max_rate_change, 1 + options.max_rate_change))
    return Adaptation(voice.f0_median_hz, presenter.f0_median_hz, shift, formant, range_factor, duration)


def adapt_speech(speech: Speech, presenter: VoiceProfile, *, options: AdaptOptions | None = None,
                 voice: VoiceProfile | None = None, encoder: SpeakerEncoder | None = None,
                 ) -> tuple[Speech, Adaptation | None]:
    """`speech` moved toward `presenter`'s voice, its timings scaled to the new audio, and what was done.

    speech.audio: mono float32; the result keeps the sample rate and loudness target. `voice`: the
    synthesized voice's own profile (measured from `speech` when not given). `encoder`: reused for
    the trial embeddings. `options`: None for the speech language's measured bound (`options_for`).
    A presenter without a measured pitch (declared or default profile), or a language without a
    measured bound (when `options` is None), gives the speech back unchanged and None. Raises
    SpeechError when the speech has no voice to measure.
    """
    if not presenter.f0_median_hz:
        log.info("presenter has no measured pitch (%s profile): voice not adapted", presenter.source)
        return speech, None
    if options is None:
        options = options_for(speech.language)
        if options is None:
            log.info("voice %s %s", speech.voice, not_adapted_reason(speech.language))
            return speech, None
    if voice is None:
        try:
            voice = voice_profile(speech.audio, speech.sample_rate, embed=False)
        except NoSpeechError as exc:
            raise SpeechError(f"the synthesized speech could not be measured for adaptation: {exc}") from exc
    plan = plan_adaptation(voice, presenter, options)
    if presenter.embedding is not None:
        plan = _closest_plan(speech, presenter, plan, options, encoder or SpeakerEncoder())
    if not plan.changed:
        return speech, plan
    audio = change_gender(speech.audio, speech.sample_rate, plan)
    factor = len(audio) / max(len(speech.audio), 1)
    plan = replace(plan, duration_factor=factor)
    scale = _scaler(factor)
    phonemes = tuple(Phone(scale(p.start), scale(p.end), p.phone) for p in speech.phonemes)
    check_timeline(phonemes, len(audio) / speech.sample_rate)
    adapted = replace(
        speech, audio=normalize_loudness(audio, speech.sample_rate), phonemes=phonemes,
        words=tuple(TimedText(scale(w.start), scale(w.end), w.text) for w in speech.words),
        sentences=tuple(TimedText(scale(s.start), scale(s.end), s.text) for s in speech.sentences),
        rate=speech.rate / factor,
    )
    log.info("adapted %s toward the presenter: %s", speech.voice, plan.to_dict())
    return adapted, plan


def _closest_plan(speech: Speech, presenter: VoiceProfile, plan: Adaptation, options: AdaptOptions,
                  encoder: SpeakerEncoder) -> Adaptation:
    """Of the unchanged voice and the bounded settings, the one closest to the presenter's embedding."""
    sample = speech.audio[: int(options.trial_s * speech.sample_rate)]

    def similarity(audio: np.ndarray) -> float:
        return cosine(encoder.embed(to_analysis_rate(audio, speech.sample_rate)), presenter.embedding)

    before = similarity(sample)
    unchanged = replace(plan, pitch_shift_st=0.0, formant_ratio=1.0, range_factor=1.0, duration_factor=1.0)
    best, best_score = unchanged, before
    bound = options.max_formant_ratio
    formants = dict.fromkeys(float(np.clip(f, 1 / bound, bound)) for f in options.formant_steps)
    for step in options.pitch_steps:
        for formant in formants:  # a formant bound of 1.0 makes the steps one
            trial = replace(plan, pitch_shift_st=plan.pitch_shift_st * step, formant_ratio=formant)
            score = similarity(change_gender(sample, speech.sample_rate, trial))
            if score > best_score:
                best, best_score = trial, score
    return replace(best, similarity_before=round(before, 4), similarity_after=round(best_score, 4))


def change_gender(audio: np.ndarray, sample_rate: int, plan: Adaptation) -> np.ndarray:
    """Praat's "Change gender" with the plan's new median, formant ratio, range and duration.
    Returns mono float32 at `sample_rate`, clipped to [-1, 1]; the same samples for the same
    input on every call (Praat's generator seeded with `PRAAT_SEED` under a lock)."""
    import parselmouth
    from parselmouth.praat import call

    sound = parselmouth.Sound(np.asarray(audio, np.float64), float(sample_rate))
    new_median = plan.voice_f0_hz * 2 ** (plan.pitch_shift_st / 12)
    with _PRAAT_LOCK:
        parselmouth.praat.run(f"random_initializeWithSeedUnsafelyButPredictably ({PRAAT_SEED})\n")
        out = call(sound, "Change gender", PITCH_FLOOR_HZ, PITCH_CEILING_HZ, plan.formant_ratio, new_median,
                   plan.range_factor, plan.duration_factor)
    if int(round(out.sampling_frequency)) != int(sample_rate):
        out = out.resample(float(sample_rate))
    return np.clip(out.values[0], -1.0, 1.0).astype(np.float32)


def _scaler(factor: float):
    return lambda t: float(t) * factor
