"""Installed voices, the default voice per language, and choosing a voice for a request."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

from tts.backends import REGISTRY, Backend
from tts.errors import BackendUnavailableError, SpeechError, UnsupportedLanguageError, VoiceNotFoundError
from tts.languages import base, canonical, espeak_name, resolve
from tts.types import VoiceInfo

log = logging.getLogger(__name__)

# Default voice per language, chosen by measured intelligibility (Whisper base word error rate on
# a fixed SOP text per language, bench/bench_tts.py; figures in the README). Languages not here
# get espeak-ng.
# Measured here: en piper 0.00 (espeak 0.07); pt-BR kokoro jm_kumo 0.14 (jf_alpha 0.37, espeak 0.49,
# heard as Latin); es 0.10 (espeak 0.45); it 0.07 (espeak 0.45); de 0.06 (jf_alpha 0.98, espeak
# 0.40); fr 0.49 (espeak 0.70; neither is good). Japanese keeps a native Japanese voice.
DEFAULT_VOICES: Mapping[str, str] = {
    "en": "piper:en_US-joe-medium",
    "pt": "kokoro:jm_kumo",
    "es": "kokoro:jm_kumo",
    "it": "kokoro:jm_kumo",
    "de": "kokoro:jm_kumo",
    "fr": "kokoro:jm_kumo",
    "ja": "kokoro:jf_alpha",
}


class VoiceCatalog:
    """The backends of one Synthesizer and the voices they offer (listed once, lazily)."""

    def __init__(self, models_dir: Path | None = None, backends: Mapping[str, Backend] | None = None):
        self.models_dir = models_dir
        self._backends: dict[str, Backend] = dict(backends or {})
        self._voices: list[VoiceInfo] | None = None

    def backend(self, name: str) -> Backend:
        if name not in self._backends:
            if name not in REGISTRY:
                raise VoiceNotFoundError(f"no TTS backend {name!r}: use one of {', '.join(REGISTRY)}")
            self._backends[name] = REGISTRY[name](self.models_dir)
        return self._backends[name]

    def voices(self) -> list[VoiceInfo]:
        if self._voices is None:
            found: list[VoiceInfo] = []
            for name in REGISTRY:
                try:
                    found.extend(self.backend(name).voices())
                except (SpeechError, ImportError, OSError) as exc:
                    log.info("TTS backend %s unavailable: %s", name, exc)
            self._voices = found
        return list(self._voices)

    def find(self, voice: str) -> VoiceInfo:
        """A voice by id ("piper:en_US-joe-medium"), bare name ("jf_alpha") or Piper model path."""
        if voice.endswith(".onnx") or "/" in voice:
            path = Path(voice).expanduser()
            if not path.exists():
                raise VoiceNotFoundError(f"voice file {path} does not exist: give the path of a Piper .onnx voice")
            from tts.backends.piper_backend import voice_info_for

            return voice_info_for(path)
        voices = self.voices()
        for v in voices:
            if voice in (v.id, v.name):
                return v
        if ":" in voice:
            backend, _, name = voice.partition(":")
            if backend == "espeak" and espeak_name(name, {v.name for v in voices if v.backend == "espeak"}):
                return VoiceInfo(f"espeak:{name}", "espeak", name, (canonical(name),))
            if backend not in REGISTRY:
                raise VoiceNotFoundError(f"no TTS backend {backend!r}: use one of {', '.join(REGISTRY)}")
        ids = ", ".join(v.id for v in voices if v.backend != "espeak")
        raise VoiceNotFoundError(f"no voice {voice!r} is installed: use one of {ids}, espeak:<language>, or a Piper .onnx path")

    def default_voice(self, language: str) -> VoiceInfo:
        """The default voice for a language: the measured table, else espeak-ng."""
        wanted = DEFAULT_VOICES.get(canonical(language).lower()) or DEFAULT_VOICES.get(base(language))
        if wanted:
            try:
                return self.find(wanted)
            except (VoiceNotFoundError, BackendUnavailableError) as exc:
                log.warning("default voice %s unavailable (%s); falling back to espeak-ng", wanted, exc)
        espeak_voices = {v.name for v in self.voices() if v.backend == "espeak"}
        name = espeak_name(resolve(language), espeak_voices)
        if name is None:
            installed = sorted({base(lang) for v in self.voices() for lang in v.languages})
            best = sorted({base(lang) for v in self.voices() if v.backend != "espeak" for lang in v.languages})
            raise UnsupportedLanguageError(
                f"no installed voice speaks {language!r}: use one of the {len(installed)} installed languages "
                f"(neural voices: {', '.join(best)}; espeak-ng: {', '.join(installed[:20])}, ...; "
                f"`polydub voices` lists all)"
            )
        return VoiceInfo(f"espeak:{name}", "espeak", name, (canonical(name),))
