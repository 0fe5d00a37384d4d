"""Test-made presenter voices: synthetic speech at a known register, music, noise, silence."""

from __future__ import annotations

import numpy as np

# Kokoro's Japanese-style voices read English from espeak-ng IPA: jf_alpha (median F0 ~265 Hz) is
# a woman's voice, jm_kumo (~90 Hz) a man's (measured with tts.voice_profile).
FEMALE = "kokoro:jf_alpha"
MALE = "kokoro:jm_kumo"
SENTENCES = ("Clean the filling nozzle at the end of every shift.", "Then switch off the machine.")


def speak(synth, voice: str, sentences=SENTENCES, language: str = "en") -> tuple[np.ndarray, int]:
    """(mono float32 audio, sample rate) of `sentences` in `voice`."""
    speech = synth.synthesize(list(sentences), language, voice=voice)
    return speech.audio, speech.sample_rate


def tune(seconds: float = 4.0, sample_rate: int = 16000) -> np.ndarray:
    """Music: a melody of held harmonic notes, 0.3 s each."""
    notes = (220.0, 247.0, 262.0, 294.0, 330.0, 349.0, 392.0, 440.0)
    t = np.arange(int(0.3 * sample_rate)) / sample_rate
    one = [sum(np.sin(2 * np.pi * f * k * t) / k for k in (1, 2, 3)) for f in notes]
    out = np.concatenate([one[i % len(one)] for i in range(int(seconds / 0.3))])
    return (0.2 * out).astype(np.float32)


def noise(seconds: float = 4.0, sample_rate: int = 16000, seed: int = 0) -> np.ndarray:
    return (0.1 * np.random.default_rng(seed).standard_normal(int(seconds * sample_rate))).astype(np.float32)


def resample(audio: np.ndarray, sample_rate: int, target: int = 16000) -> np.ndarray:
    import librosa

    return librosa.resample(audio, orig_sr=sample_rate, target_sr=target).astype(np.float32)


def pitched(audio: np.ndarray, sample_rate: int, semitones: float) -> np.ndarray:
    """`audio` another speaker could have said: its pitch moved by `semitones` and its formants with
    it (exponent 0.23, as tts.adapt.FORMANT_EXPONENT), by Praat's "Change gender"; same length."""
    import parselmouth
    from parselmouth.praat import call

    sound = parselmouth.Sound(np.asarray(audio, np.float64), float(sample_rate))
    median = median_f0(audio, sample_rate)
    out = call(sound, "Change gender", 60, 500, 2 ** (0.23 * semitones / 12), median * 2 ** (semitones / 12), 1.0, 1.0)
    return out.values[0].astype(np.float32)


def _pitch(audio: np.ndarray, sample_rate: int):
    import parselmouth

    return parselmouth.Sound(np.asarray(audio, np.float64), float(sample_rate)).to_pitch(0.01, 60.0, 500.0)


def median_f0(audio: np.ndarray, sample_rate: int) -> float:
    """Median F0 (Hz) of the voiced 10 ms frames, by Praat's own pitch tracker (not tts.profile's)."""
    values = _pitch(audio, sample_rate).selected_array["frequency"]
    return float(np.median(values[values > 0]))


def voiced_times(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """Times (s) of the voiced 10 ms frames, by Praat's pitch tracker."""
    pitch = _pitch(audio, sample_rate)
    return pitch.xs()[pitch.selected_array["frequency"] > 0]


def speechlike(seconds: float = 3.0, sample_rate: int = 24000, f0: float = 220.0) -> np.ndarray:
    """A sound `tts.voice_profile` takes for speech: a pitch gliding around `f0` (±40 Hz, as
    intonation does; a held pitch reads as music) with four syllables a second. Mono float32."""
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    phase = 2 * np.pi * np.cumsum(f0 + 40 * np.sin(2 * np.pi * 1.3 * t) + 25 * np.sin(2 * np.pi * 3.1 * t)) / sample_rate
    syllables = np.clip(np.sin(2 * np.pi * 4 * t), 0, None) ** 0.5
    return (0.2 * syllables * sum(np.sin(k * phase) / k for k in (1, 2, 3, 4))).astype(np.float32)


class CountingSynth:
    """A `tts.Synthesizer` stand-in: says `speechlike()` (3 s) for any text and records each call
    as (text, tag, voice id); a voice id in `failing` raises SpeechError."""

    def __init__(self, failing=()):
        self.calls: list[tuple[str, str, str]] = []
        self.failing = set(failing)

    def synthesize(self, sentences, language, *, voice):
        import tts
        from tts.errors import SpeechError

        self.calls.append((" ".join(sentences), language, voice.id))
        if voice.id in self.failing:
            raise SpeechError(f"{voice.id} cannot speak here")
        return tts.Speech(audio=speechlike(), sample_rate=24000, phonemes=(), words=(), sentences=(),
                          language=language, voice=voice.id, backend=voice.backend, rate=1.0)


class OneSpeakerEncoder:
    """A `tts.SpeakerEncoder` stand-in (the real one loads a model): one speaker, the embedding
    a fixed unit vector of `size` values."""

    def __init__(self, size: int = 8):
        self.size = size

    def embed(self, audio: np.ndarray) -> np.ndarray:
        return np.ones(self.size, dtype=np.float32) / np.sqrt(self.size)

    def windows(self, audio: np.ndarray):
        return np.ones((1, self.size), dtype=np.float32), [slice(0, len(audio))]
