"""The steps of a localization, each composing one leaf's result into the next leaf's input.

Every executor (inline, as the one-shot commands run; local worker processes; Ray) calls
these same functions through `pipeline.jobs.runner`. Leaf objects (translator, synthesizer,
transcriber, lip-sync engine) come from a `Toolkit`, which builds each one on first use and
keeps it loaded; a component given as an object wins over one the toolkit would build. The
translator reads the models of the toolkit's `ModelStore` (`polydub models import`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from pipeline import __version__
from pipeline.errors import InputError, wrap_leaf_errors
from pipeline.models import ModelStore
from pipeline.speech_encoder import WhisperEncoderFrames

log = logging.getLogger(__name__)

#: progress(done, total) for one long step
StepProgress = Callable[[int, int], None]

#: the translator key of "no glossary, no provided translations"
_PLAIN = json.dumps([{}, {}], sort_keys=True)

SYNTHETIC_COMMENT = f"lip-synced by polydub {__version__} (synthetic media)"
#: How a narration without its transcript is recognised (`translate.Transcriber` options): its
#: text is what the timeline is aligned to, and where Whisper hears a word differently the
#: words beside it move. Beam search over greedy decoding, measured by bench/bench_align.py
#: --recognised on 22 copies (en and pt, clean and degraded): word error 0.09 against 0.11
#: (better on 10, worse on 1); phone starts within the goal (issue 18 item 2) on 19 of 20
#: degraded copies against 10; on 57 s of speech 12-22% more CPU time (4.5-4.7 s against 3.8-4.1 s).
NARRATION_RECOGNISER: Mapping[str, Any] = MappingProxyType({"beam_size": 5})
#: A narration without its transcript whose recognition is less sure than this (Whisper's mean
#: log-probability per token, `translate.Transcript.log_probability`) is refused: there is no
#: right text to time, and its subtitles would be wrong. Measured with bench/bench_align.py
#: --recognised (Whisper base, beam 5): Portuguese under 5 dB babble, word error 0.45, phone
#: starts 33/262 ms from the clean copy's (outside the goal), -0.60; the copies that meet the
#: goal -0.46 at worst (pt reverberation RT60 0.8 s and a far room, word error 0.29-0.32), the
#: clean copies, a clean minute of each voice and the shared recordings -0.02 to -0.19. The bar
#: lies halfway between -0.60 and -0.46. On 22 more copies (the other text of
#: tests/helpers/degrade, babble at 7.5 and 3 dB, the babble moved) no copy within the goal
#: fell below it, but it does not catch every copy outside the goal (en babble 3 dB: -0.41).
MIN_LOG_PROBABILITY = -0.53


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
        self._translators: dict[str, Any] = {}
        self._synthesizer = synthesizer
        self._transcriber = transcriber
        self._engine = engine
        self._voices = voices

    @property
    def translator(self):
        """The translator on the store's translation models (and the bundled Bergamot ones)."""
        return self.translator_for()

    def translator_for(self, glossary: Mapping[str, Any] | None = None,
                       provided: Mapping[str, Path] | None = None):
        """A translator with a glossary ({keep, forced}, as `JobSpec.glossary`) and provided
        translation files ({pair or name: file}) besides the store's models; one is built per
        distinct glossary and file set and kept. A translator given to the toolkit is used
        when neither is asked for."""
        key = json.dumps([glossary or {}, {k: str(v) for k, v in (provided or {}).items()}], sort_keys=True)
        if key == _PLAIN and self._translator is not None:
            return self._translator
        if key not in self._translators:
            import translate
            from translate.glossary import Glossary

            # Every sentence translation is remembered, so an edit re-translates one sentence.
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            memory = translate.TranslationMemory(self.cache_dir / "translation-memory.sqlite")
            terms = Glossary.of(keep=(glossary or {}).get("keep", ()), forced=(glossary or {}).get("forced") or {})
            with wrap_leaf_errors():
                self._translators[key] = translate.Translator(
                    models={**self.store.translation_models(), **(provided or {})},
                    checksums=self.store.translation_checksums(), glossary=terms, memory=memory)
        return self._translators[key]

    @property
    def synthesizer(self):
        if self._synthesizer is None:
            import tts

            from pipeline.utterances import FileUtterances

            # a speak task stopped part-way keeps the chunks it spoke (pipeline.utterances)
            self._synthesizer = tts.Synthesizer(self._voices, model_paths=self.store.speech_models(),
                                                utterances=FileUtterances(self.cache_dir / "utterances"))
        return self._synthesizer

    @property
    def transcriber(self):
        if self._transcriber is None:
            import translate

            self._transcriber = translate.Transcriber(self.store.path("whisper-base"), **NARRATION_RECOGNISER)
        return self._transcriber

    @property
    def engine(self):
        if self._engine is None:
            import lipsync

            self._engine = lipsync.LipSyncEngine(
                self.cache_dir / "presenters", face_model=self.store.path("face-landmarker"))
        return self._engine


