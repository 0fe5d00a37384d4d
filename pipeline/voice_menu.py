"""What a voice menu shows before a job is submitted (the web page's presenter cards, the API):
the voices usable in a language, a presenter's automatic choice per language, and a short sample
of each voice: the sample its own profile is measured from when a job chooses a voice
(`tts.VoiceSamples`, kept by `pipeline.voicing_samples.SampleFiles`), made once for both.

    menu = VoiceMenu(service.voices)
    menu.usable("pt-BR")                                   # [MenuVoice, ...], the default first
    menu.automatic(video_path, input_key, ["pt-BR", "es"]) # (profile, [AutomaticVoice, ...])
    menu.sample("kokoro:jf_nezumi", "pt-BR")               # Path of a cached .wav

The automatic choice is the one a job submitted now would make (`PresenterVoices.choose` without an
override), from the presenter's profile cached by file content, so it costs a file read after the
first call.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import InputError, wrap_leaf_errors

if TYPE_CHECKING:
    from tts.profile import VoiceProfile

    from pipeline.voicing import PresenterVoices


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
    """What a sample says in `language` (any tag of it), or None when there is no sample text:
    the text each candidate voice is profiled with (`tts.samples.SAMPLE_TEXT`, en, pt, es, it,
    de, fr)."""
    from tts.samples import VoiceSamples

    text = VoiceSamples.text(language)
    return " ".join(text) if text else None


class VoiceMenu:
    """Voice menus over a `pipeline.voicing.PresenterVoices` (its catalog, profile cache and
    voice samples).

    A voice's sample is its `tts.VoiceSamples` sample (a WAV file under `<data>/voices/samples`,
    16-bit PCM at the voice's own rate), made on the first request, or by the warm-up, and read
    from disk after; a job choosing a voice by speaker similarity profiles the same file. Only
    usable voices in the tags they list are sampled, so the folder holds at most a few dozen.
    Measuring a presenter's profile is serialised (one at a time)."""

    def __init__(self, voices: PresenterVoices):
        self.voices = voices
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
        """The WAV file of `voice` speaking `sample_sentence(language)` in the tag it speaks
        (`tts.samples.spoken_tag`), made once. Raises NoSampleError when the voice is not usable
        in the language or the language has no sample sentence; InputError when synthesis fails."""
        sentence = sample_sentence(language)
        if sentence is None:
            raise NoSampleError(f"no sample sentence in {language}: samples exist in en, pt, es, it, de and fr")
        if voice not in {v.voice for v in self.usable(language)}:
            raise NoSampleError(f"{voice} is not a voice usable in {language} here; GET /voices/usable?language="
                                f"{language} lists them")
        with wrap_leaf_errors():
            info = self.voices.catalog().find(voice)
            samples = self.voices.samples()
            name = samples.audio(info, language)
        return samples.store.audio_path(name)
