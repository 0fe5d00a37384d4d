"""Synthesis backends behind one protocol, and the registry that names them.

A backend lists its voices and speaks one normalised sentence (already under its length limit)
into audio with a phone and word timeline relative to that audio. Everything around it
(normalisation, chunking, pauses, loudness) is the Synthesizer's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
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


#: Where each backend finds models besides its own bundled default: backend name → paths, as the
#: caller resolved them (pipeline's model store). Piper: voice files (.onnx, config beside) or
#: folders of them; Kokoro: folders holding kokoro-v1.0.int8.onnx, vocab.json, voices_ja.npz;
#: Coqui: model folders (config.json + checkpoint). A backend missing from it gets none.
ModelPaths = Mapping[str, Sequence[Path]]

BackendFactory = Callable[[Sequence[Path]], Backend]


def _espeak(paths: Sequence[Path]) -> Backend:
    from tts.backends.espeak_backend import EspeakBackend

    return EspeakBackend()


def _piper(paths: Sequence[Path]) -> Backend:
    from tts.backends.piper_backend import PiperBackend

    return PiperBackend(paths)


def _kokoro(paths: Sequence[Path]) -> Backend:
    from tts.backends.kokoro_backend import KokoroBackend

    return KokoroBackend(paths)


def _coqui(paths: Sequence[Path]) -> Backend:
    from tts.backends.coqui_backend import CoquiBackend

    return CoquiBackend(paths)


# Name → factory (the backend's model paths → backend). Backends import their heavy packages lazily.
REGISTRY: Mapping[str, BackendFactory] = {
    "espeak": _espeak,
    "piper": _piper,
    "kokoro": _kokoro,
    "coqui": _coqui,
}
