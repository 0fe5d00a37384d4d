"""Types that leave the speech leaf.

The phoneme timeline is the contract between speech and lip-sync (DESIGN.md): a sorted,
non-overlapping sequence of (start_s, end_s, phone), `phone` one IPA segment with stress and
length marks stripped; silence is a gap, never a token. `Phone` and `TimedText` are
NamedTuples, so consumers that know nothing of this module can treat them as plain tuples.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from tts.errors import SpeechError


class Phone(NamedTuple):
    start: float
    end: float
    phone: str


class TimedText(NamedTuple):
    start: float
    end: float
    text: str


PhonemeTimeline = tuple[Phone, ...]


@dataclass(frozen=True)
class Speech:
    """What synthesis returns: mono float32 audio and its timings, with the options used."""

    audio: np.ndarray = field(repr=False)
    sample_rate: int
    phonemes: PhonemeTimeline
    words: tuple[TimedText, ...]
    sentences: tuple[TimedText, ...]
    language: str
    voice: str
    backend: str
    rate: float = 1.0

    @property
    def duration(self) -> float:
        return len(self.audio) / float(self.sample_rate)


def check_timeline(timeline: Sequence[tuple[float, float, str]], duration: float | None = None) -> None:
    """Raise SpeechError unless the timeline keeps the contract."""
    previous_end = 0.0
    for i, (start, end, phone) in enumerate(timeline):
        if not phone or phone.isspace():
            raise SpeechError(f"phoneme {i} is empty: silence must be a gap, not a token")
        if end < start:
            raise SpeechError(f"phoneme {i} ({phone}) ends before it starts")
        if start < previous_end - 1e-6:
            raise SpeechError(f"phoneme {i} ({phone}) overlaps the one before it")
        previous_end = end
    if duration is not None and previous_end > duration + 0.05:
        raise SpeechError(f"the timeline runs to {previous_end:.2f}s, past the audio's {duration:.2f}s")


@dataclass(frozen=True)
class VoiceInfo:
    """An installed voice: `id` is "backend:name" (e.g. "piper:en_US-joe-medium")."""

    id: str
    backend: str
    name: str
    languages: tuple[str, ...]  # BCP-47 tags it speaks well (measured or declared by the model)
    path: str | None = None  # the model file, when there is one
    description: str = ""
