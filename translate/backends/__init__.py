"""Translation backends behind one protocol, and the registry that finds which backend reads
a model folder.

A *kind* (`BackendKind`) recognises its model folders without loading them (`discover`) and
loads one direction on demand (`load`), returning an `Engine`. The translator keeps loaded
engines on its own instance, so each model loads once per translator.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from translate.errors import ModelLoadError
from translate.languages import normalize


@dataclass(frozen=True)
class ModelSpec:
    """One translation direction that a model folder (or file) provides."""

    backend: str          # registry name of the kind that reads it
    path: Path
    source: str           # BCP-47
    target: str
    model: str            # a stable identifier (folder name and version) for memory keys and manifests
    options: dict = field(default_factory=dict, compare=False, hash=False)


@runtime_checkable
class Engine(Protocol):
    """A loaded model for one direction."""

    spec: ModelSpec

    def translate_batch(self, texts: Sequence[str]) -> list[str]: ...


class BackendKind(Protocol):
    name: str

    def discover(self, path: Path, pair: tuple[str, str] | None) -> list[ModelSpec]:
        """The directions `path` provides, or [] when it is not this kind's model."""

    def load(self, spec: ModelSpec, device: str | None) -> Engine: ...


_REGISTRY: dict[str, BackendKind] = {}


def register_backend(kind: BackendKind) -> BackendKind:
    """Add a backend kind (third-party backends register themselves the same way)."""
    _REGISTRY[kind.name] = kind
    return kind


def backend_kinds() -> dict[str, BackendKind]:
    _load_builtin()
    return dict(_REGISTRY)


def _load_builtin() -> None:
    # importing registers; the order here is the order kinds are tried in discovery
    from translate.backends import bergamot, ctranslate, marian, provided  # noqa: F401


def discover(path: str | Path, pair: tuple[str, str] | None = None) -> list[ModelSpec]:
    """Every direction found at `path` by any registered kind. A path no kind recognises
    raises ModelLoadError saying what a model folder must contain."""
    path = Path(path).expanduser()
    if not path.exists():
        raise ModelLoadError(f"translation model {path} does not exist; give the path of a model folder or file")
    found: list[ModelSpec] = []
    for kind in backend_kinds().values():
        found.extend(kind.discover(path, pair))
        if found:
            return found
    raise ModelLoadError(
        f"{path} is not a translation model polydub can read: expected a Bergamot folder "
        "(config*.yml, model*.bin, vocab*.spm), a MarianMT folder as save_pretrained writes it "
        "(config.json, source.spm, target.spm, vocab.json, weights), a CTranslate2 folder "
        "(model.bin, config.json, *vocabulary*, source.spm, target.spm), or provided "
        "translations (.xliff, .xlf, .po, .csv, .json)")


def pair_from_key(key: str) -> tuple[str, str] | None:
    """'en-de', 'en->pt-BR', 'pt-BR:en', 'en-pt-BR' to a pair; None when the key is a name."""
    key = key.strip()
    m = re.fullmatch(r"(.+?)\s*(?:->|→|:)\s*(.+)", key)
    if m:
        left, right = m.group(1), m.group(2)
    else:
        parts = re.split(r"[-_]", key)
        if len(parts) == 2:
            left, right = parts
        elif len(parts) == 3 and parts[2].isupper():      # en-pt-BR
            left, right = parts[0], f"{parts[1]}-{parts[2]}"
        elif len(parts) == 3 and parts[1].isupper():      # pt-BR-en
            left, right = f"{parts[0]}-{parts[1]}", parts[2]
        elif len(parts) == 4:                             # pt-BR-en-US
            left, right = f"{parts[0]}-{parts[1]}", f"{parts[2]}-{parts[3]}"
        else:
            return None
    tag = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z]{2}|-[A-Za-z]{4})?")
    if not (tag.fullmatch(left.replace("_", "-")) and tag.fullmatch(right.replace("_", "-"))):
        return None
    return normalize(left), normalize(right)


def pair_of_folder(path: Path, pair: tuple[str, str] | None) -> tuple[str, str] | None:
    """The languages of a Marian-family folder: given pair, then polydub.json, then the
    OPUS-MT folder name (opus-mt-en-de), then tokenizer_config.json."""
    if pair:
        return pair
    manifest = path / "polydub.json"
    if manifest.is_file():
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
            if data.get("source") and data.get("target"):
                return normalize(data["source"]), normalize(data["target"])
        except (OSError, ValueError) as exc:
            raise ModelLoadError(f"{manifest} is not valid JSON ({exc}); fix or delete it") from exc
    m = re.search(r"opus-mt-([a-z]{2,3})-([a-z]{2,3})(?:$|[^a-z])", path.name.lower())
    if m:
        return normalize(_ISO3.get(m.group(1), m.group(1))), normalize(_ISO3.get(m.group(2), m.group(2)))
    tok = path / "tokenizer_config.json"
    if tok.is_file():
        try:
            data = json.loads(tok.read_text(encoding="utf-8"))
            src, tgt = data.get("source_lang"), data.get("target_lang")
            if src and tgt:
                return normalize(_ISO3.get(src, src)), normalize(_ISO3.get(tgt, tgt))
        except (OSError, ValueError):
            pass
    return None


def marian_family_spec(kind: str, label: str, path: Path, pair: tuple[str, str] | None) -> ModelSpec:
    """The one direction of a Marian-family folder (MarianMT, its CTranslate2 conversion) of
    backend `kind`; `label` names the model kind in the error. Raises ModelLoadError when the
    languages cannot be told (see `pair_of_folder`)."""
    langs = pair_of_folder(path, pair)
    if not langs:
        raise ModelLoadError(
            f"cannot tell which languages the {label} model {path} translates; name the pair, "
            "e.g. models={'en-de': path}, or add polydub.json with source and target")
    return ModelSpec(kind, path, langs[0], langs[1], f"{kind}/{path.name}")


_ISO3 = {"eng": "en", "deu": "de", "spa": "es", "fra": "fr", "por": "pt", "ita": "it", "nld": "nl",
         "jpn": "ja", "jap": "ja", "zho": "zh", "rus": "ru", "pol": "pl"}
