"""Synthesis backends behind one protocol, and the registry that names them.

A backend lists its voices and speaks one normalised sentence (already under its length limit)
into audio with a phone and word timeline relative to that audio. Everything around it
(normalisation, chunking, pauses, loudness) is the Synthesizer's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from tts.types import Phone, TimedText, VoiceInfo


@dataclass(frozen=True)
class Utterance:
    audio: np.ndarray = field(repr=False)  # float32 mono
    sample_rate: int
    phones: tuple[Phone, ...]
    words: tuple[TimedText, ...]


@runtime_checkable
class Backend(Protocol):
    name: str
    # Longest text (characters of normalised text) one `speak` call takes well.
    max_chars: int

    def voices(self) -> list[VoiceInfo]: ...

    def speak(self, text: str, voice: VoiceInfo, language: str, rate: float) -> Utterance: ...


BackendFactory = Callable[[Path | None], Backend]


def _espeak(models_dir: Path | None) -> Backend:
    from tts.backends.espeak_backend import EspeakBackend

    return EspeakBackend()


def _piper(models_dir: Path | None) -> Backend:
    from tts.backends.piper_backend import PiperBackend

    return PiperBackend(models_dir)


def _kokoro(models_dir: Path | None) -> Backend:
    from tts.backends.kokoro_backend import KokoroBackend

    return KokoroBackend(models_dir)


def _coqui(models_dir: Path | None) -> Backend:
    from tts.backends.coqui_backend import CoquiBackend

    return CoquiBackend(models_dir)


# Name → factory (models folder → backend). Backends import their heavy packages lazily.
REGISTRY: Mapping[str, BackendFactory] = {
    "espeak": _espeak,
    "piper": _piper,
    "kokoro": _kokoro,
    "coqui": _coqui,
}
