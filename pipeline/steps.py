"""The steps of a localization, each composing one leaf's result into the next leaf's input.

Every executor (the one-shot CLI path, the local job executor, Ray) calls these same
functions. Leaf objects (translator, synthesizer, transcriber, lip-sync engine) come from a
`Toolkit`, which builds each one on first use and keeps it loaded; a component given as an
object wins over one the toolkit would build.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline import __version__
from pipeline.errors import InputError, wrap_leaf_errors
from pipeline.models import ModelStore

log = logging.getLogger(__name__)

#: progress(done, total) for one long step
StepProgress = Callable[[int, int], None]

SYNTHETIC_COMMENT = f"lip-synced by polydub {__version__} (synthetic media)"


class Toolkit:
    """Holds the leaves' resident objects for one process; builds each on first use."""

    def __init__(
        self,
        *,
        store: ModelStore | None = None,
        cache_dir: Path | None = None,
        translator=None,
        synthesizer=None,
        transcriber=None,
        engine=None,
        voices: dict[str, str] | None = None,
    ):
        self.store = store or ModelStore()
        self.cache_dir = Path(cache_dir) if cache_dir else self.store.root.parent / "cache"
        self._translator = translator
        self._synthesizer = synthesizer
        self._transcriber = transcriber
        self._engine = engine
        self._voices = voices

    @property
    def translator(self):
        if self._translator is None:
            import translate

            # Every sentence translation is remembered, so an edit re-translates one sentence.
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            memory = translate.TranslationMemory(self.cache_dir / "translation-memory.sqlite")
            self._translator = translate.Translator(memory=memory)
        return self._translator

    @property
    def synthesizer(self):
        if self._synthesizer is None:
            import tts

            self._synthesizer = tts.Synthesizer(self._voices, models_dir=self.store.root)
        return self._synthesizer

    @property
    def transcriber(self):
        if self._transcriber is None:
            import translate

            self._transcriber = translate.Transcriber(self.store.path("whisper-base"))
        return self._transcriber

    @property
    def engine(self):
        if self._engine is None:
            import lipsync

            self._engine = lipsync.LipSyncEngine(
                self.cache_dir / "presenters", face_model=self.store.path("face-landmarker"))
        return self._engine


# --------------------------------------------------------------------------- text


def read_script(text: str, language: str | None = None):
    """The source script as a structured, segmented document."""
    import translate

    with wrap_leaf_errors():
        return translate.read_source(text, language=language) if language else translate.read_source(text)


def translate_script(doc, target_language: str, toolkit: Toolkit, *, source_language: str | None = None):
    """The document's sentences in `target_language` (identity when it is the source's)."""
    with wrap_leaf_errors():
        return toolkit.translator.translate(doc, source_language or doc.language, target_language)


def paragraph_starts(doc) -> set[int]:
    """Indices of sentences that open a block (heading, paragraph, step), for longer pauses."""
    starts, seen = set(), set()
    for i, sentence in enumerate(doc.sentences):
        if sentence.block not in seen:
            seen.add(sentence.block)
            if i:
                starts.add(i)
    return starts


def speak(translation, doc, toolkit: Toolkit, *, voice: str | None = None, rate: float = 1.0):
    """Voice a translation; returns `tts.Speech` (audio, phoneme timeline, sentence timings)."""
    texts = [s.text for s in translation.sentences]
    if not any(t.strip() for t in texts):
        raise InputError("the script has no sentences to speak; give a script with text")
    with wrap_leaf_errors():
        return toolkit.synthesizer.synthesize(
            texts, translation.target_language, voice=voice, rate=rate,
            paragraph_breaks=paragraph_starts(doc))


# --------------------------------------------------------------------------- recordings


def load_audio(path: str | Path) -> tuple[np.ndarray, int]:
    """Decode any audio or video file's audio to mono float32 (the leaves' audio contract)."""
    from lipsync import media

    with wrap_leaf_errors():
        return media.read_audio(path)


