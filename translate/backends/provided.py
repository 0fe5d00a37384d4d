"""A person's own translations, imported from XLIFF, PO, CSV or JSON, used before any
machine translation: a sentence found in the file takes the person's text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from translate.backends import ModelSpec, register_backend
from translate.errors import ModelLoadError
from translate.formats import FormatError, read_csv_rows, read_json, read_po, read_xliff
from translate.languages import normalize

SUFFIXES = {".xliff": "xliff", ".xlf": "xliff", ".po": "po", ".csv": "csv", ".json": "json"}


def _key(text: str) -> str:
    return " ".join(text.split())


def load_table(path: Path) -> tuple[str | None, str | None, dict[str, str]]:
    """(source language, target language, {source text: target text}) from a file."""
    kind = SUFFIXES.get(path.suffix.lower())
    if kind in ("xliff", "po"):
        ex = read_xliff(path) if kind == "xliff" else read_po(path)
        table = {_key(u.source): u.target for u in ex.units if u.target}
        return ex.source_language, ex.target_language, table
    if kind == "csv":
        fields, rows = read_csv_rows(path)
        lower = [f.lower() for f in fields]
        if "source" in lower and ("target" in lower or "edited" in lower):
            src, tgt = fields[lower.index("source")], fields[lower.index("target" if "target" in lower else "edited")]
            languages = (None, None)
        elif len(fields) >= 2:  # header names the languages: "en,pt-BR"
            src, tgt = fields[0], fields[1]
            languages = (src, tgt)
        else:
            raise FormatError(f"{path}: a CSV of translations needs columns source,target (or two language columns)")
        table = {_key(r[src]): r[tgt] for r in rows if r.get(src) and r.get(tgt)}
        return languages[0], languages[1], table
    if kind == "json":
        data = read_json(path)
        if isinstance(data, dict) and isinstance(data.get("translations"), dict):
            return data.get("source"), data.get("target"), {_key(k): v for k, v in data["translations"].items() if v}
        if isinstance(data, dict) and all(isinstance(v, str) for v in data.values()):
            return None, None, {_key(k): v for k, v in data.items() if v}
        raise FormatError(f"{path}: JSON translations must be {{source: target}} or "
                          "{'source': 'en', 'target': 'pt-BR', 'translations': {...}}")
    return None, None, {}


@dataclass
class ProvidedEngine:
    spec: ModelSpec
    table: dict[str, str] = field(repr=False)
    partial = True  # returns None for a sentence the file does not hold

    def translate_batch(self, texts: Sequence[str]) -> list[str | None]:
        return [self.table.get(_key(t)) for t in texts]


class ProvidedKind:
    name = "provided"

    def discover(self, path: Path, pair: tuple[str, str] | None) -> list[ModelSpec]:
        if not (path.is_file() and path.suffix.lower() in SUFFIXES):
            return []
        src, tgt, table = load_table(path)
        if pair:
            src, tgt = pair
        if not (src and tgt):
            raise ModelLoadError(f"{path} does not say its languages; name the pair, e.g. models={{'en-de': path}}")
        return [ModelSpec(self.name, path, normalize(src), normalize(tgt), f"provided/{path.name}",
                          options={"table": table})]

    def load(self, spec: ModelSpec, device: str | None) -> ProvidedEngine:
        table = spec.options.get("table")
        if table is None:
            table = load_table(spec.path)[2]
        return ProvidedEngine(spec, table)


register_backend(ProvidedKind())
