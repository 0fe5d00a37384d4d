"""A presenter's voice profile from their own speech: pitch, register, speaking rate, embedding.

    profile = tts.voice_profile(audio, sample_rate)   # mono float32; raises NoSpeechError
    profile.register, profile.f0_median_hz, profile.syllable_rate, profile.embedding
    tts.declared_profile("female")                      # a presenter without speech

The leaf never reads media files: the pipeline decodes the presenter's track and passes samples.
Speech is where webrtcvad hears speech and Praat (parselmouth) finds voicing; music made of steady
pitched notes is told apart by how steady its pitch is. Two speakers are found by clustering the
speaker embeddings (Resemblyzer's pretrained `VoiceEncoder`, shipped inside the package) of short
windows; the larger cluster is the presenter.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from tts.errors import SpeechError

log = logging.getLogger(__name__)

ANALYSIS_RATE = 16000  # Hz: webrtcvad's and Resemblyzer's rate
FRAME_S = 0.01  # pitch and intensity step
VAD_FRAME_S = 0.03
# Praat's pitch floor/ceiling for speech of men and women (Praat's manual suggests 75-600 Hz; 65 Hz
# keeps very low male voices).
PITCH_FLOOR_HZ = 65.0
PITCH_CEILING_HZ = 500.0
# Register from the median speaking F0. Adult speaking F0 is typically about 85-180 Hz for men and
# 165-255 Hz for women (Baken & Orlikoff, "Clinical Measurement of Speech and Voice", 2000, as
# commonly quoted); between 145 and 175 Hz the two overlap (the band voice-feminisation studies call
# gender-ambiguous), so a median there is "unknown" rather than a guess.
MALE_MAX_HZ = 145.0
FEMALE_MIN_HZ = 175.0
MAX_SPEECH_S = 120.0  # a profile reads at most this much speech (a long video's first two minutes)
MIN_SPEECH_S = 2.0  # less than this gives no reliable F0 spread or embedding (one 1.6 s window)
# Music: share of consecutive voiced 10 ms frames whose pitch moves less than 0.05 semitone. Speech
# glides (measured 0.08-0.28 on Kokoro, Piper and the three shared presenters); held notes do not
# (0.92 on a synthetic tune). Vibrato-rich singing is not told apart.
STEADY_PITCH_ST = 0.05
MUSIC_STEADY_SHARE = 0.6
# Two speakers: cosine distance (1 - similarity) between Resemblyzer window embeddings above which
# they are different people. Same-speaker windows measured 0.05-0.2 apart; Kokoro jf_alpha vs
# jm_kumo about 0.4 (tests/tts/test_profile.py).
SPEAKER_DISTANCE = 0.3
MIN_OTHER_SHARE = 0.2  # a second speaker with less than this share of the windows is ignored
# Syllable nuclei (after de Jong & Wempe 2009, "Praat script to detect syllable nuclei"): intensity
# peaks at least 2 dB above the dips around them, no more than 25 dB under the loudest, and voiced.
NUCLEUS_DIP_DB = 2.0
NUCLEUS_FLOOR_DB = 25.0

REGISTERS = ("female", "male", "unknown")


class NoSpeechError(SpeechError):
    """The track has no usable speech (silence, music, noise, or under MIN_SPEECH_S of it)."""


@dataclass(frozen=True)
class VoiceProfile:
    """What a voice sounds like, for choosing and adapting a synthetic voice.

    source: "speech" (measured on the presenter's track), "declared" (given by the user) or
    "default" (nothing known). register: "female", "male" or "unknown". f0_*_hz: median, 10th and
    90th percentile of the fundamental frequency over the speech (Hz). syllable_rate: syllable
    nuclei per second of speech, pauses excluded (articulation rate). speech_s: seconds of speech
    analysed. embedding: 256 floats, unit length (Resemblyzer). voice: a voice id the user declared.
    notes: what the analysis had to decide (e.g. a second speaker ignored), for the report.
    """

    source: str
    register: str = "unknown"
    f0_median_hz: float | None = None
    f0_low_hz: float | None = None
    f0_high_hz: float | None = None
    syllable_rate: float | None = None
    speech_s: float = 0.0
    embedding: tuple[float, ...] | None = field(default=None, repr=False)
    voice: str | None = None
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.register not in REGISTERS:
            raise SpeechError(f"voice register {self.register!r} is not one of {', '.join(REGISTERS)}")

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "embedding": list(self.embedding) if self.embedding else None,
                "notes": list(self.notes)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VoiceProfile:
        data = dict(data)
        emb = data.get("embedding")
        data["embedding"] = tuple(float(x) for x in emb) if emb else None
        data["notes"] = tuple(data.get("notes") or ())
        return cls(**data)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> VoiceProfile:
        return cls.from_dict(json.loads(text))


def register_for(f0_median_hz: float | None) -> str:
    """"female", "male" or "unknown" from a median speaking F0 (Hz); thresholds above."""
    if f0_median_hz is None or not np.isfinite(f0_median_hz):
        return "unknown"
    if f0_median_hz <= MALE_MAX_HZ:
        return "male"
    return "female" if f0_median_hz >= FEMALE_MIN_HZ else "unknown"


def declared_profile(declared: str | None) -> VoiceProfile:
    """The profile of a presenter without speech: "female", "male", a voice id, or None (default)."""
    if declared is None or not declared.strip():
        return VoiceProfile("default", notes=("no speech and nothing declared: the language's default voice",))
    value = declared.strip()
    if value.lower() in ("female", "male"):
        return VoiceProfile("declared", register=value.lower(), notes=(f"declared {value.lower()}",))
    return VoiceProfile("declared", voice=value, notes=(f"declared voice {value}",))


class SpeakerEncoder:
    """Resemblyzer's pretrained VoiceEncoder (weights inside the `resemblyzer` package), loaded once
    per instance on first use. Embeddings: float32 (256,), unit length, from 16 kHz audio."""

    def __init__(self) -> None:
        self._encoder = None
        self._lock = threading.Lock()

    def _load(self):
        with self._lock:
            if self._encoder is None:
                try:
                    from resemblyzer import VoiceEncoder
                except ImportError as exc:
                    raise SpeechError("speaker embeddings need resemblyzer: pip install --no-deps resemblyzer==0.1.4 "
                                      "webrtcvad-wheels==2.0.14.post1") from exc
                self._encoder = VoiceEncoder("cpu", verbose=False)
            return self._encoder

    def embed(self, audio16k: np.ndarray) -> np.ndarray:
        """One embedding of a whole 16 kHz float32 clip of speech (no silence trimming here)."""
        return np.asarray(self._load().embed_utterance(audio16k.astype(np.float32)), np.float32)

    def windows(self, audio16k: np.ndarray) -> tuple[np.ndarray, list[slice]]:
        """Embeddings (n, 256) of ~1.6 s windows, 4 per second, and each window's sample slice."""
        _, partials, slices = self._load().embed_utterance(audio16k.astype(np.float32), return_partials=True, rate=4)
        return np.asarray(partials, np.float32), list(slices)


def cosine(a: np.ndarray | tuple[float, ...], b: np.ndarray | tuple[float, ...]) -> float:
    """Cosine similarity of two embeddings (1 = same direction)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(a @ b / max(np.linalg.norm(a) * np.linalg.norm(b), 1e-12))


def to_analysis_rate(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """Mono float32 at 16 kHz (librosa's resampler)."""
    audio = np.asarray(audio, np.float32).reshape(-1)
    if sample_rate == ANALYSIS_RATE:
        return audio
    import librosa

    return librosa.resample(audio, orig_sr=sample_rate, target_sr=ANALYSIS_RATE).astype(np.float32)


def pitch_track(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """F0 per 10 ms frame in Hz (0 = unvoiced), Praat's autocorrelation method via parselmouth."""
    import parselmouth

    sound = parselmouth.Sound(np.asarray(audio, np.float64), float(sample_rate))
    pitch = sound.to_pitch(time_step=FRAME_S, pitch_floor=PITCH_FLOOR_HZ, pitch_ceiling=PITCH_CEILING_HZ)
    f0 = pitch.selected_array["frequency"]
    # Praat's first frame is centred at pitch.xs()[0]; shift so index i covers [i*10 ms, (i+1)*10 ms).
    lead = int(round((pitch.xs()[0] - FRAME_S / 2) / FRAME_S)) if len(f0) else 0
    return np.concatenate([np.zeros(max(lead, 0)), f0])


def syllable_nuclei(audio: np.ndarray, sample_rate: int, f0: np.ndarray) -> np.ndarray:
    """10 ms frame indices of syllable nuclei (de Jong & Wempe 2009, simplified): voiced intensity
    peaks; `f0` is `pitch_track`'s output for the same audio."""
    import parselmouth
    from scipy.signal import find_peaks

    intensity = parselmouth.Sound(np.asarray(audio, np.float64), float(sample_rate)).to_intensity(
        minimum_pitch=100.0, time_step=FRAME_S)
    db = intensity.values[0]
    if not len(db) or not len(f0):
        return np.zeros(0, int)
    peaks, _ = find_peaks(db, height=db.max() - NUCLEUS_FLOOR_DB, prominence=NUCLEUS_DIP_DB)
    idx = np.clip((intensity.xs()[peaks] / FRAME_S).astype(int), 0, len(f0) - 1)
    return idx[f0[idx] > 0]


def speech_mask(audio16k: np.ndarray, f0: np.ndarray) -> np.ndarray:
    """Per 10 ms frame: webrtcvad (aggressiveness 2) hears speech and voicing is within 150 ms."""
    import webrtcvad

    vad = webrtcvad.Vad(2)
    n = int(VAD_FRAME_S * ANALYSIS_RATE)
    pcm = (np.clip(audio16k, -1, 1) * 32767).astype(np.int16)
    heard = np.array([vad.is_speech(pcm[i:i + n].tobytes(), ANALYSIS_RATE) for i in range(0, len(pcm) - n + 1, n)],
                     bool)
    frames = len(audio16k) // int(FRAME_S * ANALYSIS_RATE)
    per10 = np.repeat(heard, 3)[:frames]
    per10 = np.pad(per10, (0, frames - len(per10)))
    voiced = np.pad(f0[:frames] > 0, (0, max(0, frames - len(f0))))
    near_voice = np.convolve(voiced.astype(float), np.ones(31), mode="same") > 0
    return per10 & near_voice


def _steady_share(f0: np.ndarray) -> float:
    voiced = f0 > 0
    pairs = voiced[1:] & voiced[:-1]
    if not pairs.any():
        return 0.0
    semitones = 12 * np.log2(np.where(voiced, f0, 1.0))
    return float(np.mean(np.abs(np.diff(semitones))[pairs] < STEADY_PITCH_ST))


def voice_profile(audio: np.ndarray, sample_rate: int, *, encoder: SpeakerEncoder | None = None,
                  embed: bool = True) -> VoiceProfile:
    """The profile of the voice in `audio` (mono float32 in [-1, 1], any rate; resampled to 16 kHz).

    embed=False skips the speaker encoder (no embedding, no second-speaker check): pitch and rate
    only, for a voice known to be one speaker (a synthesized one).

    When two speakers are heard (window embeddings fall into clusters further apart than
    SPEAKER_DISTANCE), the one with more speech is profiled and a note says so.
    Raises NoSpeechError (one line, saying why) for silence, music, noise, or under
    MIN_SPEECH_S seconds of speech.
    """
    audio16 = to_analysis_rate(audio, sample_rate)
    if not len(audio16) or not np.all(np.isfinite(audio16)):
        raise NoSpeechError("the audio track is empty or damaged: no voice profile")
    if float(np.max(np.abs(audio16))) < 1e-4:  # below -80 dBFS: digital silence
        raise NoSpeechError("the audio track is silent: no voice profile (declare the presenter's voice instead)")
    f0 = pitch_track(audio16, ANALYSIS_RATE)
    if np.count_nonzero(f0 > 0) * FRAME_S >= 0.5 and _steady_share(f0) > MUSIC_STEADY_SHARE:
        raise NoSpeechError(f"the audio track sounds like music (held pitches, {_steady_share(f0):.0%} steady), "
                            "not speech: no voice profile (declare the presenter's voice instead)")
    mask = speech_mask(audio16, f0)
    speech_s = float(np.count_nonzero(mask)) * FRAME_S
    if speech_s == 0:
        raise NoSpeechError("no speech heard in the audio track (silence or noise): no voice profile")
    if speech_s < MIN_SPEECH_S:
        raise NoSpeechError(f"only {speech_s:.1f} s of speech in the audio track (a profile needs "
                            f"{MIN_SPEECH_S:.0f} s): no voice profile")
    frames = np.flatnonzero(mask)[: int(MAX_SPEECH_S / FRAME_S)]
    hop = int(FRAME_S * ANALYSIS_RATE)
    speech = np.concatenate([audio16[i * hop:(i + 1) * hop] for i in frames])
    encoder = (encoder or SpeakerEncoder()) if embed else None
    keep, notes = _dominant_speaker(speech, encoder) if encoder else (np.ones(len(speech), bool), [])
    kept_frames = frames[keep[: len(speech) // hop * hop].reshape(-1, hop).mean(axis=1) > 0.5]
    kept = np.concatenate([audio16[i * hop:(i + 1) * hop] for i in kept_frames])
    f0_kept = f0[kept_frames[kept_frames < len(f0)]]
    f0_kept = f0_kept[f0_kept > 0]
    nuclei = np.intersect1d(syllable_nuclei(audio16, ANALYSIS_RATE, f0), kept_frames)
    kept_s = len(kept_frames) * FRAME_S
    median = float(np.median(f0_kept)) if len(f0_kept) else None
    low, high = (float(x) for x in np.percentile(f0_kept, [10, 90])) if len(f0_kept) else (None, None)
    embedding = encoder.embed(kept) if encoder else None
    return VoiceProfile(
        source="speech", register=register_for(median), f0_median_hz=median, f0_low_hz=low, f0_high_hz=high,
        syllable_rate=len(nuclei) / kept_s if kept_s else None, speech_s=round(kept_s, 2),
        embedding=None if embedding is None else tuple(round(float(x), 6) for x in embedding), notes=tuple(notes),
    )


def _dominant_speaker(speech: np.ndarray, encoder: SpeakerEncoder) -> tuple[np.ndarray, list[str]]:
    """Per sample of `speech` (16 kHz): whether it belongs to the speaker with most windows."""
    from scipy.cluster.hierarchy import fcluster, linkage

    keep = np.ones(len(speech), bool)
    partials, slices = encoder.windows(speech)
    if len(partials) < 3:
        return keep, []
    labels = fcluster(linkage(partials, method="average", metric="cosine"), t=SPEAKER_DISTANCE, criterion="distance")
    counts = np.bincount(labels)
    main = int(np.argmax(counts))
    ranked = np.sort(counts)[::-1]
    if len(ranked) < 2 or ranked[1] < MIN_OTHER_SHARE * len(labels):
        return keep, []
    votes = np.zeros(len(speech) + 1)
    for label, sl in zip(labels, slices):
        stop = min(sl.stop, len(speech))
        votes[sl.start:stop] += 1 if label == main else -1
    keep = votes[: len(speech)] > 0
    speakers = int(np.count_nonzero(counts >= MIN_OTHER_SHARE * len(labels)))
    note = (f"{speakers} speakers heard: profiled the dominant one ({np.count_nonzero(keep) / ANALYSIS_RATE:.1f} s "
            f"of {len(speech) / ANALYSIS_RATE:.1f} s of speech)")
    log.info(note)
    return keep, [note]