def narration(audio: np.ndarray, sample_rate: int, toolkit: Toolkit, *,
              language: str | None = None, transcript: str | None = None):
    """Speech timings for a recorded narration (mono float32 `audio` at `sample_rate` Hz).

    Without a transcript, Whisper recognises the words and `tts.align` times each word's
    espeak-ng phonemes on the recording. With one, no recogniser runs: the transcript's
    sentences are aligned on the recording directly (`tts.forced.align_text`); its language
    is `language`, else the transcript's own when the text shows it clearly
    (`translate.detect.guess_language`), else the spoken one (Whisper's language
    identification on the first 30 s). A transcript that does not match the recording is an
    InputError, as is silence or nothing recognised.

    Returns (tts.Speech carrying the recording itself, translate.Transcript of what was said).
    """
    import tts
    from tts.types import Speech, TimedText

    if len(audio) < sample_rate * 0.05:
        raise InputError("the narration is shorter than 50 ms; give a recording with speech")
    with wrap_leaf_errors():
        if transcript is None:
            heard = toolkit.transcriber.transcribe(audio, sample_rate, language=language)
            if not heard.words:
                raise InputError("no speech was recognised in the narration; check that it is not silent")
            phones = tts.align(audio, sample_rate, list(heard.words), heard.language)
        else:
            heard, phones = _aligned_transcript(audio, sample_rate, toolkit, transcript, language)
    speech = Speech(
        audio=audio, sample_rate=sample_rate, phonemes=tuple(phones),
        words=tuple(TimedText(*w) for w in heard.words),
        sentences=tuple(TimedText(*s) for s in heard.segments),
        language=heard.language, voice="recording", backend="recording")
    return speech, heard


def _aligned_transcript(audio: np.ndarray, sample_rate: int, toolkit: Toolkit, transcript: str,
                        language: str | None):
    """narration()'s given-words path: (translate.Transcript, phoneme timeline)."""
    import translate
    from translate.detect import guess_language
    from translate.languages import normalize
    from translate.segment import split_sentences
    from tts.forced import align_text

    text = " ".join(transcript.split())
    if not text:
        raise InputError("the transcript is empty; give the words of the narration or leave it out")
    detected, probability = None, None
    if language:
        tag = normalize(language)
    elif (guessed := guess_language(text)) is not None:
        tag = normalize(guessed)
    else:
        detected, probability = toolkit.transcriber.detect_language(audio, sample_rate)
        tag = normalize(detected)
        log.info("the transcript does not show its language clearly; heard %s (p=%.2f)", tag, probability)
    sentences = [s for block in transcript.split("\n\n") for s in split_sentences(block, tag)]
    aligned = align_text(audio, sample_rate, sentences, tag)
    heard = translate.Transcript(
        language=tag, words=tuple(tuple(w) for w in aligned.words), text=text,
        segments=tuple(tuple(s) for s in aligned.sentences), detected_language=detected,
        language_probability=probability, model="espeak-ng (given words aligned)",
        options={"mismatch": round(aligned.mismatch, 3)})
    return heard, aligned.phonemes


# --------------------------------------------------------------------------- video


def probe_presenter(path: str | Path) -> dict:
    """Check that a file is a usable presenter (video or photo) by its content; returns a
    small description. Raises InputError with a one-line reason."""
    from lipsync import media

    with wrap_leaf_errors():
        info = media.probe(path)
    if info.video is None:
        raise InputError(f"{path}: has no picture; a presenter must be a video or a photo")
    return {"width": info.video.width, "height": info.video.height, "fps": str(info.video.fps),
            "duration": info.duration, "is_image": info.is_image, "has_audio": info.audio is not None}


def analyse(presenter: str | Path, toolkit: Toolkit, progress: StepProgress | None = None):
    with wrap_leaf_errors():
        return toolkit.engine.analyse(Path(presenter), progress=progress)


def render(presenter: str | Path, speech, out: str | Path, toolkit: Toolkit, *,
           renderer: str = "auto", progress: StepProgress | None = None,
           max_seconds: float | None = None, max_height: int | None = None,
           renderer_options: dict | None = None):
    """Lip-sync one presenter to one speech; returns `lipsync.RenderResult`.
    `renderer_options` go to the renderer (Wav2Lip: checkpoint=PATH)."""
    with wrap_leaf_errors():
        return toolkit.engine.render(
            Path(presenter), speech.audio, speech.sample_rate, speech.phonemes, Path(out),
            renderer=renderer, comment=SYNTHETIC_COMMENT, progress=progress,
            max_seconds=max_seconds, max_height=max_height, renderer_options=renderer_options)


def write_narration(speech, path: str | Path) -> Path:
    from lipsync import media

    with wrap_leaf_errors():
        return media.write_audio(path, speech.audio, speech.sample_rate)


@dataclass(frozen=True)
class PresenterFailure:
    presenter: str
    language: str
    error: str


def presenter_label(path: str | Path, taken: Sequence[str] = ()) -> str:
    """A file-system-safe name for a presenter's outputs, unique among `taken`."""
    stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in Path(path).stem) or "presenter"
    label, n = stem, 2
    while label in taken:
        label, n = f"{stem}-{n}", n + 1
    return label
