"""Voice cloning: a model that speaks in the voice of a short reference recording.

    cloners = tts.cloning.installed_cloners(model_paths)    # {name: InstalledCloner} that load here
    speech = tts.cloning.clone_speech(["Hello."], "en", cloners["xtts"].backend, reference)

A cloning backend is a model the user installs (Coqui XTTS-v2 in the Coqui environment, see the
README, "Voice cloning"); the reference is the presenter's own speech, a 6-15 s stretch chosen by
`tts.reference.choose_reference`. Speech goes through the same `Synthesizer` as every other voice
(normalisation, chunking, pauses, loudness, timeline checks): the cloning backend is wrapped, with
its reference, as an ordinary `tts.backends.Backend`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from tts.backends import Utterance
from tts.errors import SpeechError, UnsupportedLanguageError
from tts.languages import base, canonical
from tts.types import Speech, VoiceInfo

log = logging.getLogger(__name__)

#: A cloned voice's id starts so: "clone:<backend>" (then "@<reference digest>" in a job).
CLONE_PREFIX = "clone:"
#: The `Speech.backend` of cloned speech.
CLONE_BACKEND = "clone"


@dataclass(frozen=True)
class SpeakerReference:
    """The speech a cloned voice imitates: mono float32 samples in [-1, 1] at `sample_rate` Hz.

    digest: the SHA-256 of the stored clip (its identity in a job; "" when not stored)."""

    audio: np.ndarray = field(repr=False)
    sample_rate: int
    digest: str = ""

    @property
    def duration(self) -> float:
        """Seconds."""
        return len(self.audio) / float(self.sample_rate)


@runtime_checkable
class CloningBackend(Protocol):
    """A TTS that speaks one normalised sentence (under `max_chars`) in the reference's voice."""

    name: str
    # Longest text (characters of normalised text) one `synthesize` call takes well.
    max_chars: int
    # The model's licence in one line (recorded in the manifest with each cloned voice).
    licence: str

    def languages(self) -> tuple[str, ...]:
        """BCP-47 tags the model speaks. Raises BackendUnavailableError (a SpeechError) when its
        package or model is not installed here; this is how "installed" is decided."""
        ...

    def synthesize(self, text: str, language: str, reference: SpeakerReference, rate: float) -> Utterance:
        """Audio (float32 mono) with a phone and word timeline relative to it, as `Backend.speak`."""
        ...


CloningFactory = Callable[[Sequence[Path]], CloningBackend]
#: cloning backend name -> its candidate model paths (`pipeline.models.ModelStore.cloning_models`)
CloningPaths = Mapping[str, Sequence[Path]]


def _xtts(paths: Sequence[Path]) -> CloningBackend:
    from tts.backends.xtts_backend import XttsBackend

    return XttsBackend(paths)


# Name -> factory (its model paths -> backend); a voice "clone:<name>" speaks with it. Factories are
# cheap: backends import their heavy packages when `languages` or `synthesize` first needs them.
CLONING_REGISTRY: Mapping[str, CloningFactory] = {
    "xtts": _xtts,
}


@dataclass(frozen=True)
class InstalledCloner:
    """A cloning backend that loads here, and the languages (BCP-47) it speaks."""

    backend: CloningBackend
    languages: tuple[str, ...]

    def speaks(self, language: str) -> bool:
        return base(canonical(language)) in {base(canonical(tag)) for tag in self.languages}


def installed_cloners(model_paths: CloningPaths | None = None,
                      registry: Mapping[str, CloningFactory] | None = None) -> dict[str, InstalledCloner]:
    """The registry's cloning backends whose package and model are installed, by name, in the
    registry's order; each factory gets its own entry of `model_paths` (none: no paths). One that is not installed is left out (logged at INFO): without a cloning
    model nothing changes."""
    found: dict[str, InstalledCloner] = {}
    for name, factory in (CLONING_REGISTRY if registry is None else registry).items():
        try:
            backend = factory(tuple((model_paths or {}).get(name, ())))
            found[name] = InstalledCloner(backend, tuple(backend.languages()))
        except (SpeechError, ImportError, OSError) as exc:
            log.info("no cloning backend %s: %s", name, exc)
    return found


def parse_clone_voice(voice: str) -> tuple[str, str] | None:
    """("xtts", reference digest or "") of "clone:xtts" / "clone:xtts@<digest>"; None for any
    other voice id."""
    if not voice.startswith(CLONE_PREFIX):
        return None
    name, _, digest = voice[len(CLONE_PREFIX):].partition("@")
    if not name:
        raise SpeechError(f"{voice!r} names no cloning backend: write clone:<backend>, e.g. clone:xtts")
    return name, digest


class ClonedVoice:
    """A cloning backend and its reference as an ordinary `tts.backends.Backend` (for the
    Synthesizer): `speak` passes the reference along."""

    name = CLONE_BACKEND

    def __init__(self, cloner: CloningBackend, reference: SpeakerReference):
        self.cloner = cloner
        self.reference = reference
        self.max_chars = int(cloner.max_chars)

    def voices(self) -> list[VoiceInfo]:
        return []

    def speak(self, text: str, voice: VoiceInfo, language: str, rate: float) -> Utterance:
        return self.cloner.synthesize(text, language, self.reference, rate)


def clone_speech(sentences: Sequence[str], language: str, cloner: CloningBackend, reference: SpeakerReference, *,
                 voice_id: str | None = None, rate: float = 1.0, paragraph_breaks: Collection[int] = (),
                 progress: Callable[[int, int], None] | None = None,
                 lexicon: Mapping[str, Mapping[str, str]] | None = None) -> Speech:
    """Speak `sentences` in `language` with `cloner` in the voice of `reference`.

    Returns a `tts.Speech` (as `Synthesizer.synthesize`) whose `voice` is `voice_id` (default
    "clone:<backend>") and `backend` "clone". Raises UnsupportedLanguageError when the model does
    not speak the language, SpeechError for a reference under 1 s, and what the Synthesizer raises.
    """
    from tts.synthesizer import Synthesizer

    spoken = tuple(cloner.languages())
    if base(canonical(language)) not in {base(canonical(tag)) for tag in spoken}:
        raise UnsupportedLanguageError(f"the cloning model {cloner.name} does not speak {language}; it speaks "
                                       f"{', '.join(spoken)}: pick a voice with `polydub voices --lang {language}`")
    if reference.duration < 1.0:
        raise SpeechError(f"the speaker reference is {reference.duration:.1f} s long; cloning needs seconds of speech")
    info = VoiceInfo(voice_id or f"{CLONE_PREFIX}{cloner.name}", CLONE_BACKEND, cloner.name, spoken,
                     description=f"cloned by {cloner.name}")
    synth = Synthesizer(lexicon=lexicon, backends={CLONE_BACKEND: ClonedVoice(cloner, reference)})
    return synth.synthesize(list(sentences), language, voice=info, rate=rate, paragraph_breaks=paragraph_breaks,
                            progress=progress)
