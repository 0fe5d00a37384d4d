"""The Synthesizer: sentences in one language → one Speech (audio + phoneme, word, sentence timings)."""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Protocol

import numpy as np

from tts.audio import normalize_loudness, speech_bounds
from tts.backends import Backend, ModelPaths, Utterance
from tts.errors import EmptyTextError, SpeechError, UnsupportedLanguageError
from tts.languages import base, canonical, is_tag, resolve
from tts.lexicon import lexicon_for
from tts.normalize import Normalizer
from tts.phonemes import WORD, split_clauses
from tts.timeline import fit_edges_to_sound
from tts.types import Phone, Speech, TimedText, VoiceInfo, check_timeline
from tts.voices import VoiceCatalog

log = logging.getLogger(__name__)

# Pauses in seconds at rate 1.0 (they scale with 1/rate).
LEAD_IN_S = 0.15
TAIL_S = 0.30
SENTENCE_PAUSE_S = 0.45
PARAGRAPH_PAUSE_S = 0.90
CHUNK_PAUSE_S = 0.12
EDGE_KEEP_S = 0.03  # silence kept at each edge of an utterance when trimming the backend's own


#: part of every kept utterance's key: a change to what `Backend.speak` returns changes it
UTTERANCE_FORMAT = 1


class UtteranceStore(Protocol):
    """Where a take keeps each utterance it has spoken until the take is finished, so a take
    stopped part-way (Ctrl-C) speaks only what is left when asked again (`Synthesizer`)."""

    def get(self, key: str) -> Utterance | None: ...

    def put(self, key: str, utterance: Utterance) -> None: ...

    def forget(self, keys: Collection[str]) -> None: ...


