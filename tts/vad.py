"""Voice activity: which 10 ms frames of a recording hold speech (Silero VAD, no recogniser).

The Silero VAD model (v6, ONNX) ships inside the installed faster-whisper package; it is
run here with onnxruntime directly, without importing faster-whisper (that would load
CTranslate2 and the tokenizer). The model takes 16 kHz audio in 512-sample windows (32 ms),
each preceded by the last 64 samples of the window before, and carries an LSTM state
(2 x 128) from window to window; it gives each window a speech probability (0..1).

Energy cannot tell speech from a noise bed, a music bed or a reverberant tail; this can.
It cannot tell the talker from other talkers (babble is speech to it).
"""

from __future__ import annotations

import functools
import importlib.util
from math import gcd
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly

from tts.errors import SpeechError

#: Frame hop (seconds) of `speech_frames`, as the aligner's features.
HOP_S = 0.01
_RATE = 16_000
_WINDOW = 512  # samples per model window at 16 kHz (the model's fixed input)
_BATCH = 10_000  # windows per model call (320 s), bounding its memory
_CONTEXT = 64  # samples of the window before, prepended (the model's input is 576 wide)
#: Speech probability above which a window is speech, and below which it is silence again
#: (hysteresis). Silero's defaults (silero-vad `get_speech_timestamps`: 0.5 and 0.5 - 0.15).
THRESHOLD, NEG_THRESHOLD = 0.5, 0.35


def model_path() -> Path:
    """The Silero VAD ONNX file inside the installed faster-whisper (not imported).

    Raises SpeechError when faster-whisper or its asset is missing."""
    spec = importlib.util.find_spec("faster_whisper")
    roots = list(spec.submodule_search_locations or []) if spec else []
    for root in roots:
        path = Path(root) / "assets" / "silero_vad_v6.onnx"
        if path.is_file():
            return path
    raise SpeechError("the Silero VAD model (faster_whisper/assets/silero_vad_v6.onnx) is missing: "
                      "reinstall faster-whisper from requirements.lock")


@functools.cache
def _session():  # one inference session per process: loading it costs ~50 ms
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.inter_op_num_threads = 1
    options.intra_op_num_threads = 1
    options.log_severity_level = 4
    return onnxruntime.InferenceSession(str(model_path()), sess_options=options,
                                        providers=["CPUExecutionProvider"])


def speech_probability(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """(windows,) float32 speech probability per 32 ms window (512 samples at 16 kHz) of
    mono float samples at `sample_rate` Hz; window k covers [k * 0.032, (k + 1) * 0.032) s."""
    audio = np.asarray(audio, np.float32).reshape(-1)
    if sample_rate != _RATE:
        g = gcd(int(sample_rate), _RATE)
        audio = resample_poly(audio, _RATE // g, int(sample_rate) // g).astype(np.float32)
    count = -(-len(audio) // _WINDOW)
    if count == 0:
        return np.zeros(0, np.float32)
    windows = np.zeros((count, _WINDOW), np.float32)
    windows.reshape(-1)[:len(audio)] = audio
    before = np.zeros((count, _CONTEXT), np.float32)
    before[1:] = windows[:-1, -_CONTEXT:]
    batch = np.concatenate([before, windows], axis=1)
    h = c = np.zeros((1, 1, 128), np.float32)
    out = []
    for start in range(0, count, _BATCH):  # the LSTM state carries over from batch to batch
        probability, h, c = _session().run(None, {"input": batch[start:start + _BATCH], "h": h, "c": c})
        out.append(np.asarray(probability, np.float32).reshape(-1))
    return np.concatenate(out)[:count]


def speech_frames(audio: np.ndarray, sample_rate: int, frames: int | None = None) -> np.ndarray:
    """(frames,) bool: speech in each 10 ms frame (frame i centred on i * 10 ms, as
    `tts.warping.log_mel`), by Silero's probabilities with hysteresis (`THRESHOLD`,
    `NEG_THRESHOLD`). `frames` defaults to 1 + the recording's length in 10 ms hops."""
    probability = speech_probability(audio, sample_rate)
    if frames is None:
        frames = 1 + int(len(audio) / sample_rate / HOP_S)
    speech = np.zeros(len(probability), bool)
    on = False
    for k, p in enumerate(probability):  # ~30 windows a second: a plain loop is cheap
        on = p >= THRESHOLD or (on and p >= NEG_THRESHOLD)
        speech[k] = on
    if speech.size == 0:
        return np.zeros(frames, bool)
    at = np.minimum((np.arange(frames) * HOP_S * _RATE / _WINDOW).astype(int), len(speech) - 1)
    return speech[at]