# --------------------------------------------------------------------------- text


def read_script(text: str, language: str | None = None, *, accept_mixed_language: bool | None = None):
    """The source script as a structured, segmented document. With `accept_mixed_language`
    given (a script the user wrote, not a transcript) and `language` given, lines identified
    as another language raise InputError naming them unless it is True
    (`translate.check_given_language`)."""
    import translate

    with wrap_leaf_errors():
        doc = translate.read_source(text, language=language) if language else translate.read_source(text)
        if accept_mixed_language is not None:
            translate.check_given_language(doc, accept_mixed_language=accept_mixed_language)
        return doc


def translate_script(doc, target_language: str, toolkit: Toolkit, *, source_language: str | None = None,
                     glossary: Mapping[str, Any] | None = None, provided: Mapping[str, Path] | None = None):
    """The document's sentences in `target_language` (identity when it is the source's), with
    the glossary's terms and provided translations ({pair or name: file}) winning over MT."""
    from pipeline.segments import flagged_sentences, shorten

    translator = toolkit.translator_for(glossary, provided)
    with wrap_leaf_errors():
        result = translator.translate(doc, source_language or doc.language, target_language)
    flagged = flagged_sentences({"id": s.id, "source": s.source, "flags": s.flags} for s in result.sentences)
    if flagged:  # could be wrong: said, and listed under "check" in the manifest
        log.warning("%s: %d sentence(s) to check: %s (listed under \"check\" in the manifest)",
                    result.target_language, len(flagged),
                    "; ".join(f"{s['id']} \"{shorten(s['source'], 40)}\": {', '.join(s['words'])}" for s in flagged))
    return result


def provided_translations(path: str | Path, source: str, target: str) -> dict[str, Path]:
    """A provided translations file keyed so the translator knows its languages: by the file's
    own declaration (XLIFF, PO, a JSON or CSV that names them), else by this pair."""
    from translate.backends import discover
    from translate.errors import TranslationError

    try:
        discover(Path(path))
    except TranslationError:
        return {f"{source}-{target}": Path(path)}
    return {"provided": Path(path)}


def paragraph_starts(doc) -> set[int]:
    """Indices of sentences that open a block (heading, paragraph, step), for longer pauses."""
    starts, seen = set(), set()
    for i, sentence in enumerate(doc.sentences):
        if sentence.block not in seen:
            seen.add(sentence.block)
            if i:
                starts.add(i)
    return starts


def speak(texts: Sequence[str], language: str, toolkit: Toolkit, *, paragraph_breaks: set[int] | frozenset[int] = (),
          voice: str | None = None, rate: float = 1.0, progress: StepProgress | None = None):
    """Voice sentences (one str each) in a BCP-47 `language`, with a longer pause before the
    sentence indices in `paragraph_breaks` (see `paragraph_starts`); `rate` 1.0 is the voice's
    normal pace; `progress(done, total)` counts the sentences spoken. Returns `tts.Speech` (mono
    float32 audio, phoneme timeline, sentence timings).
    Raises InputError when there is nothing to speak or the leaf refuses (unknown voice)."""
    texts = list(texts)
    if not any(t.strip() for t in texts):
        raise InputError("the script has no sentences to speak; give a script with text")
    with wrap_leaf_errors():
        return toolkit.synthesizer.synthesize(texts, language, voice=voice, rate=rate,
                                              paragraph_breaks=set(paragraph_breaks), progress=progress)


