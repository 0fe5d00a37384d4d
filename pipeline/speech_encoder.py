"""Whisper's encoder as the aligner's noise-robust frames (`tts.encoded.SpeechEncoder`).

tts never imports translate (DESIGN.md), so the narration step hands the aligner this
wrapper around the Whisper model the pipeline already holds (`translate.Transcriber.model`,
a faster-whisper `WhisperModel`, loaded on first use).
"""

from __future__ import annotations

from collections.abc import Callable
from math import gcd
from typing import Any

import numpy as np
from scipy.signal import resample_poly

#: Whisper's input: 16 kHz audio, 10 ms log-mel frames, at most 3000 of them (30 s) per pass.
_RATE, _MEL_HOP, _WINDOW = 16_000, 160, 3000


class WhisperEncoderFrames:
    """`tts.encoded.SpeechEncoder` from a faster-whisper `WhisperModel` (`model()` gives it,
    so the model loads only when a recording needs the frames).

    Each 30 s of audio is encoded on its own (Whisper's window), without padding to 30 s:
    a 20 s clip is encoded in about a third of the time, and the aligner's figures were
    measured so (bench/bench_align.py --degraded). Frames: 50 per second (`hop_s` 0.02 s),
    frame k centred at 5 + 20 k ms (a stride-2 convolution over mel frames centred at
    0, 10, 20 ms...); (frames, 512) float32 for Whisper base.
    """

    hop_s = 0.02
    first_centre_s = 0.005

    def __init__(self, model: Callable[[], Any]) -> None:
        self._model = model

    def encode(self, audio: np.ndarray, sample_rate: int) -> np.ndarray:
        """(frames, dims) float32 encoder output for mono float32 `audio` at `sample_rate` Hz
        (resampled to 16 kHz); about len(audio) / sample_rate / 0.02 frames."""
        from faster_whisper.transcribe import get_ctranslate2_storage

        audio = np.asarray(audio, np.float32).reshape(-1)
        if sample_rate != _RATE:
            g = gcd(int(sample_rate), _RATE)
            audio = resample_poly(audio, _RATE // g, int(sample_rate) // g).astype(np.float32)
        model = self._model()
        frames = len(audio) // _MEL_HOP + 1
        mel = model.feature_extractor(audio, padding=_RATE)  # 1 s of zeros after: whole last frames
        out = []
        for start in range(0, frames, _WINDOW):
            end = min(start + _WINDOW, frames + (frames - start) % 2)  # an even count: whole strides
            chunk = np.ascontiguousarray(mel[None, :, start:end], np.float32)
            # to_cpu: on a GPU the output would stay there
            encoded = model.model.encode(get_ctranslate2_storage(chunk), to_cpu=True)
            out.append(np.asarray(encoded, np.float32)[0])
        return np.concatenate(out)[: (frames + 1) // 2]
