"""CTranslate2 conversions of Marian models (int8 on CPU, float16 on CUDA), loaded from a
folder; `convert_marian` makes such a folder from a MarianMT folder."""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from translate.backends import ModelSpec, marian_family_spec, pair_of_folder, register_backend
from translate.backends.marian import is_marian_folder
from translate.errors import ModelLoadError

log = logging.getLogger(__name__)


def is_ct2_folder(path: Path) -> bool:
    return (path.is_dir() and (path / "model.bin").is_file() and (path / "config.json").is_file()
            and (any(path.glob("*vocabulary*")) and (path / "source.spm").is_file()))


def convert_marian(marian_dir: str | Path, out_dir: str | Path, *, quantization: str | None = "int8",
                   force: bool = False) -> Path:
    """Convert a MarianMT folder into a CTranslate2 folder that `CTranslate2Kind` loads
    (the converted model plus the sentencepiece models and the pair)."""
    marian_dir, out_dir = Path(marian_dir), Path(out_dir)
    if not is_marian_folder(marian_dir):
        raise ModelLoadError(f"{marian_dir} is not a MarianMT folder (config.json with model_type marian)")
    try:
        from ctranslate2.converters import TransformersConverter
    except ImportError as exc:
        raise ModelLoadError("conversion needs ctranslate2; pip install ctranslate2") from exc
    try:
        TransformersConverter(str(marian_dir)).convert(str(out_dir), quantization=quantization, force=force)
    except Exception as exc:
        raise ModelLoadError(f"cannot convert {marian_dir} to CTranslate2: {exc}") from exc
    for name in ("source.spm", "target.spm"):
        shutil.copy2(marian_dir / name, out_dir / name)
    pair = pair_of_folder(marian_dir, None)
    if pair:
        (out_dir / "polydub.json").write_text(
            json.dumps({"source": pair[0], "target": pair[1], "converted_from": marian_dir.name}), encoding="utf-8")
    return out_dir


_SPECIAL = frozenset({"<unk>", "</s>", "<s>", "<pad>"})


@dataclass
class CTranslate2Engine:
    spec: ModelSpec
    translator: object = field(repr=False)
    source_sp: object = field(repr=False)
    target_sp: object = field(repr=False)
    batch_size: int = 16
    beam_size: int = 4

    def translate_batch(self, texts: Sequence[str]) -> list[str]:
        tokens = [self.source_sp.encode(t, out_type=str) + ["</s>"] for t in texts]
        # a bound on the output length stops runaway repetition loops of small models; one less
        # than the transformers backend's, whose last step is the forced end of sentence
        results = self.translator.translate_batch(
            tokens, max_batch_size=self.batch_size, beam_size=self.beam_size,
            max_decoding_length=min(512, 2 * max((len(t) for t in tokens), default=1) + 9))
        # special tokens are not text (transformers drops them the same way)
        return [self.target_sp.decode_pieces([p for p in r.hypotheses[0] if p not in _SPECIAL]).strip()
                for r in results]


class CTranslate2Kind:
    name = "ctranslate2"

    def discover(self, path: Path, pair: tuple[str, str] | None) -> list[ModelSpec]:
        return [marian_family_spec(self.name, "CTranslate2", path, pair)] if is_ct2_folder(path) else []

    def load(self, spec: ModelSpec, device: str | None) -> CTranslate2Engine:
        try:
            import ctranslate2
            import sentencepiece as spm
        except ImportError as exc:
            raise ModelLoadError("CTranslate2 models need ctranslate2 and sentencepiece; pip install them") from exc
        if device is None:
            device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
        compute_type = (spec.options or {}).get("compute_type") or (
            "int8_float16" if device.startswith("cuda") else "int8")
        try:
            translator = ctranslate2.Translator(str(spec.path), device=device.split(":")[0], compute_type=compute_type,
                                                intra_threads=int((spec.options or {}).get("threads", 0)))
            source_sp = spm.SentencePieceProcessor(model_file=str(spec.path / "source.spm"))
            target_sp = spm.SentencePieceProcessor(model_file=str(spec.path / "target.spm"))
        except Exception as exc:
            raise ModelLoadError(
                f"cannot load CTranslate2 model {spec.path}: {exc}; the folder is damaged — convert "
                "the Marian model again (translate.backends.ctranslate.convert_marian)") from exc
        options = spec.options or {}
        return CTranslate2Engine(spec, translator, source_sp, target_sp,
                                 batch_size=int(options.get("batch_size", 16)),
                                 beam_size=int(options.get("beam_size", 4)))


register_backend(CTranslate2Kind())