# --------------------------------------------------------------------------- recordings


def load_audio(path: str | Path, *, track: int | None = None,
               accept_truncated: bool = False) -> tuple[np.ndarray, int]:
    """Decode any audio or video file's audio to mono float32 (the leaves' audio contract);
    `track` picks the 1-based audio stream (None: the file's default one). A cut-off file
    raises InputError unless `accept_truncated` (then it is used as far as it reads)."""
    from lipsync import media

    with wrap_leaf_errors():
        return media.read_audio(path, track=track, accept_truncated=accept_truncated)


def decode_options(params: Mapping[str, Any] | None):
    """`lipsync.media.DecodeOptions` from a task's {"accept_truncated": bool, "background":
    "#rrggbb"} (see `pipeline.jobs.plan.decode_params`); None when empty (the defaults)."""
    if not params:
        return None
    from lipsync import media

    options: dict[str, Any] = {"accept_truncated": bool(params.get("accept_truncated"))}
    if params.get("background"):
        from PIL import ImageColor

        options["background"] = ImageColor.getrgb(str(params["background"]))[:3]
    with wrap_leaf_errors():
        return media.DecodeOptions(**options)


def narration(audio: np.ndarray, sample_rate: int, toolkit: Toolkit, *,
              language: str | None = None, transcript: str | None = None):
    """Speech timings for a recorded narration (mono float32 `audio` at `sample_rate` Hz).

    Without a transcript, Whisper recognises the words and `tts.align_recognised` times their
    text on the recording as a given transcript's (Whisper's word times only check the result;
    the words keep Whisper's text, and words and sentences take the aligned times,
    `_timed_as_aligned`). With one, no recogniser runs: the transcript's
    sentences are aligned on the recording directly (`tts.forced.align_text`); its language
    is `language`, else the transcript's own when the text shows it clearly
    (`translate.detect.guess_language`), else the spoken one (Whisper's language
    identification on the first 30 s). A transcript that does not match the recording is an
    InputError, as is silence, nothing recognised, or a recognition less sure than
    `MIN_LOG_PROBABILITY` (too noisy: its transcript must be given).

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
            _check_recognised(heard)
            phones, spans = tts.align_recognised(audio, sample_rate, list(heard.words), heard.language,
                                                 encoder=WhisperEncoderFrames(lambda: toolkit.transcriber.model))
            heard = _timed_as_aligned(heard, spans)
        else:
            heard, phones = _aligned_transcript(audio, sample_rate, toolkit, transcript, language)
    speech = Speech(
        audio=audio, sample_rate=sample_rate, phonemes=tuple(phones),
        words=tuple(TimedText(*w) for w in heard.words),
        sentences=tuple(TimedText(*s) for s in heard.segments),
        language=heard.language, voice="recording", backend="recording")
    return speech, heard


def _check_recognised(heard) -> None:
    """InputError when the recogniser was less sure of the narration than `MIN_LOG_PROBABILITY`."""
    sure = heard.log_probability
    if sure is not None and sure < MIN_LOG_PROBABILITY:
        raise InputError(f"the narration is too noisy to recognise reliably (Whisper's mean log-probability per token "
                         f"{sure:.2f} < {MIN_LOG_PROBABILITY:.2f}): give its transcript (--transcript); with other "
                         "voices or loud noise under the speech, use a cleaner recording")


def _timed_as_aligned(heard, spans):
    """`heard` (translate.Transcript) with its words and sentences timed by the aligner: `spans`
    is `tts.align_recognised`'s second value, per word holding a letter (in order) its aligned
    (start_s, end_s, text) or None (no phones). Subtitles come from these times: Whisper's own
    sit on a 20 ms grid and move by up to 0.5 s with the recording's condition (bench_align
    --recognised). A word without phones keeps Whisper's times, held between its neighbours';
    a sentence runs from its first word's start to its last word's end."""
    from dataclasses import replace

    from tts.phonemes import WORD

    aligned = iter(spans)
    words, placed = [], []
    for start, end, text in heard.words:
        span = next(aligned, None) if WORD.search(str(text)) else None
        words.append((span[0], span[1], text) if span else (start, end, text))
        placed.append(span is not None)
    for k in (k for k, done in enumerate(placed) if not done):  # in order between the aligned words
        start, end, text = words[k]
        low = words[k - 1][1] if k else 0.0
        high = min((w[0] for w, done in zip(words[k + 1:], placed[k + 1:]) if done), default=max(end, low))
        start = min(max(start, low), high)
        words[k] = (start, min(max(end, start), high), text)
    sentences = []
    for s_start, s_end, text in heard.segments:
        mine = [new for new, old in zip(words, heard.words) if s_start - 1e-3 <= old[0] <= s_end + 1e-3]
        sentences.append((mine[0][0], mine[-1][1], text) if mine else (s_start, s_end, text))
    return replace(heard, words=tuple(words), segments=tuple(sentences))


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
    # Whisper's encoder frames keep the warp on the talker in noise and rooms (tts.encoded) and
    # judge a transcript the spectra leave in doubt (tts.forced.GREY_ZONE); the model loads only
    # for such a recording, and nothing is recognised
    aligned = align_text(audio, sample_rate, sentences, tag,
                         encoder=WhisperEncoderFrames(lambda: toolkit.transcriber.model))
    heard = translate.Transcript(
        language=tag, words=tuple(tuple(w) for w in aligned.words), text=text,
        segments=tuple(tuple(s) for s in aligned.sentences), detected_language=detected,
        language_probability=probability, model="espeak-ng (given words aligned)",
        # the mismatch's scale: on the encoder's frames (noisy, reverberant or in doubt) or the band spectra
        options={"mismatch": round(aligned.mismatch, 3), "mismatch_on": "encoder" if aligned.encoded else "spectra"})
    return heard, aligned.phonemes


# --------------------------------------------------------------------------- video


def analyse(presenter: str | Path, toolkit: Toolkit, progress: StepProgress | None = None, *, decode=None):
    """The presenter's `lipsync.PresenterAnalysis`; `decode` (`lipsync.media.DecodeOptions`,
    None: defaults) says how its picture is decoded."""
    with wrap_leaf_errors():
        return toolkit.engine.analyse(Path(presenter), progress=progress, decode=decode)


def render(presenter: str | Path, speech, out: str | Path, toolkit: Toolkit, *,
           renderer: str = "auto", progress: StepProgress | None = None,
           max_seconds: float | None = None, max_height: int | None = None,
           renderer_options: dict | None = None, decode=None):
    """Lip-sync one presenter to one speech; returns `lipsync.RenderResult` (its
    `options["conversions"]`: what decoding did to the picture, one sentence each).
    `renderer_options` go to the renderer (Wav2Lip: checkpoint=PATH, default the model store's
    `wav2lip` entry); `decode` (`lipsync.media.DecodeOptions`, None: defaults) says how the
    picture is decoded. Raises ModelNotFoundError when Wav2Lip has no checkpoint anywhere."""
    if renderer == "wav2lip" and not (renderer_options or {}).get("checkpoint"):
        renderer_options = {**(renderer_options or {}), "checkpoint": str(toolkit.store.path("wav2lip"))}
    with wrap_leaf_errors():
        return toolkit.engine.render(
            Path(presenter), speech.audio, speech.sample_rate, speech.phonemes, Path(out),
            renderer=renderer, comment=SYNTHETIC_COMMENT, progress=progress,
            max_seconds=max_seconds, max_height=max_height, renderer_options=renderer_options, decode=decode)


def write_narration(speech, path: str | Path) -> Path:
    from lipsync import media

    with wrap_leaf_errors():
        return media.write_audio(path, speech.audio, speech.sample_rate)


@dataclass(frozen=True)
class PresenterFailure:
    presenter: str
    language: str
    error: str


