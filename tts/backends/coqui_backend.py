"""Coqui TTS (the maintained `coqui-tts` fork; optional extra `polydub[coqui]`).

Loads a local model folder: `config.json` plus a checkpoint (`model.pth`, `model_file.pth`,
`best_model.pth` or `checkpoint_*.pth`), from the folders the caller gives (pipeline's model store:
its `coqui/<name>/` folders and entries holding a Coqui model).
For VITS models the timeline comes from the durations the model predicts per input token
(times the hop length); for others the phones are spread over the audio by espeak-ng's durations.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from tts.backends import Utterance
from tts.errors import BackendUnavailableError, VoiceNotFoundError
from tts.languages import canonical
from tts.types import Phone, TimedText, VoiceInfo

log = logging.getLogger(__name__)

_CHECKPOINTS = ("model.pth", "model_file.pth", "best_model.pth", "model.pth.tar")


def find_checkpoint(folder: Path) -> Path | None:
    for name in _CHECKPOINTS:
        if (folder / name).exists():
            return folder / name
    found = sorted(folder.glob("checkpoint_*.pth")) + sorted(folder.glob("*.pth"))
    return found[-1] if found else None


def voice_info_for(folder: Path) -> VoiceInfo:
    folder = Path(folder)
    config = folder / "config.json"
    if not config.exists():
        raise VoiceNotFoundError(f"Coqui model folder {folder} has no config.json: give the folder the model was saved to")
    checkpoint = find_checkpoint(folder)
    if checkpoint is None:
        raise VoiceNotFoundError(f"Coqui model folder {folder} has no checkpoint (.pth): copy the model file beside config.json")
    meta = json.loads(config.read_text(encoding="utf-8"))
    lang = meta.get("phoneme_language") or (meta.get("datasets") or [{}])[0].get("language") or "en"
    return VoiceInfo(f"coqui:{folder.name}", "coqui", folder.name, (canonical(lang),), str(folder),
                     f"Coqui {meta.get('model', 'tts')} model")


class CoquiBackend:
    name = "coqui"
    max_chars = 400

    def __init__(self, paths: Sequence[Path] = ()):
        """`paths`: Coqui model folders (config.json + checkpoint), as the caller resolved them."""
        self.paths = tuple(Path(p) for p in paths)
        self._loaded: dict[str, object] = {}

    def voices(self) -> list[VoiceInfo]:
        found = []
        for folder in self.paths:
            try:
                found.append(voice_info_for(folder))
            except VoiceNotFoundError as exc:
                log.warning("skipping Coqui model %s: %s", folder, exc)
        return found

    def load(self, voice: VoiceInfo):
        if voice.id not in self._loaded:
            try:
                from TTS.utils.synthesizer import Synthesizer as CoquiSynthesizer
            except ImportError as exc:
                raise BackendUnavailableError(
                    "Coqui TTS is not installed: install the optional extra in its own environment "
                    "(pip install 'polydub[coqui]', see README, 'Coqui TTS')"
                ) from exc
            folder = Path(voice.path or "")
            info = voice_info_for(folder)  # raises with the missing file named
            self._loaded[voice.id] = CoquiSynthesizer(
                tts_checkpoint=str(find_checkpoint(folder)), tts_config_path=str(folder / "config.json"), use_cuda=False
            )
            log.info("loaded Coqui model %s", info.id)
        return self._loaded[voice.id]

    def speak(self, text: str, voice: VoiceInfo, language: str, rate: float) -> Utterance:
        synth = self.load(voice)  # first: a missing package must not cost a torch import
        import torch

        model = synth.tts_model
        sr = int(synth.output_sample_rate)
        ids = model.tokenizer.text_to_ids(text)
        with torch.no_grad():
            x = torch.as_tensor(ids, dtype=torch.long)[None]
            aux = {"x_lengths": torch.as_tensor([len(ids)])}
            if hasattr(model, "length_scale"):
                model.length_scale = 1.0 / rate
            outputs = model.inference(x, aux_input=aux)
        audio = outputs["model_outputs"].squeeze().detach().cpu().numpy().astype(np.float32).ravel()
        durations = outputs.get("durations")
        if durations is None:
            return _spread_by_espeak(text, language, audio, sr)
        frames = durations.squeeze().detach().cpu().numpy().ravel()
        hop = len(audio) / max(float(frames.sum()), 1.0)
        return _timeline_from_tokens(model.tokenizer, ids, frames * hop, audio, sr, text)


def _timeline_from_tokens(tokenizer, ids, samples, audio, sr, text) -> Utterance:
    """Phones from the model's tokens: characters or IPA symbols, blanks and punctuation as silence."""
    from tts.phonemes import WORD

    chars = [tokenizer.characters.id_to_char(int(i)) for i in ids]
    blank = getattr(tokenizer.characters, "blank", None)
    phones: list[Phone] = []
    pos = 0.0
    word_index, in_word = -1, False
    spans: dict[int, list[float]] = {}
    for ch, n in zip(chars, samples):
        begin, pos = pos, pos + float(n)
        if ch == blank or ch is None:
            if phones and phones[-1].end == begin / sr:
                phones[-1] = Phone(phones[-1].start, pos / sr, phones[-1].phone)
            continue
        if ch.isspace() or not ch.isalpha():
            in_word = False
            continue
        if not in_word:
            word_index, in_word = word_index + 1, True
        phones.append(Phone(begin / sr, pos / sr, ch))
        span = spans.setdefault(word_index, [begin / sr, pos / sr])
        span[1] = pos / sr
    words = WORD.findall(text)
    timed = [TimedText(s, e, words[k] if k < len(words) else "") for k, (s, e) in sorted(spans.items())]
    return Utterance(audio, sr, tuple(p for p in phones if p.end > p.start), tuple(timed))


def _spread_by_espeak(text: str, language: str, audio: np.ndarray, sr: int) -> Utterance:
    """Whitespace words spread evenly over the sound, phones aligned inside (`tts.align.spread_words`)."""
    from tts.align import spread_words

    phones, timed = spread_words(audio, sr, text.split(), language)
    return Utterance(audio, sr, phones, tuple(TimedText(*w) for w in timed))
