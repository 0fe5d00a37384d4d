"""What a voice menu shows before a job is submitted (the web page's presenter cards, the API):
the voices usable in a language, a presenter's automatic choice per language, and a short sample
of each voice, synthesized once and kept as a WAV file.

    menu = VoiceMenu(service.voices, data_dir / "voices" / "samples")
    menu.usable("pt-BR")                                   # [MenuVoice, ...], the default first
    menu.automatic(video_path, input_key, ["pt-BR", "es"]) # (profile, [AutomaticVoice, ...])
    menu.sample("kokoro:jf_nezumi", "pt-BR")               # Path of a cached .wav

The automatic choice is the one a job submitted now would make (`PresenterVoices.choose` without an
override), from the presenter's profile cached by file content, so it costs a file read after the
first call.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import InputError, wrap_leaf_errors

if TYPE_CHECKING:
    from tts.profile import VoiceProfile
    from tts.synthesizer import Synthesizer
    from tts.types import VoiceInfo

    from pipeline.voicing import PresenterVoices

#: Bumped when the way a sample is made changes, so cached samples are made again.
SAMPLE_VERSION = 1


class NoSampleError(InputError):
    """No sample of that voice in that language here: not a usable voice for it, or no sample
    sentence in that language."""


@dataclass(frozen=True)
class MenuVoice:
    """A voice usable in `language`: `voice` the id a job's `voices` takes, `label` for people
    ("jf_nezumi (Kokoro)"), `register` "female", "male" or "unknown", `wer` its measured word
    error rate in the language (0 to 1; None: not measured), `default` whether it is the
    language's default, `sample` whether `VoiceMenu.sample` can play it in this language."""

    language: str
    voice: str
    label: str
    register: str
    wer: float | None
    default: bool
    sample: bool


@dataclass(frozen=True)
class AutomaticVoice:
    """The voice a job submitted now would give a presenter in `language` without an override:
    `voice` (None when no installed voice speaks it; the speech task then takes the default),
    its `label`, `register` and `reason` (as the manifest records it)."""

    language: str
    voice: str | None
    label: str
    register: str
    reason: str


def voice_label(voice: str) -> str:
    """"kokoro:jf_nezumi" -> "jf_nezumi (Kokoro)" (the job's task labels use the same words)."""
    from pipeline.jobs.keys import voice_words

    return voice_words(voice)


def sample_sentence(language: str) -> str | None:
    """The fixed sentence a sample speaks in `language` (any tag of it), or None when there is none:
    the first sentence of the text each candidate voice is profiled with (`tts.voices.SAMPLE_TEXT`,
    en, pt, es, it, de, fr)."""
    from tts.languages import base
    from tts.voices import SAMPLE_TEXT

    text = SAMPLE_TEXT.get(base(language))
    return text[0] if text else None


