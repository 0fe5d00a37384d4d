"""Review before render: a language's translations as an editable document (sentence id,
source, machine translation, edited text, approved flag), exported and imported as XLIFF
or CSV. Importing never loses work: a unit without a target keeps the machine translation
and stays unapproved, and the problems are listed on the result."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from translate.errors import TranslationError
from translate.formats import CSV_FIELDS, Exchange, Unit, read_csv_rows, read_xliff, write_csv_rows, write_xliff


class ReviewError(TranslationError):
    """A review file does not belong to this document or cannot be read."""


@dataclass(frozen=True)
class ReviewEntry:
    id: str
    source: str
    machine: str
    edited: str | None = None
    approved: bool = False
    flags: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """What will be voiced: the person's edit, else the machine translation."""
        return self.edited if self.edited is not None else self.machine


@dataclass(frozen=True)
class ReviewDocument:
    source_language: str
    language: str
    entries: tuple[ReviewEntry, ...]
    problems: tuple[str, ...] = ()     # what the last import could not use

    @classmethod
    def from_translation(cls, translation) -> "ReviewDocument":
        return cls(translation.source_language, translation.target_language,
                   tuple(ReviewEntry(s.id, s.source, s.text, None, False, tuple(s.flags))
                         for s in translation.sentences))

    @property
    def approved(self) -> bool:
        return all(e.approved for e in self.entries)

    @property
    def texts(self) -> dict[str, str]:
        return {e.id: e.text for e in self.entries}

    def pending(self) -> tuple[str, ...]:
        return tuple(e.id for e in self.entries if not e.approved)

    def edit(self, sentence_id: str, text: str | None = None, *, approved: bool | None = None) -> "ReviewDocument":
        found = False
        entries = []
        for e in self.entries:
            if e.id == sentence_id:
                found = True
                e = replace(e, edited=text if text is not None else e.edited,
                            approved=e.approved if approved is None else approved)
            entries.append(e)
        if not found:
            raise ReviewError(f"no sentence {sentence_id!r} in the {self.language} review; ids are "
                              f"{self.entries[0].id}..{self.entries[-1].id}" if self.entries else "the review is empty")
        return replace(self, entries=tuple(entries), problems=())

    def approve_all(self) -> "ReviewDocument":
        return replace(self, entries=tuple(replace(e, approved=True) for e in self.entries))

    # ---- XLIFF
    def to_xliff(self) -> str:
        return write_xliff(Exchange(self.source_language, self.language, tuple(
            Unit(e.id, e.source, e.text, e.approved, e.machine, "; ".join(e.flags)) for e in self.entries)))

    def with_xliff(self, data: str | bytes | Path) -> "ReviewDocument":
        """This document updated from a reviewed XLIFF file."""
        ex = read_xliff(data)
        if ex.target_language and _primary(ex.target_language) != _primary(self.language):
            raise ReviewError(f"the XLIFF is for {ex.target_language}, this review is for {self.language}; "
                              "import it into the review of its own language")
        return self._merge({u.id: (u.source, u.target, u.approved) for u in ex.units})

    # ---- CSV
    def to_csv(self) -> str:
        return write_csv_rows(CSV_FIELDS, [
            {"id": e.id, "source": e.source, "machine": e.machine, "edited": e.edited or "",
             "approved": "yes" if e.approved else "no", "flags": " ".join(e.flags)} for e in self.entries])

    def with_csv(self, data: str | bytes | Path) -> "ReviewDocument":
        fields, rows = read_csv_rows(data)
        if "id" not in fields or "edited" not in fields:
            raise ReviewError("the review CSV needs the columns id and edited (export one with to_csv)")
        return self._merge({r["id"]: (r.get("source"), r["edited"] if r.get("edited") else None,
                                      (r.get("approved") or "").strip().lower() in ("yes", "true", "1", "x"))
                            for r in rows if r.get("id")})

    def _merge(self, updates: dict[str, tuple[str | None, str | None, bool]]) -> "ReviewDocument":
        problems: list[str] = []
        entries = []
        for e in self.entries:
            if e.id not in updates:
                problems.append(f"{e.id}: not in the imported file; kept as it was")
                entries.append(e)
                continue
            source, target, approved = updates.pop(e.id)
            if source is not None and " ".join(source.split()) != " ".join(e.source.split()):
                problems.append(f"{e.id}: the source text differs from this script's; kept as it was")
                entries.append(e)
                continue
            if target is None or not target.strip():
                problems.append(f"{e.id}: no target; kept the machine translation, not approved")
                entries.append(replace(e, approved=False))
                continue
            edited = None if target == e.machine else target
            entries.append(replace(e, edited=edited, approved=approved))
        problems += [f"{i}: no such sentence in this script; ignored" for i in updates]
        return replace(self, entries=tuple(entries), problems=tuple(problems))


def _primary(tag: str) -> str:
    return tag.replace("_", "-").split("-")[0].lower()
