"""Noise-robust frames for the given-words warp: a speech encoder's output beside the log-mel.

The warp (`tts.warping.warp_features`, `tts.forced.align_text`) matches espeak-ng's clean
reading with the recording on log-mel levels, slopes and loudness. Under loud babble or in a
big room those match the wrong sound often enough that some phones land 60-150 ms off
(bench/bench_align.py --degraded). A speech recogniser's encoder was trained to give the same
frames for the same sounds through noise and rooms (Whisper: 680 000 hours of web audio), so
its frames, added as further columns on both sides, keep the path on the talker's sounds.

tts does not load a recogniser itself (tts never imports translate; DESIGN.md): the caller
passes a `SpeechEncoder` (the pipeline: Whisper base's encoder through faster-whisper,
`pipeline.speech_encoder.WhisperEncoderFrames`). Without one, the aligner works as before
(the clean-speech goal holds without it). It is used only where the recording is reverberant
or noisy (`needs_encoder`): elsewhere the log-mel alone already meets the goal, and the
encoder is dear on a CPU (Whisper base int8, 2 cores: 1.6 s of CPU per 56 s of audio, and both
the reading and the recording are encoded: a 56 s alignment in a room takes 4.8 s of CPU with
it, 0.8 s without; measured 2026-11-30 under load).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from tts.errors import AlignmentError

#: Weight of the encoder's columns: the root mean square length of their rows over that of a
#: row of as many unit-variance columns as the log-mel part has. Chosen on bench/bench_align.py's
#: degraded copies (Piper en, Kokoro pt; exploratory runs of 2026-11-30 with all 512 columns,
#: used on every copy): at 1, pt babble 5 dB 24 / 70 ms (mean / p95 against the clean copy);
#: at 2, every row of the given-words and the recognised tables within the goal (27 / 49); at 3,
#: alike (28 / 47). With the gate and `ENCODER_DIMS` (`--degraded`): en 11 / 30, pt 26 / 49.
ENCODER_WEIGHT = 2.0
#: Principal components of the encoder's columns kept (of both sides' rows, after the per-side
#: normalisation): the warp's cost grows with the columns. Exploratory runs as above: 64 of
#: Whisper base's 512 time the hard rows alike (babble 5 dB en 10 / 34 against 11 / 40 with all
#: 512, pt 26 / 50 against 27 / 49); 32 fall short (pt 24 / 61).
ENCODER_DIMS = 64
#: A recording whose noise floor (median over the mel bands of the 10th percentile of a band's
#: power over its 95th) is above this (dB) is noisy. Measured on the bench's copies: clean,
#: codecs, telephone band, silence each side -80 to -120 dB, music bed -12 dB -77 to -84,
#: room RT60 0.3 s -69 to -80; babble at 10 and 5 dB SNR -29 to -35 dB. Those below it met the
#: goal without the encoder (and the encoder moved the en "silence each side" row 1 / 10 ->
#: 6 / 31 ms), so the gate saves its cost there.
NOISY_FLOOR_DB = -45.0


@runtime_checkable
class SpeechEncoder(Protocol):
    """Frames of a speech encoder that hold what was said, not the noise or the room.

    hop_s: seconds between frames; first_centre_s: the time frame 0 stands for (frame k:
    first_centre_s + k * hop_s). Whisper: 0.02 and 0.005 (a stride-2 convolution over 10 ms
    mel frames centred at 0, 10, 20 ms...).
    """

    hop_s: float
    first_centre_s: float

    def encode(self, audio: np.ndarray, sample_rate: int) -> np.ndarray:
        """(frames, dims) float32 for mono float32 `audio` at `sample_rate` Hz, about
        len(audio) / sample_rate / hop_s frames (fewer or more are cut or held at the end)."""
        ...


def needs_encoder(recording_power: np.ndarray, reverberant: bool) -> bool:
    """Whether a recording (its mel power, (frames, bands)) is reverberant or noisy
    (`NOISY_FLOOR_DB`): where the encoder's frames are added."""
    if reverberant:
        return True
    power = np.asarray(recording_power, np.float64)
    floor = np.percentile(power, 10, axis=0) / np.maximum(np.percentile(power, 95, axis=0), 1e-20)
    return bool(10 * np.log10(np.median(floor) + 1e-20) > NOISY_FLOOR_DB)


