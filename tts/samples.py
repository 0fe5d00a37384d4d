"""One spoken sample per voice and language, made once, serving both what uses it: the voice's
own profile (F0, speaker embedding) for choosing a voice by speaker similarity
(`tts.choose_voice`), and the audio a person plays to hear the voice (a voice menu).

    samples = VoiceSamples(synthesizer, store=store)   # store: where samples are kept (SampleStore)
    samples.audio(voice_info, "pt-BR")                  # the sample's name in the store, made once
    samples.profile(voice_info, "pt-BR")                # its VoiceProfile, measured once

A sample is `SAMPLE_TEXT` of the language (two sentences, about 4 s: over the profile's 2 s
minimum) in the tag the voice speaks (`spoken_tag`). Each (voice, tag) is made at most once per
`VoiceSamples` however many threads ask at once; different samples are made one at a time (one
synthesizer), and a caller asking in the foreground goes before one warming in the background
(`background=True`), so a job waits for at most the sample in flight, not for other languages.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Protocol

import numpy as np

from tts.languages import base, canonical, resolve
from tts.profile import NoSpeechError, SpeakerEncoder, VoiceProfile, voice_profile
from tts.types import VoiceInfo

log = logging.getLogger(__name__)

# What each voice speaks for its sample (about 4 s: over the profile's 2 s minimum).
SAMPLE_TEXT: Mapping[str, tuple[str, ...]] = {
    "en": ("Clean the filling nozzle at the end of every shift.", "Then switch off the machine."),
    "pt": ("Limpe o bico de enchimento no final de cada turno.", "Depois desligue a máquina."),
    "es": ("Limpie la boquilla de llenado al final de cada turno.", "Luego apague la máquina."),
    "it": ("Pulire l'ugello di riempimento alla fine di ogni turno.", "Poi spegnere la macchina."),
    "de": ("Reinigen Sie die Fülldüse am Ende jeder Schicht.", "Dann schalten Sie die Maschine aus."),
    "fr": ("Nettoyez la buse de remplissage à la fin de chaque équipe.", "Puis éteignez la machine."),
}
#: Bumped when the way a sample is made changes, so stored samples are made again.
SAMPLE_VERSION = 2


class SampleStore(Protocol):
    """Where samples are kept, by name (a digest: `VoiceSamples.name`). The pipeline's is a
    folder of WAV and JSON files written whole (`pipeline.voicing_samples.SampleFiles`)."""

    def read_audio(self, name: str) -> tuple[np.ndarray, int] | None:
        """(float32 mono samples, sample rate in Hz), or None when not kept."""

    def write_audio(self, name: str, audio: np.ndarray, sample_rate: int) -> None: ...

    def read_profile(self, name: str) -> VoiceProfile | None:
        """The measured profile, or None when not kept."""

    def write_profile(self, name: str, profile: VoiceProfile) -> None: ...


class MemorySamples:
    """A `SampleStore` in memory (one process, nothing written)."""

    def __init__(self) -> None:
        self._audio: dict[str, tuple[np.ndarray, int]] = {}
        self._profiles: dict[str, VoiceProfile] = {}

    def read_audio(self, name: str) -> tuple[np.ndarray, int] | None:
        return self._audio.get(name)

    def write_audio(self, name: str, audio: np.ndarray, sample_rate: int) -> None:
        self._audio[name] = (audio, sample_rate)

    def read_profile(self, name: str) -> VoiceProfile | None:
        return self._profiles.get(name)

    def write_profile(self, name: str, profile: VoiceProfile) -> None:
        self._profiles[name] = profile


def spoken_tag(listed: Sequence[str], language: str) -> str:
    """The tag a voice listing `listed` speaks a sample of `language` in: `language` resolved
    ("pt" -> "pt-BR") or its base when the voice lists it, else the voice's first tag of that
    language, else `language` resolved. Keeps samples per voice to the tags it lists (a request
    for "es-MX" plays the voice's "es")."""
    own = {canonical(t).lower(): canonical(t) for t in listed}
    for tag in (resolve(language), base(language)):
        if tag.lower() in own:
            return own[tag.lower()]
    same = [canonical(t) for t in listed if base(t) == base(language)]
    return same[0] if same else resolve(language)


class VoiceSamples:
    """Each voice's sample per language, made once and kept in `store` (`MemorySamples` when
    None). `synthesizer`: a `tts.Synthesizer` (made on first use); `encoder`: a
    `tts.SpeakerEncoder` (loaded on the first profile). Thread-safe; see the module's doc."""

    def __init__(self, synthesizer=None, encoder: SpeakerEncoder | None = None, store: SampleStore | None = None):
        self._synth = synthesizer
        self._encoder = encoder
        self.store: SampleStore = store if store is not None else MemorySamples()
        self._profiles: dict[str, VoiceProfile | None] = {}
        self._guard = threading.Lock()  # guards the tables below
        self._locks: dict[str, threading.Lock] = {}  # one per sample: made once however many ask
        self._work = threading.Lock()  # one synthesis or measurement at a time
        self._turn = threading.Condition(self._guard)
        self._foreground = 0  # callers waiting for `_work` that go before background warming

    @staticmethod
    def text(language: str) -> tuple[str, ...] | None:
        """The sentences a sample in `language` (any tag of it) speaks, or None (no sample text)."""
        return SAMPLE_TEXT.get(base(canonical(language)))

    def name(self, voice: VoiceInfo, language: str) -> str | None:
        """The sample's name in the store: a digest of (voice id, its model file, the tag it speaks,
        the text, SAMPLE_VERSION); None when the language has no sample text."""
        text = self.text(language)
        if text is None:
            return None
        tag = spoken_tag(voice.languages, language)
        key = json.dumps([voice.id, str(voice.path or ""), tag, text, SAMPLE_VERSION])
        return "voice-" + hashlib.sha256(key.encode()).hexdigest()[:24]

    def audio(self, voice: VoiceInfo, language: str, *, background: bool = False) -> str | None:
        """The name of `voice`'s sample in `language`, synthesized into the store unless it is
        there; None when the language has no sample text. Raises SpeechError when synthesis fails."""
        name = self.name(voice, language)
        if name is None:
            return None
        with self._sample_lock(name):
            if self.store.read_audio(name) is None:
                with self._working(background):
                    self._synthesize(name, voice, language)
        return name

    def profile(self, voice: VoiceInfo, language: str, *, background: bool = False) -> VoiceProfile | None:
        """`voice`'s own profile in `language`, measured from its sample (made if need be) once;
        None when the language has no sample text or the sample could not be profiled."""
        name = self.name(voice, language)
        if name is None:
            return None
        if name in self._profiles:
            return self._profiles[name]
        with self._sample_lock(name):
            if name not in self._profiles:
                found = self.store.read_profile(name)
                if found is None:
                    with self._working(background):
                        found = self._measure(name, voice, language)
                self._profiles[name] = found
        return self._profiles[name]

    # -- making ---------------------------------------------------------------------------------
    def _synthesize(self, name: str, voice: VoiceInfo, language: str) -> tuple[np.ndarray, int]:
        from tts.synthesizer import Synthesizer

        self._synth = self._synth or Synthesizer()
        tag = spoken_tag(voice.languages, language)
        speech = self._synth.synthesize(list(self.text(language) or ()), tag, voice=voice)
        audio = np.asarray(speech.audio, dtype=np.float32).reshape(-1)
        self.store.write_audio(name, audio, speech.sample_rate)
        log.debug("voice sample %s in %s made (%.1f s)", voice.id, tag, len(audio) / speech.sample_rate)
        return audio, speech.sample_rate

    def _measure(self, name: str, voice: VoiceInfo, language: str) -> VoiceProfile | None:
        kept = self.store.read_audio(name)
        audio, rate = kept if kept is not None else self._synthesize(name, voice, language)
        self._encoder = self._encoder or SpeakerEncoder()
        try:
            found = voice_profile(audio, rate, encoder=self._encoder)
        except NoSpeechError as exc:
            log.warning("voice %s in %s could not be profiled: %s", voice.id, language, exc)
            return None
        self.store.write_profile(name, found)
        return found

    # -- who goes first -------------------------------------------------------------------------
    def _sample_lock(self, name: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(name, threading.Lock())

    @contextmanager
    def _working(self, background: bool) -> Iterator[None]:
        """Hold the synthesis lock; background work first waits until no foreground caller does."""
        with self._turn:
            if background:
                self._turn.wait_for(lambda: self._foreground == 0)
            else:
                self._foreground += 1
        with self._work:
            if not background:
                with self._turn:
                    self._foreground -= 1
                    self._turn.notify_all()
            yield
