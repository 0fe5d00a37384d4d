"""Transcribing a narration into timed words and sentences with faster-whisper.

Speed on CPU (bench/bench_transcribe.py): Silero voice activity detection (shipped with
faster-whisper as ONNX) cuts the speech into segments that are decoded in batches, greedily,
CTranslate2 uses every usable core, and a declared language is taken as given (no language
identification pass). Asked to (`check_language`),
the language is also identified: a declared language that differs from the one heard is not
an error — the recording is transcribed in the declared language (the person may know better,
e.g. accented speech), the result carries `detected_language` and the flag
"language-mismatch", and a warning is logged, so a caller can stop or ask.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from translate.errors import ModelLoadError, TranscriptionError
from translate.languages import normalize, primary
from translate.segment import split_sentences

log = logging.getLogger(__name__)

WHISPER_RATE = 16000
SILENCE_RMS = 1e-3        # below this the recording holds no speech (about -60 dBFS)
MODEL_FILES = ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt")

Timed = tuple[float, float, str]


@dataclass(frozen=True)
class Transcript:
    """What a recogniser heard. `words`, `segments`: (start_s, end_s, text), the segments being
    sentences.

    How sure Whisper was (both empty/None when the words did not come from a recogniser):
    `word_probabilities`, per word of `words`, faster-whisper's `Word.probability` (the mean
    probability of the word's tokens, 0-1); `log_probability`, Whisper's mean log-probability
    per decoded token over the whole recording (natural log, <= 0; faster-whisper's per-segment
    `avg_logprob` weighted by the segment's token count; 0 is certain, Whisper's own fallback
    threshold is -1.0). The narration step refuses a recording whose `log_probability` is below
    `pipeline.steps.MIN_LOG_PROBABILITY`.
    """

    language: str
    words: tuple[Timed, ...]
    text: str
    segments: tuple[Timed, ...]          # sentences with their times
    detected_language: str | None = None
    language_probability: float | None = None
    flags: tuple[str, ...] = ()
    model: str = ""
    options: dict | None = None
    word_probabilities: tuple[float, ...] = ()
    log_probability: float | None = None

    def document(self):
        """The transcript as a source document (segmented like a script) to translate."""
        from translate.source import read_source

        return read_source(" ".join(t for _, _, t in self.segments) or self.text, format="text",
                           language=self.language)


class Transcriber:
    """faster-whisper on a CTranslate2 Whisper folder; CPU int8 by default, CUDA float16 when
    present. The model loads on first use and stays loaded on this instance.

    The defaults are the fast setting that bench/bench_transcribe.py measured against the
    one before (beam 5, no VAD, one segment at a time, a declared language re-identified):
    the same word error rate on 60 s of TTS speech and on the shared recording, in about a
    third of the time on 2 cores.
    beam_size: 1 is greedy decoding.
    vad_filter: skip what Silero VAD hears as non-speech (faster-whisper's default parameters).
    cpu_threads: CTranslate2's threads; None: the cores this process may use.
    batch_size: above 0, the speech segments are decoded in batches of this many
    (`faster_whisper.BatchedInferencePipeline`); 0 decodes them one after another.
    """

    def __init__(self, model_dir: str | Path, *, device: str | None = None, compute_type: str | None = None,
                 beam_size: int = 1, vad_filter: bool = True, cpu_threads: int | None = None,
                 batch_size: int = 8):
        self.model_dir = Path(model_dir)
        missing = [n for n in MODEL_FILES if not (self.model_dir / n).is_file()]
        if missing:
            raise ModelLoadError(
                f"Whisper model folder {self.model_dir} is missing {', '.join(missing)}; give the folder "
                "that `polydub models list` shows for whisper-base, or import one with `polydub models import`")
        if device is None:
            import ctranslate2

            device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
        self.device = device
        self.compute_type = compute_type or ("float16" if device.startswith("cuda") else "int8")
        self.beam_size = beam_size
        self.vad_filter = vad_filter
        self.cpu_threads = cpu_threads if cpu_threads is not None else len(os.sched_getaffinity(0))
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()

    @property
    def model(self):
        with self._lock:
            if self._model is None:
                from faster_whisper import WhisperModel

                try:
                    self._model = WhisperModel(str(self.model_dir), device=self.device.split(":")[0],
                                               compute_type=self.compute_type, cpu_threads=self.cpu_threads)
                except Exception as exc:
                    raise ModelLoadError(
                        f"cannot load the Whisper model in {self.model_dir}: {exc}; the folder is damaged — "
                        "delete it and run `polydub models verify whisper-base` to rebuild it") from exc
            return self._model

    def detect_language(self, audio: np.ndarray, sample_rate: int) -> tuple[str, float]:
        """The spoken language (BCP-47) and its probability, from Whisper's language
        identification on the first 30 s. TranscriptionError for unusable recordings."""
        samples = _prepare(audio, sample_rate)
        try:
            detected, probability, _ = self.model.detect_language(samples)
        except Exception as exc:
            raise TranscriptionError(f"the recording's language could not be identified ({type(exc).__name__}: "
                                     f"{exc}); give the language") from exc
        return normalize(detected), float(probability)

    def transcribe(self, audio: np.ndarray, sample_rate: int, language: str | None = None, *,
                   check_language: bool = False) -> Transcript:
        """Timed words and sentences of a recording (mono or (samples, channels) float32 at
        `sample_rate` Hz). `language` (BCP-47) is taken as given unless `check_language`,
        which also identifies the spoken language (one more encoder pass) and flags a
        mismatch. TranscriptionError for unusable recordings or when nothing is heard."""
        samples = _prepare(audio, sample_rate)
        declared = normalize(language) if language else None
        model = self.model
        detected, probability = None, None
        try:
            if declared and check_language:
                detected, probability, _ = model.detect_language(samples)
            options = dict(language=primary(declared) if declared else None, beam_size=self.beam_size,
                           word_timestamps=True, vad_filter=self.vad_filter, condition_on_previous_text=False)
            if self.batch_size > 0:
                from faster_whisper import BatchedInferencePipeline

                segments, info = BatchedInferencePipeline(model).transcribe(samples, batch_size=self.batch_size,
                                                                            **options)
            else:
                segments, info = model.transcribe(samples, **options)
            segments = list(segments)
        except Exception as exc:
            raise TranscriptionError(f"the recording could not be transcribed ({type(exc).__name__}: {exc}); "
                                     "check that it is a speech recording") from exc
        if not declared:
            detected, probability = info.language, info.language_probability
        heard = [w for seg in segments for w in (seg.words or []) if w.word.strip()]
        words = tuple((round(float(w.start), 3), round(float(w.end), 3), w.word.strip()) for w in heard)
        if not words:
            raise TranscriptionError("no speech was recognised in the recording; check that it is not "
                                     "silent, music or noise")
        lang = declared or normalize(detected)
        flags: tuple[str, ...] = ()
        if declared and detected and primary(detected) != primary(declared) and (probability or 0) >= 0.5:
            flags = ("language-mismatch",)
            log.warning("the recording was declared %s but sounds like %s (p=%.2f); transcribed as %s",
                        declared, detected, probability, declared)
        text = " ".join(w for _, _, w in words)
        return Transcript(lang, words, text, _sentences(words, lang), normalize(detected) if detected else None,
                          float(probability) if probability is not None else None, flags,
                          model=self.model_dir.name,
                          options={"device": self.device, "compute_type": self.compute_type,
                                   "beam_size": self.beam_size, "vad_filter": self.vad_filter,
                                   "cpu_threads": self.cpu_threads, "batch_size": self.batch_size},
                          word_probabilities=tuple(round(float(w.probability), 4) for w in heard),
                          log_probability=_mean_log_probability(segments))


def _prepare(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """Mono float32 at 16 kHz, with clear errors for recordings that hold nothing usable."""
    try:
        audio = np.asarray(audio, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise TranscriptionError(f"the recording is not an audio array ({exc}); pass mono float32 samples") from exc
    if audio.ndim == 2:
        audio = audio.mean(axis=1 if audio.shape[1] <= 8 else 0)
    if audio.ndim != 1 or audio.size == 0:
        raise TranscriptionError("the recording is empty; give a recording with speech")
    if not sample_rate or sample_rate <= 0:
        raise TranscriptionError(f"invalid sample rate {sample_rate}; give the recording's rate in Hz")
    if not np.all(np.isfinite(audio)):
        raise TranscriptionError("the recording holds invalid samples (NaN or infinity); it is corrupt — decode it again")
    if audio.size < sample_rate * 0.1:
        raise TranscriptionError("the recording is shorter than 0.1 s; give a recording with speech")
    if float(np.sqrt(np.mean(audio.astype(np.float64) ** 2))) < SILENCE_RMS:
        raise TranscriptionError("the recording is silent; check the microphone or the audio track")
    if sample_rate != WHISPER_RATE:
        from math import gcd

        from scipy.signal import resample_poly

        g = gcd(int(sample_rate), WHISPER_RATE)
        audio = resample_poly(audio, WHISPER_RATE // g, int(sample_rate) // g).astype(np.float32)
    peak = float(np.max(np.abs(audio)))
    if peak > 1.0:
        audio = audio / peak  # int16-scaled input
    return np.ascontiguousarray(audio)


def _mean_log_probability(segments) -> float | None:
    """Mean log-probability per token over faster-whisper segments (their `avg_logprob`
    weighted by their token counts, at least 1 each); None without segments."""
    weights = [max(len(seg.tokens or ()), 1) for seg in segments]
    if not weights:
        return None
    total = sum(float(seg.avg_logprob) * w for seg, w in zip(segments, weights))
    return round(total / sum(weights), 4)


def _sentences(words: tuple[Timed, ...], language: str) -> tuple[Timed, ...]:
    """Group the words into sentences by the segmenter, carrying the words' times."""
    sentences = split_sentences(" ".join(w for _, _, w in words), language)
    out: list[Timed] = []
    i = 0
    for sentence in sentences:
        n = len(sentence.split())
        chunk = words[i:i + n]
        if chunk:
            out.append((chunk[0][0], chunk[-1][1], sentence))
        i += n
    if i < len(words):
        rest = words[i:]
        out.append((rest[0][0], rest[-1][1], " ".join(w for _, _, w in rest)))
    return tuple(out)