def encoded_columns(encoder: SpeechEncoder, reading: np.ndarray, reading_rate: int, reading_rows: int,
                    reading_quiet: np.ndarray, recording: np.ndarray, recording_rate: int, recording_rows: int,
                    log_mel_columns: int, hop_s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The encoder's columns for the reading and the recording, and for a pause row.

    Each side's frames are interpolated onto the aligner's `hop_s` rows (`reading_rows`,
    `recording_rows`; row i stands for i * hop_s), each column brought to zero mean and unit
    variance over its side (as the log-mel bands: the voice and the channel go), projected on
    the first `ENCODER_DIMS` principal components of both sides' rows, and scaled so that the rows' root mean square length is `ENCODER_WEIGHT` x sqrt(`log_mel_columns`) (the
    length of a row of that many unit-variance columns). The pause row is the mean of the reading's
    rows where it is quiet (`reading_quiet`, (reading_rows,) bool; zeros where none is).
    Returns ((reading_rows, dims), (recording_rows, dims), (dims,)) float32.

    Raises AlignmentError when the encoder gives no frames or a shape that is not 2-D, or
    different widths for the two sides."""
    a = _on_rows(encoder, reading, reading_rate, reading_rows, hop_s)
    b = _on_rows(encoder, recording, recording_rate, recording_rows, hop_s)
    if a.shape[1] != b.shape[1]:
        raise AlignmentError(f"the speech encoder gave {a.shape[1]} and {b.shape[1]} columns for the two recordings: "
                             "pass an encoder with one output width")
    a = (a - a.mean(0)) / (a.std(0) + 1e-6)
    b = (b - b.mean(0)) / (b.std(0) + 1e-6)
    if a.shape[1] > ENCODER_DIMS:
        both = np.concatenate([a, b])
        _, vectors = np.linalg.eigh(both.T @ both)  # ascending eigenvalues: the last are the principal axes
        axes = vectors[:, ::-1][:, :ENCODER_DIMS]
        a, b = a @ axes, b @ axes
    quiet = np.asarray(reading_quiet, bool)[:len(a)]
    silence = a[:len(quiet)][quiet].mean(0) if quiet.any() else np.zeros(a.shape[1])
    length = np.sqrt(np.mean(np.sum(np.concatenate([a, b]) ** 2, axis=1))) + 1e-9
    scale = ENCODER_WEIGHT * np.sqrt(log_mel_columns) / length
    return (a * scale).astype(np.float32), (b * scale).astype(np.float32), (silence * scale).astype(np.float32)


def encoded_pair(encoder: SpeechEncoder, reading: np.ndarray, reading_rate: int, reading_rows: int,
                 recording: np.ndarray, recording_rate: int, recording_rows: int, hop_s: float
                 ) -> tuple[np.ndarray, np.ndarray]:
    """The encoder's columns of the reading and of the recording as `encoded_columns` gives them
    (((reading_rows, dims), (recording_rows, dims)) float32, at unit weight), for judging a match
    on them where they did not join the warp (`tts.forced.GREY_ZONE`). Raises AlignmentError as
    `encoded_columns` does."""
    a, b, _ = encoded_columns(encoder, reading, reading_rate, reading_rows, np.zeros(reading_rows, bool),
                              recording, recording_rate, recording_rows, 1, hop_s)
    return a, b


def _on_rows(encoder: SpeechEncoder, audio: np.ndarray, rate: int, rows: int, hop_s: float) -> np.ndarray:
    """The encoder's frames linearly interpolated at rows i * hop_s (seconds), (rows, dims) float64."""
    frames = np.asarray(encoder.encode(np.asarray(audio, np.float32), int(rate)), np.float64)
    if frames.ndim != 2 or len(frames) == 0 or frames.shape[1] == 0:
        raise AlignmentError(f"the speech encoder gave frames of shape {frames.shape}: it must give (frames, dims) "
                             "for a recording with sound; check the encoder passed to the aligner")
    x = np.clip((np.arange(rows) * hop_s - float(encoder.first_centre_s)) / float(encoder.hop_s), 0, len(frames) - 1)
    i0 = np.floor(x).astype(int)
    i1 = np.minimum(i0 + 1, len(frames) - 1)
    share = (x - i0)[:, None]
    return frames[i0] * (1 - share) + frames[i1] * share
