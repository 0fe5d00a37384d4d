"""The translator's results: frozen records of what was translated, how, and what to check."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TranslatedSentence:
    """A sentence and its translation; `flags`: its origin, what to check ("memory", "untranslated")."""

    id: str
    source: str
    text: str
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class GlossaryReport:
    """What the glossary (of `version`) did: terms applied and dropped, as (sentence id, term)."""

    version: str
    applied: tuple[tuple[str, str], ...] = ()   # (sentence id, term)
    dropped: tuple[tuple[str, str], ...] = ()   # (sentence id, term) not found in the output

    @property
    def ok(self) -> bool:
        return not self.dropped


@dataclass(frozen=True)
class Translation:
    source_language: str
    target_language: str               # resolved: "pt" asked, "pt-BR" given
    sentences: tuple[TranslatedSentence, ...]
    backend: str                       # "identity", "bergamot", "marian", ... ("a+b" when pivoting)
    model: str | None
    pivot: str | None = None           # "en" when translated through English
    glossary_report: GlossaryReport | None = None
    requested_target: str | None = None
    memory_hits: int = 0
    machine_translated: int = 0        # sentences sent to a backend in this call
    options: dict = field(default_factory=dict, compare=False)  # max_words, device, memory file

    @property
    def flagged(self) -> tuple[TranslatedSentence, ...]:
        return tuple(s for s in self.sentences if s.flags)

    @property
    def texts(self) -> dict[str, str]:
        return {s.id: s.text for s in self.sentences}
