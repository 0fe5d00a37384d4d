"""Installed voices, the default voice per language, each voice's register and intelligibility, and
choosing a voice for a presenter (`choose_voice`)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from tts.backends import REGISTRY, Backend, ModelPaths
from tts.errors import BackendUnavailableError, SpeechError, UnsupportedLanguageError, VoiceNotFoundError
from tts.languages import base, canonical, espeak_name, resolve
from tts.profile import VoiceProfile, cosine
from tts.samples import SAMPLE_TEXT, VoiceSamples  # noqa: F401 - where callers found them before
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

    def __init__(self, model_paths: ModelPaths | None = None, backends: Mapping[str, Backend] | None = None):
        """`model_paths`: each backend's model files besides its bundled default (`ModelPaths`);
        `backends`: backend objects by name, which win over the registry's."""
        self.model_paths = {name: tuple(Path(p) for p in paths) for name, paths in (model_paths or {}).items()}
        self._backends: dict[str, Backend] = dict(backends or {})
        self._voices: list[VoiceInfo] | None = None

    def backend(self, name: str) -> Backend:
        if name not in self._backends:
            if name not in REGISTRY:
                raise VoiceNotFoundError(f"no TTS backend {name!r}: use one of {', '.join(REGISTRY)}")
            self._backends[name] = REGISTRY[name](self.model_paths.get(name, ()))
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
        if name is None:  # a tag only an espeak-ng voice's own list knows (e.g. "sh" for espeak:hbs)
            tag = canonical(language).lower()
            name = next((v.name for v in self.voices() if v.backend == "espeak"
                         and tag in (t.lower() for t in v.languages)), None)
        if name is None:
            installed = sorted({base(lang) for v in self.voices() for lang in v.languages})
            best = sorted({base(lang) for v in self.voices() if v.backend != "espeak" for lang in v.languages})
            raise UnsupportedLanguageError(
                f"no installed voice speaks {language!r}: use one of the {len(installed)} installed languages "
                f"(neural voices: {', '.join(best)}; espeak-ng: {', '.join(installed[:20])}, ...; "
                f"`polydub voices` lists all)"
            )
        return VoiceInfo(f"espeak:{name}", "espeak", name, (canonical(name),))


# -- registers, intelligibility, and a voice per presenter ------------------------------------------

# Whisper base word error rate per (language, voice) on bench/bench_tts.py's SOP text; a voice is a
# candidate for a language when its rate is at most INTELLIGIBLE_WER (the worst default in use,
# pt jm_kumo 0.14, plus a margin). Measured here with `bench/bench_tts.py --langs L --backends ...`
# (Kokoro's women's voices on 2026-11-30); jf_alpha's es and it were measured good earlier
# (kokoro_backend.MEASURED_LANGUAGES) without a figure kept. jf_tebukuro was measured in en only.
MEASURED_WER: Mapping[tuple[str, str], float] = {
    ("en", "piper:en_US-joe-medium"): 0.00,
    ("en", "kokoro:jf_alpha"): 0.02, ("en", "kokoro:jf_nezumi"): 0.00,
    ("en", "kokoro:jf_gongitsune"): 0.00, ("en", "kokoro:jf_tebukuro"): 0.00,
    ("pt", "kokoro:jm_kumo"): 0.14, ("pt", "kokoro:jf_alpha"): 0.35,
    ("pt", "kokoro:jf_nezumi"): 0.07, ("pt", "kokoro:jf_gongitsune"): 0.09,
    ("es", "kokoro:jm_kumo"): 0.10, ("es", "kokoro:jf_nezumi"): 0.175, ("es", "kokoro:jf_gongitsune"): 0.175,
    ("it", "kokoro:jm_kumo"): 0.07, ("it", "kokoro:jf_nezumi"): 0.175, ("it", "kokoro:jf_gongitsune"): 0.025,
    ("de", "kokoro:jm_kumo"): 0.06, ("de", "kokoro:jf_alpha"): 0.98,
    ("de", "kokoro:jf_nezumi"): 0.10, ("de", "kokoro:jf_gongitsune"): 0.08,
    ("fr", "kokoro:jm_kumo"): 0.49,
}
INTELLIGIBLE_WER = 0.20
# espeak-ng's default variant of every language is a man's voice (its "+f1".."+f5" variants are
# women's, not offered here).
ESPEAK_REGISTER = "male"


def voice_register(info: VoiceInfo) -> str:
    """"female", "male" or "unknown" for an installed voice (Kokoro: its id; Piper: config or name)."""
    if info.backend == "kokoro":
        from tts.backends.kokoro_backend import register_of

        return register_of(info.name)
    if info.backend == "piper" and info.path:
        from tts.backends.piper_backend import register_of

        return register_of(Path(info.path))
    return ESPEAK_REGISTER if info.backend == "espeak" else "unknown"


