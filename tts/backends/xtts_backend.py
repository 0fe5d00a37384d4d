"""Coqui XTTS-v2 as a cloning backend (`tts.cloning.CloningBackend`): speech in the voice of a
reference recording. Optional: it needs the `coqui-tts` package (its own environment, README
"Coqui TTS") and a model folder the user downloads themselves (README "Voice cloning": the
Coqui Public Model License allows non-commercial use only).

The backend is handed candidate model folders (the model store's `xtts/<name>/` folders,
`pipeline.models.ModelStore.cloning_models`): each holds `config.json` (Coqui's XttsConfig),
`model.pth` and `vocab.json`, as Coqui publishes XTTS-v2; the first complete one is used. XTTS gives no durations, so the words are spread evenly over its sounding audio and
espeak-ng's reading of them is aligned inside (`tts.align.align`), as the Coqui adapter does for
models without durations.
"""

from __future__ import annotations

import importlib.util
import json
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from tts.backends import Utterance
from tts.errors import BackendUnavailableError, SpeechError
from tts.languages import base, canonical
from tts.types import TimedText

log = logging.getLogger(__name__)

FOLDER = "xtts"
REQUIRED = ("config.json", "model.pth", "vocab.json")
# XTTS-v2's seventeen languages (its config's `languages`), used when a config lists none.
XTTS_LANGUAGES = ("en", "es", "fr", "de", "it", "pt", "pl", "tr", "ru", "nl", "cs", "ar", "zh-cn", "hu", "ko", "ja",
                  "hi")
# XTTS's own sentence limit for most languages is 250 characters (its tokenizer's char_limits).
MAX_CHARS = 250


def find_model(folders: Sequence[Path]) -> Path:
    """The first of `folders` that holds a complete XTTS model; BackendUnavailableError naming
    what is missing (none given: the model store's `xtts/` folder is empty)."""
    for folder in folders:
        missing = [name for name in REQUIRED if not (Path(folder) / name).is_file()]
        if not missing:
            return Path(folder)
        log.warning("skipping XTTS folder %s: no %s", Path(folder).name, ", ".join(missing))
    where = ", ".join(Path(f).name for f in folders) or f"the model store's {FOLDER}/ folder"
    raise BackendUnavailableError(f"no XTTS model folder (config.json, model.pth, vocab.json) in {where}; "
                                  f"copy XTTS-v2 into the model store's {FOLDER}/<name>/ (README, 'Voice cloning')")


class XttsBackend:
    name = "xtts"
    max_chars = MAX_CHARS
    licence = ("Coqui Public Model License 1.0.0: non-commercial use of the model and its outputs only "
               "(https://coqui.ai/cpml.txt; the model folder's LICENSE.txt)")

    def __init__(self, paths: Sequence[Path] = ()):
        self.paths = tuple(Path(p) for p in paths)
        self._model = None
        self._folder: Path | None = None
        self._latents: dict[str, tuple] = {}  # reference digest -> (GPT latents, speaker embedding)

    def languages(self) -> tuple[str, ...]:
        if importlib.util.find_spec("TTS") is None:
            raise BackendUnavailableError("Coqui TTS is not installed: XTTS runs in the Coqui environment "
                                          "(see README, 'Coqui TTS')")
        folder = find_model(self.paths)
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        if config.get("model") != "xtts":
            raise BackendUnavailableError(f"{folder}/config.json is not an XTTS model (model: {config.get('model')})")
        return tuple(canonical(tag) for tag in (config.get("languages") or XTTS_LANGUAGES))

    def load(self):
        """The model, loaded on first use (CPU)."""
        if self._model is None:
            self.languages()  # raises with what is missing
            from TTS.tts.configs.xtts_config import XttsConfig
            from TTS.tts.models.xtts import Xtts

            folder = find_model(self.paths)
            config = XttsConfig()
            config.load_json(str(folder / "config.json"))
            model = Xtts(config)
            model.load_checkpoint(config, checkpoint_dir=str(folder), eval=True)
            self._model, self._folder = model, folder
            log.info("loaded XTTS model %s", folder.name)
        return self._model

    def _conditioning(self, reference):
        """XTTS's GPT conditioning latents and speaker embedding of a reference, kept per digest."""
        import torch

        key = reference.digest or str(hash(reference.audio.tobytes()))
        if key not in self._latents:
            model = self.load()
            audio = torch.as_tensor(np.asarray(reference.audio, np.float32))[None]
            config = model.config
            with torch.inference_mode():
                embedding = model.get_speaker_embedding(audio, reference.sample_rate)
                latents = model.get_gpt_cond_latents(audio, reference.sample_rate,
                                                     length=int(getattr(config, "gpt_cond_len", 30)),
                                                     chunk_length=int(getattr(config, "gpt_cond_chunk_len", 4)))
            self._latents[key] = (latents, embedding)
        return self._latents[key]

    def synthesize(self, text: str, language: str, reference, rate: float) -> Utterance:
        """Speak `text` in the reference's voice; the timeline is spread by espeak-ng (see module)."""
        import torch

        model = self.load()
        latents, embedding = self._conditioning(reference)
        code = "zh-cn" if base(language) == "zh" else base(language)
        config = model.config
        with torch.inference_mode():
            out = model.inference(text, code, latents, embedding, speed=rate,
                                  temperature=float(getattr(config, "temperature", 0.75)),
                                  length_penalty=float(getattr(config, "length_penalty", 1.0)),
                                  repetition_penalty=float(getattr(config, "repetition_penalty", 10.0)),
                                  top_k=int(getattr(config, "top_k", 50)), top_p=float(getattr(config, "top_p", 0.85)))
        audio = np.asarray(out["wav"], np.float32).reshape(-1)
        if not len(audio) or not np.all(np.isfinite(audio)):
            raise SpeechError(f"XTTS gave no audio for {text[:40]!r}; check the model folder {self._folder}")
        sample_rate = int(getattr(getattr(config, "audio", None), "output_sample_rate", 24000))
        return _spread_words(text, language, audio, sample_rate)


def _spread_words(text: str, language: str, audio: np.ndarray, sample_rate: int) -> Utterance:
    """Words (tts.phonemes.WORD: no punctuation) spread evenly over the sounding part of `audio`,
    phones aligned inside them by espeak-ng's reading (`tts.align.spread_words`)."""
    from tts.align import spread_words
    from tts.phonemes import WORD

    phones, timed = spread_words(audio, sample_rate, WORD.findall(text), language)
    return Utterance(audio, sample_rate, phones, tuple(TimedText(*w) for w in timed))
