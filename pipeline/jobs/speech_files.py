"""Speech as a task artifact: float32 samples (`speech.npz`) plus a JSON timeline (`speech.json`),
written by the speak, narrate and (when it adapts the voice) render tasks."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


def save_speech(speech, out: Path) -> None:
    """Write a `tts.Speech` into the folder `out` (speech.npz and speech.json)."""
    np.savez(out / "speech.npz", audio=np.asarray(speech.audio, np.float32), sample_rate=speech.sample_rate)
    (out / "speech.json").write_text(json.dumps({
        "sample_rate": speech.sample_rate, "language": speech.language, "voice": speech.voice,
        "backend": speech.backend, "rate": speech.rate,
        "phonemes": [list(p) for p in speech.phonemes], "words": [list(w) for w in speech.words],
        "sentences": [list(s) for s in speech.sentences]}, ensure_ascii=False), encoding="utf-8")


def load_speech(folder: Path):
    """The `tts.Speech` `save_speech` wrote into `folder`."""
    from tts.types import Phone, Speech, TimedText

    meta = json.loads((folder / "speech.json").read_text(encoding="utf-8"))
    with np.load(folder / "speech.npz") as data:
        audio = data["audio"].astype(np.float32)
    return Speech(audio=audio, sample_rate=int(meta["sample_rate"]),
                  phonemes=tuple(Phone(*p) for p in meta["phonemes"]),
                  words=tuple(TimedText(*w) for w in meta["words"]),
                  sentences=tuple(TimedText(*s) for s in meta["sentences"]),
                  language=meta["language"], voice=meta["voice"], backend=meta["backend"], rate=meta["rate"])