def intelligible_voices(language: str, catalog: VoiceCatalog) -> list[tuple[VoiceInfo, float | None]]:
    """The installed voices that speak `language` intelligibly, with their measured WER (None: a
    Piper voice trained on the language, not measured here); the language default is always one."""
    lang = base(canonical(language))
    out: list[tuple[VoiceInfo, float | None]] = []
    for v in catalog.voices():
        wer = MEASURED_WER.get((lang, v.id))
        native = v.backend == "piper" and any(base(tag) == lang for tag in v.languages)
        if (wer is not None and wer <= INTELLIGIBLE_WER) or (wer is None and native):
            out.append((v, wer))
    default = catalog.default_voice(language)
    if all(v.id != default.id for v, _ in out):
        out.append((default, MEASURED_WER.get((lang, default.id))))
    return out


def missing_registers(languages: Sequence[str], catalog: VoiceCatalog) -> dict[str, tuple[str, ...]]:
    """Per language, the registers ("female", "male") no intelligible installed voice has."""
    out = {}
    for language in languages:
        have = {voice_register(v) for v, _ in intelligible_voices(language, catalog)}
        missing = tuple(r for r in ("female", "male") if r not in have)
        if missing:
            out[language] = missing
    return out


@dataclass(frozen=True)
class VoiceChoice:
    """The voice chosen for one presenter in one language, and why (recorded in the manifest).

    similarity: cosine between the presenter's and the voice's speaker embeddings, when both known.
    wer: the voice's measured word error rate in that language (None: not measured)."""

    voice: str
    reason: str
    register: str = "unknown"
    similarity: float | None = None
    wer: float | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def choose_voice(profile: VoiceProfile, language: str, catalog: VoiceCatalog, *, override: str | None = None,
                 samples: VoiceSamples | None = None) -> VoiceChoice:
    """A voice for a presenter with `profile` speaking `language`.

    Order: the user's `override`, then a voice the profile declares, then among the intelligible
    voices (`intelligible_voices`) those of the presenter's register, closest first by speaker
    embedding (needs `samples` and a measured profile), else by pitch, else lowest WER. Raises
    VoiceNotFoundError (naming the installed voices) for an unknown override or declared voice.
    """
    lang = base(canonical(language))
    for given, why in ((override, "chosen by the user"), (profile.voice, "declared for the presenter")):
        if given:
            info = catalog.find(given)
            return VoiceChoice(info.id, f"{info.id}: {why}", voice_register(info), None,
                               MEASURED_WER.get((lang, info.id)))
    candidates = intelligible_voices(language, catalog)
    heard = _heard(profile)
    if profile.register != "unknown":
        same = [(v, w) for v, w in candidates if voice_register(v) == profile.register]
        if not same:
            default = catalog.default_voice(language)
            return VoiceChoice(default.id, f"{heard}, but no {profile.register} voice is intelligible in {lang} "
                                           f"here: the default {default.id}", voice_register(default), None,
                               MEASURED_WER.get((lang, default.id)))
        candidates = same
    elif profile.embedding is None:
        default = catalog.default_voice(language)
        return VoiceChoice(default.id, f"{heard}: the default {default.id}", voice_register(default), None,
                           MEASURED_WER.get((lang, default.id)))
    scored = [(v, w, _similarity(profile, v, language, samples)) for v, w in candidates]
    if any(s is not None for _, _, s in scored):
        v, w, s = max(scored, key=lambda t: -2.0 if t[2] is None else t[2])
        how = f"the closest {'voice' if profile.register == 'unknown' else profile.register + ' voice'} by speaker " \
              f"similarity ({s:.2f})"
    else:
        v, w, s = min(scored, key=lambda t: (_pitch_gap(profile, t[0], language, samples), t[1] or 0.0))
        how = f"the {profile.register} voice with the lowest measured WER"
    wer = f"WER {w:.2f}" if w is not None else "WER not measured"
    return VoiceChoice(v.id, f"{heard}: {v.id}, {how}, {wer} in {lang}", voice_register(v), s, w)


def _heard(profile: VoiceProfile) -> str:
    if profile.source == "speech" and profile.f0_median_hz:
        return f"{profile.register} voice (median F0 {profile.f0_median_hz:.0f} Hz)"
    if profile.source == "declared":
        return f"declared {profile.register}"
    return "no voice profile"


def _similarity(profile: VoiceProfile, voice: VoiceInfo, language: str,
                samples: VoiceSamples | None) -> float | None:
    if samples is None or profile.embedding is None:
        return None
    own = samples.profile(voice, language)
    return cosine(profile.embedding, own.embedding) if own is not None and own.embedding else None


def _pitch_gap(profile: VoiceProfile, voice: VoiceInfo, language: str, samples: VoiceSamples | None) -> float:
    own = samples.profile(voice, language) if samples is not None and profile.f0_median_hz else None
    if own is None or not own.f0_median_hz:
        return 0.0
    return abs(float(np.log2(own.f0_median_hz / profile.f0_median_hz)))