class VoiceMenu:
    """Voice menus over a `pipeline.voicing.PresenterVoices` (its catalog and profile cache).

    Samples go to `samples_dir` as `<digest>.wav` (16-bit PCM, the voice's own sample rate), the
    digest of (voice id, its model file, the tag it speaks, the sentence, SAMPLE_VERSION): made on
    the first request, read from disk after. Only usable voices in the tags they list are sampled,
    so the folder holds at most a few dozen files. `synthesizer`: a `tts.Synthesizer` to reuse
    (one is made on first use). Synthesis is serialised (one at a time: a sample takes seconds of
    CPU, and two requests for the same sample make it once), and so is measuring a profile."""

    def __init__(self, voices: PresenterVoices, samples_dir: str | os.PathLike, *,
                 synthesizer: Synthesizer | None = None):
        self.voices = voices
        self.samples_dir = Path(samples_dir)
        self._synth = synthesizer
        self._lock = threading.Lock()
        # One presenter profile measured at a time: the page asks again when a language is ticked
        # while the first answer is still being measured; the second request then reads the cache.
        self._profiling = threading.Lock()

    def usable(self, language: str) -> list[MenuVoice]:
        """The installed voices intelligible in `language` (measured word error rate within the
        gate, `tts.intelligible_voices`), the default first, then by label. Raises InputError for
        a language no installed voice speaks."""
        import tts

        catalog = self.voices.catalog()
        with wrap_leaf_errors():
            found = tts.intelligible_voices(language, catalog)
            default = catalog.default_voice(language).id
        has_sample = sample_sentence(language) is not None
        rows = [MenuVoice(language, v.id, voice_label(v.id), tts.voice_register(v), wer, v.id == default, has_sample)
                for v, wer in found]
        return sorted(rows, key=lambda r: (not r.default, r.label.lower()))

    def automatic(self, path: str | os.PathLike, key: str,
                  languages: Sequence[str]) -> tuple[VoiceProfile, list[AutomaticVoice]]:
        """(the presenter's `tts.VoiceProfile`, [AutomaticVoice per language]) for the presenter
        stored as `key` (its content digest) at `path`. Raises InputError for a language no
        installed voice speaks."""
        catalog = self.voices.catalog()
        with wrap_leaf_errors():
            for language in languages:  # an unknown language is an error here, not "no choice"
                catalog.default_voice(language)
        with self._profiling:
            profile = self.voices.profile(path, key)
        out = []
        for language in languages:
            choice, _ = self.voices.choose(profile, language, None)
            if choice is None:
                out.append(AutomaticVoice(language, None, "the usual voice", "unknown",
                                          "no installed voice was chosen for this language: the default"))
            else:
                out.append(AutomaticVoice(language, choice.voice, voice_label(choice.voice), choice.register,
                                          choice.reason))
        return profile, out

    def sample(self, voice: str, language: str) -> Path:
        """The WAV file of `voice` speaking `sample_sentence(language)`, made once. Raises
        NoSampleError when the voice is not usable in the language or the language has no sample
        sentence; InputError when synthesis fails."""
        sentence = sample_sentence(language)
        if sentence is None:
            raise NoSampleError(f"no sample sentence in {language}: samples exist in en, pt, es, it, de and fr")
        if voice not in {v.voice for v in self.usable(language)}:
            raise NoSampleError(f"{voice} is not a voice usable in {language} here; GET /voices/usable?language="
                                f"{language} lists them")
        with wrap_leaf_errors():
            info = self.voices.catalog().find(voice)
        tag = _spoken_tag(info.languages, language)
        digest = hashlib.sha256(json.dumps([info.id, str(info.path or ""), tag, sentence, SAMPLE_VERSION])
                                .encode()).hexdigest()[:24]
        path = self.samples_dir / f"{digest}.wav"
        if path.is_file():
            return path
        with self._lock:
            if not path.is_file():  # made while this request waited
                self._make(path, info, tag, sentence)
        return path

    def _make(self, path: Path, info: VoiceInfo, tag: str, sentence: str) -> None:
        from lipsync.media import write_audio
        from tts.synthesizer import Synthesizer

        with wrap_leaf_errors():
            self._synth = self._synth or Synthesizer()
            speech = self._synth.synthesize([sentence], tag, voice=info)
            self.samples_dir.mkdir(parents=True, exist_ok=True)
            part = path.with_suffix(".part.wav")
            write_audio(part, speech.audio, speech.sample_rate)
        os.replace(part, path)


def _spoken_tag(listed: Sequence[str], language: str) -> str:
    """The tag a voice speaks a sample in: `language` resolved ("pt" -> "pt-BR") or its base when
    the voice lists it, else the voice's first tag of that language. Keeps samples per voice to
    the tags it lists (a request for "es-MX" plays the voice's "es")."""
    from tts.languages import base, canonical, resolve

    own = {canonical(t).lower(): canonical(t) for t in listed}
    for tag in (resolve(language), base(language)):
        if tag.lower() in own:
            return own[tag.lower()]
    same = [canonical(t) for t in listed if base(t) == base(language)]
    return same[0] if same else resolve(language)
