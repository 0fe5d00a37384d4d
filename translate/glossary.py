"""A glossary: terms kept as they are (product names, part numbers, codes) and terms with a
forced translation. Terms are protected through machine translation by placeholders that
small models copy through (`ZX0`), and checked in the output: a term that did not survive is
reported, never silently lost. Terms are literal text, never regular expressions."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from translate.errors import TranslationError
from translate.languages import normalize, primary


class GlossaryError(TranslationError):
    """A glossary file or term cannot be used."""


@dataclass(frozen=True)
class Term:
    source: str
    target: str | None = None       # None: do not translate (keep the source text)
    language: str | None = None     # target language of a forced translation (None: every language)
    case_sensitive: bool = True

    def replacement(self) -> str:
        return self.source if self.target is None else self.target


@dataclass(frozen=True)
class Slot:
    placeholder: str
    term: Term
    found: str          # the text as it appeared in the source


@dataclass(frozen=True)
class Protected:
    text: str                       # the source with terms replaced by placeholders
    slots: tuple[Slot, ...]


_PREFIXES = ("ZX", "QX", "XZ", "QZ", "ZQ", "XQ")


@dataclass(frozen=True)
class Glossary:
    terms: tuple[Term, ...] = ()
    _patterns: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    @classmethod
    def of(cls, keep: Iterable[str] = (), forced: Mapping[str, Mapping[str, str]] | None = None,
           *, case_sensitive: bool = True) -> "Glossary":
        """`keep`: terms never translated; `forced`: {target language: {source term: translation}}
        (language "*" for every language)."""
        terms = [Term(k, None, None, case_sensitive) for k in keep if k.strip()]
        for lang, mapping in (forced or {}).items():
            for src, tgt in mapping.items():
                if src.strip():
                    terms.append(Term(src, tgt, None if lang == "*" else normalize(lang), case_sensitive))
        return cls(tuple(terms))

    @classmethod
    def from_file(cls, path: str | Path) -> "Glossary":
        """JSON {"keep": [...], "forced": {"pt-BR": {...}}} or CSV with columns
        term,translation,language (empty translation: keep as is)."""
        path = Path(path)
        try:
            raw = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise GlossaryError(f"cannot read glossary {path}: {exc.strerror}") from exc
        if path.suffix.lower() == ".csv":
            rows = list(csv.DictReader(io.StringIO(raw)))
            if rows and "term" not in rows[0]:
                raise GlossaryError(f"glossary {path} needs a header with columns term,translation,language")
            return cls(tuple(Term(r["term"], (r.get("translation") or None),
                                  normalize(r["language"]) if r.get("language") else None)
                             for r in rows if (r.get("term") or "").strip()))
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise GlossaryError(f"glossary {path} is not valid JSON ({exc})") from exc
        return cls.of(data.get("keep", ()), data.get("forced", {}), case_sensitive=data.get("case_sensitive", True))

    @property
    def version(self) -> str:
        """Changes whenever a term changes: part of every translation-memory key."""
        blob = json.dumps([[t.source, t.target, t.language, t.case_sensitive] for t in self.terms], ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:12]

    def __bool__(self) -> bool:
        return bool(self.terms)

    def for_language(self, target: str) -> tuple[Term, ...]:
        target = normalize(target)
        out = []
        for t in self.terms:
            if t.language is None or t.language == target or (
                    "-" not in t.language and primary(target) == t.language):
                out.append(t)
        return tuple(out)

    def _pattern(self, target: str) -> tuple[re.Pattern | None, tuple[Term, ...]]:
        key = normalize(target)
        if key not in self._patterns:
            terms = sorted(self.for_language(key), key=lambda t: len(t.source), reverse=True)
            parts = []
            for i, t in enumerate(terms):
                body = re.escape(t.source)  # literal: "C++" or "v1.2 (beta)" are plain text
                if t.source[:1].isalnum() or t.source[:1] == "_":
                    body = r"(?<!\w)" + body
                if t.source[-1:].isalnum() or t.source[-1:] == "_":
                    body += r"(?!\w)"
                parts.append(f"(?P<t{i}>{body})" if t.case_sensitive else f"(?P<t{i}>(?i:{body}))")
            self._patterns[key] = (re.compile("|".join(parts)) if parts else None, tuple(terms))
        return self._patterns[key]

    def protect(self, text: str, target: str) -> Protected:
        pattern, terms = self._pattern(target)
        if pattern is None:
            return Protected(text, ())
        prefix = next((p for p in _PREFIXES if p.lower() not in text.lower()), "ZX")
        slots: list[Slot] = []

        def sub(m: re.Match) -> str:
            term = terms[int(m.lastgroup[1:])]
            ph = f"{prefix}{len(slots)}"
            slots.append(Slot(ph, term, m.group(0)))
            return ph

        return Protected(pattern.sub(sub, text), tuple(slots))

    def missing(self, source: str, translated: str, target: str) -> tuple[Term, ...]:
        """The terms of this glossary found in `source` whose text for `target` (the kept term,
        or its forced translation) is not in `translated` (compared ignoring case): the check on
        a translation a person wrote, as `restore` checks a model's."""
        found = self.protect(source, target).slots
        lowered = translated.lower()
        lost = [s.term for s in found if (s.found if s.term.target is None else s.term.target).lower() not in lowered]
        return tuple(dict.fromkeys(lost))

    @staticmethod
    def restore(translated: str, protected: Protected) -> tuple[str, tuple[Term, ...]]:
        """Put the terms back; returns (text, terms that did not survive)."""
        dropped = []
        # highest index first so ZX1 never matches inside ZX10
        for slot in sorted(protected.slots, key=lambda s: -int(re.sub(r"\D", "", s.placeholder))):
            replacement = slot.found if slot.term.target is None else slot.term.target
            ph = re.compile(r"(?<![A-Za-z0-9])" + re.escape(slot.placeholder[:2]) + r"\s?" +
                            re.escape(slot.placeholder[2:]) + r"(?![0-9])", re.I)
            translated, n = ph.subn(lambda _m: replacement, translated)
            if n == 0 and replacement.lower() not in translated.lower():
                dropped.append(slot.term)
        return translated, tuple(dropped)