def utterance_key(info: VoiceInfo, language: str, rate: float, text: str) -> str:
    """SHA-256 (hex) of what one `Backend.speak` call depends on: the voice (its id, and its model
    file's path, size and modification time when it has one), the language, the rate, the text
    and `UTTERANCE_FORMAT`."""
    model = None
    if info.path and os.path.isfile(info.path):
        st = os.stat(info.path)
        model = [info.path, st.st_size, st.st_mtime_ns]
    blob = json.dumps([UTTERANCE_FORMAT, info.id, model, language, rate, text], ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class Synthesizer:
    """Speaks sentences in any installed language; models load once per instance and are reused.

    `voices` maps a language (BCP-47) to a voice id, a bare voice name or a Piper .onnx path;
    languages not in it get the default voice (`tts.default_voice`). `model_paths`: each backend's
    model files besides its bundled default (`tts.backends.ModelPaths`). `lexicon` maps a language
    to {word: how to say it}, applied before numbers are spelled out. `utterances`: where a take
    keeps what it has spoken until it is finished (`UtteranceStore`; none by default), so the
    same take asked again after an interruption reuses its finished chunks, the same samples.
    """

    def __init__(
        self,
        voices: Mapping[str, str] | None = None,
        *,
        model_paths: ModelPaths | None = None,
        lexicon: Mapping[str, Mapping[str, str]] | None = None,
        backends: Mapping[str, Backend] | None = None,
        utterances: UtteranceStore | None = None,
    ):
        self.utterances = utterances
        self.voices = {canonical(k): v for k, v in (voices or {}).items()}
        self.lexicon = {canonical(k): dict(v) for k, v in (lexicon or {}).items()}
        self.catalog = VoiceCatalog(model_paths, backends)

    def choose_voice(self, language: str, voice: str | VoiceInfo | None = None) -> VoiceInfo:
        if isinstance(voice, VoiceInfo):
            return voice
        if voice is None:
            tag = canonical(language)
            voice = self.voices.get(tag) or self.voices.get(base(tag))
        return self.catalog.find(voice) if voice else self.catalog.default_voice(language)

    def synthesize(
        self,
        sentences: Sequence[str],
        language: str,
        *,
        voice: str | VoiceInfo | None = None,
        rate: float = 1.0,
        paragraph_breaks: Collection[int] = (),
        progress: Callable[[int, int], None] | None = None,
    ) -> Speech:
        """Speak `sentences` (already segmented) with natural pauses; longer at paragraph breaks
        (indices of sentences that start a paragraph). `progress(done, total)` is called after
        each sentence (sentences spoken so far, all sentences)."""
        if isinstance(sentences, str):
            sentences = [sentences]
        _check_request(sentences, language, rate)
        resolved = resolve(language)
        info = self.choose_voice(resolved, voice)
        backend = self.catalog.backend(info.backend)
        normalizer = Normalizer(resolved, {**lexicon_for(resolved), **self._lexicon(resolved)})
        breaks = set(paragraph_breaks)
        take = _Take(rate)
        kept: list[str] = []
        speak = self._speaker(backend, info, resolved, rate, kept)
        for i, sentence in enumerate(sentences):
            pause = PARAGRAPH_PAUSE_S if i in breaks else SENTENCE_PAUSE_S
            _speak_sentence(take, normalizer(sentence or ""), sentence, pause, speak, backend.max_chars)
            if progress is not None:
                progress(i + 1, len(sentences))
        speech = take.speech(resolved, info)
        if self.utterances is not None:
            self.utterances.forget(kept)  # the take is whole: its pieces are no longer needed
        return speech

    def _speaker(self, backend: Backend, info: VoiceInfo, language: str, rate: float,
                 kept: list[str]) -> Callable[[str], Utterance]:
        """chunk -> its utterance: `backend.speak`, or the one kept from an interrupted take
        (`utterances`); each key used is added to `kept`."""
        def speak(chunk: str) -> Utterance:
            if self.utterances is None:
                return backend.speak(chunk, info, language, rate)
            key = utterance_key(info, language, rate, chunk)
            kept.append(key)
            utt = self.utterances.get(key)
            if utt is None:
                utt = backend.speak(chunk, info, language, rate)
                self.utterances.put(key, utt)
            return utt
        return speak

    def _lexicon(self, language: str) -> dict[str, str]:
        tag = canonical(language)
        return {**self.lexicon.get(base(tag), {}), **self.lexicon.get(tag, {})}


def _check_request(sentences: Sequence[str], language: str, rate: float) -> None:
    """UnsupportedLanguageError for no BCP-47 tag, EmptyTextError for no word to say,
    SpeechError for a rate outside 0.25..4.0."""
    if not language or not is_tag(language):
        raise UnsupportedLanguageError(f"{language!r} is not a language tag: use BCP-47, e.g. en, pt-BR, es")
    if not any(WORD.search(s or "") for s in sentences):
        raise EmptyTextError("there is nothing to say: give at least one sentence with words")
    if not 0.25 <= rate <= 4.0:
        raise SpeechError(f"speaking rate {rate} is out of range: use 0.25 to 4.0 (1.0 is normal)")


class _Take:
    """Speech being put together: audio pieces, phone, word and sentence timelines (seconds),
    and the sample count so far (`cursor`); pauses are scaled by the speaking `rate`."""

    def __init__(self, rate: float):
        self.rate = rate
        self.pieces: list[np.ndarray] = []
        self.phones: list[Phone] = []
        self.words: list[TimedText] = []
        self.spans: list[TimedText] = []
        self.sample_rate: int | None = None
        self.cursor = 0

    def silence(self, seconds: float) -> None:
        """A pause of `seconds` at normal pace (none before the first utterance sets the rate)."""
        if self.sample_rate:
            n = int(round(seconds / self.rate * self.sample_rate))
            self.pieces.append(np.zeros(n, np.float32))
            self.cursor += n

    def add(self, utt: Utterance) -> None:
        """An utterance, its phones and words moved to where it starts."""
        offset = self.cursor / utt.sample_rate
        self.pieces.append(utt.audio)
        self.phones.extend(Phone(s + offset, e + offset, p) for s, e, p in utt.phones)
        self.words.extend(TimedText(s + offset, e + offset, t) for s, e, t in utt.words)
        self.cursor += len(utt.audio)

    def speech(self, language: str, info: VoiceInfo) -> Speech:
        """The whole take after its tail pause, loudness-normalised, its timeline checked."""
        self.silence(TAIL_S)
        rate = self.sample_rate or 24000
        audio = normalize_loudness(np.concatenate(self.pieces) if self.pieces else np.zeros(0, np.float32), rate)
        timeline = tuple(_non_overlapping(self.phones))
        check_timeline(timeline, len(audio) / (self.sample_rate or 1))
        return Speech(
            audio=audio, sample_rate=int(rate), phonemes=timeline, words=tuple(self.words),
            sentences=tuple(self.spans), language=language, voice=info.id, backend=info.backend, rate=self.rate,
        )


def _speak_sentence(take: _Take, text: str, sentence: str, pause: float, speak: Callable[[str], Utterance],
                    max_chars: int) -> None:
    """One sentence (`text`, normalised) into `take`, in chunks under the backend's limit: the
    lead-in before the first utterance, else `pause` before the sentence and CHUNK_PAUSE_S
    between its chunks; each utterance trimmed and its phone edges fitted to the sound. Its
    span (`sentence` as written) goes to the take's sentence timeline."""
    start_of_sentence = None
    for k, chunk in enumerate(_chunks(text, max_chars)):
        utt = speak(chunk)
        if take.sample_rate is None:
            take.sample_rate = utt.sample_rate
            take.silence(LEAD_IN_S)
        elif k == 0:
            take.silence(pause)
        else:
            take.silence(CHUNK_PAUSE_S)
        utt = _trim(utt)
        fitted = tuple(fit_edges_to_sound(utt.phones, utt.audio, utt.sample_rate))
        utt = Utterance(utt.audio, utt.sample_rate, fitted, _words_to_phones(utt.words, fitted))
        if start_of_sentence is None:
            start_of_sentence = take.cursor
        take.add(utt)
    t0 = (start_of_sentence if start_of_sentence is not None else take.cursor) / (take.sample_rate or 1)
    take.spans.append(TimedText(t0, take.cursor / (take.sample_rate or 1), sentence))


def _chunks(text: str, max_chars: int) -> list[str]:
    """Split a sentence at clause boundaries so each piece stays under `max_chars`."""
    if len(text) <= max_chars:
        return [text] if WORD.search(text) else []
    out, current = [], ""
    for body, mark in split_clauses(text):
        piece = body + mark
        while len(piece) > max_chars:  # one clause too long: cut at the last space that fits
            cut = piece.rfind(" ", 0, max_chars)
            cut = cut if cut > 0 else max_chars
            if current:
                out.append(current)
                current = ""
            out.append(piece[:cut])
            piece = piece[cut:].strip()
        if current and len(current) + 1 + len(piece) > max_chars:
            out.append(current)
            current = piece
        else:
            current = f"{current} {piece}".strip()
    if current:
        out.append(current)
    return [c for c in out if WORD.search(c)]


def _trim(utt: Utterance) -> Utterance:
    """Cut the backend's own leading and trailing silence (keeping a little), shifting timings."""
    start, end = speech_bounds(utt.audio, utt.sample_rate)
    if end <= start:
        return utt
    keep = int(EDGE_KEEP_S * utt.sample_rate)
    first = min((p.start for p in utt.phones), default=start / utt.sample_rate)
    last = max((p.end for p in utt.phones), default=end / utt.sample_rate)
    start = max(0, min(start, int(first * utt.sample_rate)) - keep)
    end = min(len(utt.audio), max(end, int(np.ceil(last * utt.sample_rate))) + keep)
    shift = start / utt.sample_rate
    limit = (end - start) / utt.sample_rate
    phones = tuple(Phone(max(0.0, s - shift), min(limit, e - shift), p) for s, e, p in utt.phones if e - shift > 0)
    words = tuple(TimedText(max(0.0, s - shift), min(limit, e - shift), t) for s, e, t in utt.words if e - shift > 0)
    return Utterance(utt.audio[start:end], utt.sample_rate, phones, words)


def _words_to_phones(words, phones) -> tuple[TimedText, ...]:
    """Each word's span shrunk to the phones inside it (after their edges were fitted to the sound)."""
    out = []
    for w in words:
        inside = [p for p in phones if p.start >= w.start - 1e-6 and p.end <= w.end + 1e-6]
        out.append(TimedText(min(p.start for p in inside), max(p.end for p in inside), w.text) if inside else w)
    return tuple(out)


def _non_overlapping(phones: list[Phone]) -> list[Phone]:
    out: list[Phone] = []
    for p in sorted(phones, key=lambda p: p.start):
        start = max(p.start, out[-1].end) if out else p.start
        if p.end > start:
            out.append(Phone(start, p.end, p.phone))
    return out
