"""The translator: sentence by sentence through a chosen backend, with glossary protection,
translation memory, provided translations, pivot through English, and output checks."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from translate.backends import Engine, ModelSpec, backend_kinds, discover, pair_from_key
from translate.backends.bergamot import bundled_models_dir
from translate.detect import guess_language
from translate.errors import TranslationError, UnsupportedPairError
from translate.glossary import Glossary, Protected
from translate.guards import collapse_repetition, looks_truncated, looks_untranslated
from translate.languages import normalize, primary, resolve, same_language
from translate.memory import TranslationMemory
from translate.segment import split_long
from translate.source import Sentence, SourceDocument

log = logging.getLogger(__name__)

PIVOT = "en"
MAX_WORDS = 40  # longer sentences are cut at clauses before MT; small models truncate them
CHUNK = 256     # sentences per backend call: bounds memory and paces progress on long scripts


@dataclass(frozen=True)
class TranslatedSentence:
    id: str
    source: str
    text: str
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class GlossaryReport:
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


@dataclass(frozen=True)
class _Route:
    hops: tuple[ModelSpec, ...]      # one hop, or two through the pivot
    provided: tuple[ModelSpec, ...]  # a person's own translations for this pair, used first


class Translator:
    """Translates segmented sentences. `models` maps a pair ("en-de") or any name to a model
    folder or translations file; the bundled Bergamot en<->pt-BR models are always available
    unless `bundled=False`. A backend engine passed in `engines` wins over a folder."""

    def __init__(self, *, models: Mapping[str, Path] | None = None, glossary: Glossary | None = None,
                 memory: TranslationMemory | None = None, device: str | None = None,
                 engines: Iterable[Engine] = (), bundled: bool = True, max_words: int = MAX_WORDS):
        self.glossary = glossary or Glossary()
        self.memory = memory
        self.device = device
        self.max_words = max_words
        self._specs: list[ModelSpec] = []
        self._engines: dict[ModelSpec, Engine] = {}
        self._lock = threading.Lock()
        for engine in engines:
            self._specs.append(engine.spec)
            self._engines[engine.spec] = engine
        for key, path in (models or {}).items():
            self._specs.extend(discover(path, pair_from_key(key)))
        if bundled and (root := bundled_models_dir()) is not None:
            known = {(s.source, s.target) for s in self._specs if s.backend != "provided"}
            self._specs.extend(s for s in discover(root) if (s.source, s.target) not in known)

    # ------------------------------------------------------------------ routes
    @property
    def pairs(self) -> tuple[tuple[str, str], ...]:
        return tuple(sorted({(s.source, s.target) for s in self._specs}))

    def _find(self, source: str, target: str, *, provided: bool = False) -> list[ModelSpec]:
        out = []
        for s in self._specs:
            if (s.backend == "provided") != provided:
                continue
            if resolve(source, [s.source]) and resolve(target, [s.target]):
                out.append(s)
        # exact tags first
        return sorted(out, key=lambda s: (s.source != source, s.target != target))

    def route(self, source: str, target: str) -> _Route:
        provided = tuple(self._find(source, target, provided=True))
        direct = self._find(source, target)
        if direct:
            return _Route((direct[0],), provided)
        if not same_language(source, PIVOT) and not same_language(target, PIVOT):
            first, second = self._find(source, PIVOT), self._find(PIVOT, target)
            if first and second:
                return _Route((first[0], second[0]), provided)
        if provided:
            return _Route((), provided)
        pairs = ", ".join(f"{a}->{b}" for a, b in self.pairs) or "none"
        raise UnsupportedPairError(
            f"no model translates {source}->{target}; available pairs: {pairs}; add a model with "
            f"`polydub models import PATH` (a MarianMT/OPUS-MT or CTranslate2 folder for {primary(source)}-"
            f"{primary(target)}) or provide translations (XLIFF, PO, CSV, JSON)")

    def _engine(self, spec: ModelSpec) -> Engine:
        with self._lock:
            engine = self._engines.get(spec)
            if engine is None:
                log.info("loading %s model %s", spec.backend, spec.path)
                engine = backend_kinds()[spec.backend].load(spec, self.device)
                self._engines[spec] = engine
            return engine

    # ------------------------------------------------------------------ translate
    def translate(self, doc_or_sentences: SourceDocument | Sequence[Sentence] | Sequence[str],
                  source: str, target: str, *, progress: Callable[[int, int], None] | None = None) -> Translation:
        """Translate every sentence from `source` into `target` (BCP-47). `progress(done, total)`
        is called as machine-translated sentences complete."""
        sentences = _as_sentences(doc_or_sentences)
        source, requested = normalize(source), normalize(target)
        if same_language(source, requested):
            return Translation(source, requested, tuple(TranslatedSentence(s.id, s.text, s.text) for s in sentences),
                               "identity", None, requested_target=requested)
        route = self.route(source, requested)
        specs = route.hops or route.provided
        resolved = specs[-1].target
        if len(route.hops) == 2:
            log.info("translating %s->%s through %s", source, resolved, PIVOT)
        model = "+".join(s.model for s in route.hops) or "+".join(s.model for s in route.provided)
        backend = "+".join(s.backend for s in route.hops) or "provided"
        gversion = self.glossary.version

        results: dict[str, TranslatedSentence] = {}
        applied, dropped = [], []
        pending: list[tuple[Sentence, Protected, list[str]]] = []
        hits = 0
        provided_engines = [self._engine(p) for p in route.provided]
        for s in sentences:
            flags: list[str] = []
            if not s.text.strip():
                results[s.id] = TranslatedSentence(s.id, s.text, s.text)
                continue
            heard = guess_language(s.text)
            if heard and heard != primary(source):
                if heard == primary(resolved):
                    results[s.id] = TranslatedSentence(s.id, s.text, s.text, ("already-in-target-language",))
                    continue
                flags.append(f"language-mismatch:{heard}")
            own = next((t for e in provided_engines for t in e.translate_batch([s.text]) if t), None)
            if own is not None:
                results[s.id] = TranslatedSentence(s.id, s.text, own, tuple(flags + ["provided"]))
                continue
            if self.memory is not None and route.hops:
                entry = self.memory.get(s.text, source, resolved, model, gversion)
                if entry is not None:
                    hits += 1
                    results[s.id] = TranslatedSentence(s.id, s.text, entry.text, tuple(flags) + entry.flags + ("memory",))
                    continue
            if not route.hops:
                results[s.id] = TranslatedSentence(s.id, s.text, s.text, tuple(flags + ["missing-translation"]))
                continue
            pending.append((s, self.glossary.protect(s.text, resolved), flags))

        if pending:
            outputs: list[tuple[str, bool]] = []
            for start in range(0, len(pending), CHUNK):
                chunk = pending[start:start + CHUNK]
                outputs.extend(self._machine_translate([p.text for _, p, _ in chunk], route.hops))
                if progress is not None:
                    progress(len(outputs), len(pending))
            for (s, protected, flags), (out, split) in zip(pending, outputs):
                text, lost = Glossary.restore(out, protected)
                applied.extend((s.id, slot.term.source) for slot in protected.slots)
                if split:
                    flags.append("split")
                text, looped = collapse_repetition(text)
                if looped:
                    flags.append("repetition")
                if lost:
                    dropped.extend((s.id, t.source) for t in lost)
                    flags.append("glossary-dropped:" + "|".join(t.source for t in lost))
                if looks_truncated(s.text, text, resolved):
                    flags.append("possibly-truncated")
                if looks_untranslated(s.text, text, source, resolved):
                    flags.append("untranslated")
                if len(route.hops) == 2:
                    flags.append(f"pivot:{PIVOT}")
                result = TranslatedSentence(s.id, s.text, text, tuple(flags))
                results[s.id] = result
                if self.memory is not None:
                    self.memory.put(s.text, source, resolved, model, gversion, text,
                                    tuple(f for f in flags if not f.startswith("language-mismatch")))
        report = GlossaryReport(gversion, tuple(applied), tuple(dropped)) if self.glossary else None
        if dropped:
            log.warning("%d glossary term(s) did not survive translation to %s: %s", len(dropped), resolved,
                        ", ".join(sorted({t for _, t in dropped})))
        return Translation(
            source, resolved, tuple(results[s.id] for s in sentences), backend, model,
            PIVOT if len(route.hops) == 2 else None, report, requested, hits, len(pending), self._options())

    def _options(self) -> dict:
        return {"max_words": self.max_words, "device": self.device,
                "memory": str(self.memory.path) if self.memory is not None and self.memory.path else None}

    def _machine_translate(self, texts: list[str], hops: tuple[ModelSpec, ...]) -> list[tuple[str, bool]]:
        """Each text through every hop; long texts are cut into clauses and rejoined."""
        pieces: list[str] = []
        owners: list[int] = []
        for i, t in enumerate(texts):
            parts = split_long(t, self.max_words)
            pieces.extend(parts)
            owners.extend([i] * len(parts))
        for spec in hops:
            engine = self._engine(spec)
            out = engine.translate_batch(pieces)
            if len(out) != len(pieces):
                raise TranslationError(f"backend {spec.backend} returned {len(out)} translations for "
                                       f"{len(pieces)} sentences; the model {spec.path} is faulty")
            pieces = [o if o is not None else p for o, p in zip(out, pieces)]
        joined: list[list[str]] = [[] for _ in texts]
        for owner, piece in zip(owners, pieces):
            joined[owner].append(piece)
        return [(" ".join(parts), len(parts) > 1) for parts in joined]


def _as_sentences(items) -> list[Sentence]:
    if isinstance(items, SourceDocument):
        return list(items.sentences)
    if isinstance(items, str):
        raise TranslationError("translate() takes a document or a list of sentences, not one string; "
                               "use translate.read_source(text) first")
    out = []
    for i, item in enumerate(items):
        out.append(item if isinstance(item, Sentence) else Sentence(f"s{i + 1}", str(item), 0))
    return out
