"""MarianMT (OPUS-MT and the like) through transformers + sentencepiece, from a local folder
as `save_pretrained` writes it; batched, on CUDA when present."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from translate.backends import ModelSpec, marian_family_spec, register_backend
from translate.errors import ModelLoadError

log = logging.getLogger(__name__)

NEEDED = ("config.json", "source.spm", "target.spm", "vocab.json")
WEIGHTS = ("model.safetensors", "pytorch_model.bin")


def is_marian_folder(path: Path) -> bool:
    config = path / "config.json"
    if not (path.is_dir() and config.is_file()):
        return False
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return (path / "source.spm").exists() and any((path / w).exists() for w in WEIGHTS)
    return data.get("model_type") == "marian"


def torch_device(device: str | None) -> str:
    if device:
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


@dataclass
class MarianEngine:
    spec: ModelSpec
    model: object = field(repr=False)
    tokenizer: object = field(repr=False)
    device: str = "cpu"
    batch_size: int = 16
    beam_size: int = 4

    def translate_batch(self, texts: Sequence[str]) -> list[str]:
        import torch

        out: list[str | None] = [None] * len(texts)
        # batches of similar length waste less padding
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            idx = order[start:start + self.batch_size]
            batch = self.tokenizer([texts[i] for i in idx], return_tensors="pt", padding=True,
                                   truncation=True, max_length=512).to(self.device)
            # a bound on the output length stops runaway repetition loops of small models
            limit = min(512, int(batch["input_ids"].shape[1] * 2 + 10))
            with torch.inference_mode():
                generated = self.model.generate(**batch, num_beams=self.beam_size, max_new_tokens=limit)
            for i, text in zip(idx, self.tokenizer.batch_decode(generated, skip_special_tokens=True)):
                out[i] = text.strip()
        return [t or "" for t in out]


class MarianKind:
    name = "marian"

    def discover(self, path: Path, pair: tuple[str, str] | None) -> list[ModelSpec]:
        return [marian_family_spec(self.name, "Marian", path, pair)] if is_marian_folder(path) else []

    def load(self, spec: ModelSpec, device: str | None) -> MarianEngine:
        missing = [n for n in NEEDED if not (spec.path / n).is_file()]
        if not any((spec.path / w).is_file() for w in WEIGHTS):
            missing.append(" or ".join(WEIGHTS))
        if missing:
            raise ModelLoadError(
                f"Marian model {spec.path} is incomplete (missing {', '.join(missing)}); copy the whole "
                "folder that save_pretrained wrote, or import it with `polydub models import`")
        try:
            from transformers import MarianMTModel, MarianTokenizer
        except ImportError as exc:
            raise ModelLoadError("MarianMT needs transformers and sentencepiece; pip install them") from exc
        dev = torch_device(device)
        try:
            tokenizer = MarianTokenizer.from_pretrained(str(spec.path))
            model = MarianMTModel.from_pretrained(str(spec.path)).eval().to(dev)
            if dev.startswith("cuda"):
                model = model.half()
        except Exception as exc:  # transformers raises many types for a damaged folder
            raise ModelLoadError(
                f"cannot load Marian model {spec.path}: {type(exc).__name__}: {exc}; the folder is "
                "damaged — copy it again from the machine that saved it") from exc
        options = spec.options or {}
        return MarianEngine(spec, model, tokenizer, dev, batch_size=int(options.get("batch_size", 16)),
                            beam_size=int(options.get("beam_size", 4)))


register_backend(MarianKind())
