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
from dataclasses import dataclass, replace

import numpy as np

from tts.audio import normalize_loudness
from tts.errors import SpeechError
from tts.languages import base
from tts.profile import NoSpeechError, SpeakerEncoder, VoiceProfile, cosine, to_analysis_rate, voice_profile
from tts.types import Phone, Speech, TimedText, check_timeline

log = logging.getLogger(__name__)

# Praat's pitch analysis range for Change gender (its defaults are 75-600 Hz).
PITCH_FLOOR_HZ = 65.0
PITCH_CEILING_HZ = 600.0
# Formants move far less than F0 between speakers: men's mean formants are about 15-20 % below
# women's while their F0 is about an octave lower (Peterson & Barney 1952), i.e. formants follow
# pitch with an exponent of about log2(1.17) = 0.23 in log terms.
FORMANT_EXPONENT = 0.23


@dataclass(frozen=True)
class AdaptOptions:
    """Bounds of the adaptation (chosen so Whisper's WER stays within 0.05 of the unadapted voice;
    measured by bench/bench_voices.py). Semitones for pitch, ratios for the rest."""

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
    # Languages where adapting kept Whisper's WER within 0.05 of the unadapted voice on every
    # presenter measured (bench/bench_voices.py: en 5/5; pt 3/5, up to +0.07 with jf_gongitsune):
    # speech in other languages is left unchanged.
    languages: tuple[str, ...] = ("en",)
    trial_s: float = 10.0


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


def adapt_speech(speech: Speech, presenter: VoiceProfile, *, options: AdaptOptions = AdaptOptions(),
                 voice: VoiceProfile | None = None, encoder: SpeakerEncoder | None = None,
                 ) -> tuple[Speech, Adaptation | None]:
    """`speech` moved toward `presenter`'s voice, its timings scaled to the new audio, and what was done.

    speech.audio: mono float32; the result keeps the sample rate and loudness target. `voice`: the
    synthesized voice's own profile (measured from `speech` when not given). `encoder`: reused for
    the trial embeddings. A presenter without a measured pitch (declared or default profile), or a
    language outside `options.languages`, gives the speech back unchanged and None. Raises SpeechError when the speech has no voice to measure.
    """
    if not presenter.f0_median_hz:
        log.info("presenter has no measured pitch (%s profile): voice not adapted", presenter.source)
        return speech, None
    if base(speech.language) not in options.languages:
        log.info("voice not adapted in %s: adaptation is measured within the intelligibility bound only in %s",
                 speech.language, ", ".join(options.languages))
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
    for step in options.pitch_steps:
        for formant in options.formant_steps:
            trial = replace(plan, pitch_shift_st=plan.pitch_shift_st * step,
                            formant_ratio=float(np.clip(formant, 1 / bound, bound)))
            score = similarity(change_gender(sample, speech.sample_rate, trial))
            if score > best_score:
                best, best_score = trial, score
    return replace(best, similarity_before=round(before, 4), similarity_after=round(best_score, 4))


def change_gender(audio: np.ndarray, sample_rate: int, plan: Adaptation) -> np.ndarray:
    """Praat's "Change gender" with the plan's new median, formant ratio, range and duration.
    Returns mono float32 at `sample_rate`, clipped to [-1, 1]."""
    import parselmouth
    from parselmouth.praat import call

    sound = parselmouth.Sound(np.asarray(audio, np.float64), float(sample_rate))
    new_median = plan.voice_f0_hz * 2 ** (plan.pitch_shift_st / 12)
    out = call(sound, "Change gender", PITCH_FLOOR_HZ, PITCH_CEILING_HZ, plan.formant_ratio, new_median,
               plan.range_factor, plan.duration_factor)
    if int(round(out.sampling_frequency)) != int(sample_rate):
        out = out.resample(float(sample_rate))
    return np.clip(out.values[0], -1.0, 1.0).astype(np.float32)


def _scaler(factor: float):
    return lambda t: float(t) * factor
