"""A tiny, randomly initialised torch cloning model behind `tts.cloning.CloningBackend`, built in
code (no download), for the cloning plumbing's tests. It "speaks" 70 ms of sound per letter from
the letter's embedding and a speaker vector pooled from the reference, and keeps every reference
it was given in `calls`, so a test can check which presenter's speech reached which task."""

from __future__ import annotations

import numpy as np

from tts.backends import Utterance
from tts.phonemes import WORD
from tts.types import Phone, TimedText

RATE = 16000
HOP = 160  # samples per 10 ms frame
LETTER_FRAMES = 7
SPACE_FRAMES = 4


class TinyCloner:
    """`tts.cloning.CloningBackend` on a random torch network (seeded: the same output each run)."""

    name = "tiny"
    max_chars = 200
    licence = "test model, random weights"

    def __init__(self, languages: tuple[str, ...] = ("en",), seed: int = 0):
        import torch

        torch.manual_seed(seed)
        self._languages = languages
        self.speaker = torch.nn.Sequential(torch.nn.Conv1d(1, 8, HOP * 4, stride=HOP), torch.nn.Tanh())
        self.letters = torch.nn.Embedding(256, 8)
        self.decoder = torch.nn.Sequential(torch.nn.Linear(17, 64), torch.nn.Tanh(), torch.nn.Linear(64, HOP),
                                           torch.nn.Tanh())
        self.calls: list = []

    def languages(self) -> tuple[str, ...]:
        return self._languages

    def synthesize(self, text: str, language: str, reference, rate: float) -> Utterance:
        import torch

        self.calls.append(reference)
        with torch.no_grad():
            ref = torch.as_tensor(np.asarray(reference.audio, np.float32))[None, None]
            voice = self.speaker(ref).mean(dim=2)[0]  # (8,): the reference's "speaker embedding"
            frames, phones, position = [], [], 0
            per_letter = max(1, round(LETTER_FRAMES / rate))
            for ch in text:
                if not ch.isalpha():
                    frames.append(torch.zeros(SPACE_FRAMES, HOP))
                    position += SPACE_FRAMES
                    continue
                steps = torch.arange(per_letter, dtype=torch.float32)[:, None] / per_letter
                x = torch.cat([self.letters(torch.tensor([ord(ch) % 256])).expand(per_letter, 8),
                               voice.expand(per_letter, 8), steps], dim=1)
                frames.append(0.3 * self.decoder(x))
                phones.append(Phone(position * HOP / RATE, (position + per_letter) * HOP / RATE, ch.lower()))
                position += per_letter
            audio = torch.cat(frames).reshape(-1).numpy().astype(np.float32)
        return Utterance(audio, RATE, tuple(phones), _words(text, phones))


def _words(text: str, phones: list[Phone]) -> tuple[TimedText, ...]:
    """Each word's span over its letters' phones."""
    out, k = [], 0
    for word in WORD.findall(text):
        letters = sum(ch.isalpha() for ch in word)
        mine = phones[k:k + letters]
        k += letters
        if mine:
            out.append(TimedText(mine[0].start, mine[-1].end, word))
    return tuple(out)
