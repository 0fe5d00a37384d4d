"""The translator: sentence by sentence through a chosen backend, with glossary protection,
translation memory, provided translations, pivot through English, and output checks."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from translate.backends import Engine, ModelSpec, backend_kinds, discover, pair_from_key
from translate.backends.bergamot import bundled_models_dir
from translate.detect import identify, in_context, script_language
from translate.mixed import check_writing_systems, mixed_lines, untranslatable_message
from translate.errors import TranslationError, UnsupportedPairError
from translate.glossary import Glossary, Protected
from translate.guards import collapse_repetition, restore_unknown_letters, translation_checks
from translate.languages import IDENTIFIED, normalize, primary, resolve, same_language
from translate.memory import TranslationMemory
from translate.results import GlossaryReport, TranslatedSentence, Translation
from translate.segment import split_long
from translate.source import Sentence, SourceDocument

log = logging.getLogger(__name__)

PIVOT = "en"
MAX_WORDS = 40  # longer sentences are cut at clauses before MT; small models truncate them
CHUNK = 256     # sentences per backend call: bounds memory and paces progress on long scripts


@dataclass(frozen=True)
class _Route:
    hops: tuple[ModelSpec, ...]      # one hop, or two through the pivot
    provided: tuple[ModelSpec, ...]  # a person's own translations for this pair, used first


@dataclass(frozen=True)
class _Pass:
    """What one source language's sentences share on their way through a route."""
    source: str
    resolved: str                    # the target tag the route really reaches (pt -> pt-BR)
    route: _Route
    model: str                       # the route's models, "+"-joined (the memory's key)
    gversion: str                    # the glossary's version (the memory's key)

    @property
    def pivot(self) -> bool:
        """Whether the route goes through the pivot language (two hops)."""
        return len(self.route.hops) == 2


class Translator:
    """Translates segmented sentences. `models` maps a pair ("en-de") or any name to a model
    folder or translations file; the bundled Bergamot en<->pt-BR models are always available
    unless `bundled=False`. A backend engine passed in `engines` wins over a folder. `checksums`:
    {file: sha256 hex} as the model store recorded them, checked before a Bergamot engine loads."""

    def __init__(self, *, models: Mapping[str, Path] | None = None, glossary: Glossary | None = None,
                 memory: TranslationMemory | None = None, device: str | None = None,
                 engines: Iterable[Engine] = (), bundled: bool = True, max_words: int = MAX_WORDS,
                 checksums: Mapping[str, str] | None = None):
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
        recorded = {"sha256": dict(checksums)} if checksums else {}
        for key, path in (models or {}).items():
            self._specs.extend(replace(s, options={**s.options, **recorded}) for s in discover(path, pair_from_key(key)))
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
    def check(self, doc_or_sentences: SourceDocument | Sequence[Sentence] | Sequence[str],
              source: str, target: str) -> None:
        """Raise UnsupportedPairError (one line) unless every sentence has a way into `target`:
        kept (already in it), or a model from its own language. Loads no model: call it before
        any heavy step."""
        sentences = _as_sentences(doc_or_sentences)
        source, requested = normalize(source), normalize(target)
        check_writing_systems(sentences, source)
        languages = {_segment_language(s, source) for s in sentences}
        if any(same_language(lang, source) for lang in languages) and not same_language(source, requested):
            try:
                self.route(source, requested)  # the script's own language: the detailed message
            except UnsupportedPairError as exc:
                if len(languages) < 2:
                    raise
                said = mixed_lines((s.line, _segment_language(s, source)) for s in sentences if s.text.strip())
                raise UnsupportedPairError(f"{exc}; {said}") from None
        missing: dict[str, list[int]] = {}
        own_script = False  # a missing line in another writing system cannot be read as `source`
        for s in sentences:
            lang = _segment_language(s, source)
            if same_language(lang, source) or same_language(lang, requested) or not s.text.strip():
                continue
            try:
                self.route(lang, requested)
            except UnsupportedPairError:
                missing.setdefault(lang, []).append(s.line)
                own_script = own_script or script_language(s.text) is not None
        if missing:
            raise UnsupportedPairError(untranslatable_message(missing, source, requested, self.pairs,
                                                               as_source=not own_script))

    def translate(self, doc_or_sentences: SourceDocument | Sequence[Sentence] | Sequence[str],
                  source: str, target: str, *, progress: Callable[[int, int], None] | None = None) -> Translation:
        """Translate every sentence from `source` into `target` (BCP-47). A sentence that
        `read_source` identified as another language (`Sentence.language`) is translated from
        that language (flag "source-language:xx"), or kept when it is in the target already
        (flag "already-in-target-language"). `progress(done, total)` is called as
        machine-translated sentences complete. Raises UnsupportedPairError (one line naming the
        script lines and languages) before any model loads when a sentence has no model."""
        sentences = _as_sentences(doc_or_sentences)
        source, requested = normalize(source), normalize(target)
        self.check(sentences, source, requested)
        groups: dict[str, list[Sentence]] = {}
        for s in sentences:
            groups.setdefault(_segment_language(s, source), []).append(s)
        if set(groups) == {source} and same_language(source, requested):
            return Translation(source, requested, tuple(_said_dropped(TranslatedSentence(s.id, s.text, s.text), s)
                                                        for s in sentences),
                               "identity", None, requested_target=requested)
        results: dict[str, TranslatedSentence] = {}
        main: _GroupResult | None = None
        others: list[_GroupResult] = []
        total = sum(len(g) for lang, g in groups.items() if not same_language(lang, requested))
        done = [0]

        def step(n: int, _: int) -> None:
            if progress is not None:
                progress(done[0] + n, total)

        for lang, group in groups.items():
            if same_language(lang, requested):
                flag = () if lang == source else ("already-in-target-language",)
                results.update((s.id, TranslatedSentence(s.id, s.text, s.text, flag)) for s in group)
                continue
            part = self._translate_group(group, lang, requested, step)
            done[0] += part.machine
            if lang != source:
                part = part.flagged(f"source-language:{primary(lang)}")
            results.update(part.results)
            if lang == source:
                main = part
            else:
                others.append(part)
        if progress is not None and 0 < done[0] < total:
            progress(total, total)  # the rest came from memory or were provided: done as well
        head = main or (others[0] if others else None)
        parts = ([main] if main else []) + others
        applied = tuple(a for p in parts for a in p.applied)
        dropped = tuple(d for p in parts for d in p.dropped)
        gversion = self.glossary.version
        report = GlossaryReport(gversion, applied, dropped) if self.glossary else None
        if dropped:
            log.warning("%d glossary term(s) did not survive translation to %s: %s", len(dropped), requested,
                        ", ".join(sorted({t for _, t in dropped})))
        resolved = head.resolved if head else requested
        return Translation(
            source, resolved, tuple(_said_dropped(results[s.id], s) for s in sentences),
            head.backend if head else "identity", head.model if head else None,
            head.pivot if head else None, report, requested,
            sum(p.hits for p in parts), sum(p.machine for p in parts), self._options())

    def _translate_group(self, sentences: list[Sentence], source: str, requested: str,
                         progress: Callable[[int, int], None]) -> _GroupResult:
        """Sentences of one source language through that language's route: each triaged
        (`_triage`), the rest machine-translated in chunks and checked (`_finish`)."""
        route = self.route(source, requested)
        specs = route.hops or route.provided
        ctx = _Pass(source, specs[-1].target, route,
                    "+".join(s.model for s in route.hops) or "+".join(s.model for s in route.provided),
                    self.glossary.version)
        if ctx.pivot:
            log.info("translating %s->%s through %s", source, ctx.resolved, PIVOT)
        backend = "+".join(s.backend for s in route.hops) or "provided"
        results: dict[str, TranslatedSentence] = {}
        pending: list[tuple[Sentence, Protected, list[str]]] = []
        hits = 0
        provided_engines = [self._engine(p) for p in route.provided]
        for s in sentences:
            done, flags, hit = self._triage(s, ctx, provided_engines)
            hits += hit
            if done is not None:
                results[s.id] = done
            else:
                pending.append((s, self.glossary.protect(s.text, ctx.resolved), flags))

        outputs: list[tuple[str, bool]] = []
        for start in range(0, len(pending), CHUNK):
            chunk = pending[start:start + CHUNK]
            outputs.extend(self._machine_translate([p.text for _, p, _ in chunk], route.hops))
            progress(len(outputs), len(pending))
        translated, applied, dropped = self._finish(pending, outputs, ctx)
        results.update(translated)
        return _GroupResult(results, tuple(applied), tuple(dropped), hits, len(pending), ctx.resolved,
                            backend, ctx.model, PIVOT if ctx.pivot else None)

    def _triage(self, s: Sentence, ctx: _Pass, provided_engines: list
                ) -> tuple[TranslatedSentence | None, list[str], bool]:
        """One sentence before machine translation: (its result when it needs none: empty, a
        provided translation, a memory hit, no model for it; else None), its flags so far (a
        language mismatch), and whether the memory had it."""
        flags: list[str] = []
        if not s.text.strip():
            return TranslatedSentence(s.id, s.text, s.text), flags, False
        heard = identify(s.text) if s.language is None else None
        if heard and (heard.evidence == "script" or primary(ctx.source) in IDENTIFIED) \
                and not same_language(in_context(heard.language, primary(ctx.source)), ctx.source):
            # the script's language was given and mixed languages accepted: a note
            flags.append(f"language-mismatch:{heard.language}")
        own = next((t for e in provided_engines for t in e.translate_batch([s.text]) if t), None)
        if own is not None:
            return TranslatedSentence(s.id, s.text, own, tuple(flags + ["provided"])), flags, False
        if self.memory is not None and ctx.route.hops:
            entry = self.memory.get(s.text, ctx.source, ctx.resolved, ctx.model, ctx.gversion)
            if entry is not None:
                return TranslatedSentence(s.id, s.text, entry.text, tuple(flags) + entry.flags + ("memory",)), flags, True
        if not ctx.route.hops:
            return TranslatedSentence(s.id, s.text, s.text, tuple(flags + ["missing-translation"])), flags, False
        return None, flags, False

    def _finish(self, pending: list[tuple[Sentence, Protected, list[str]]], outputs: list[tuple[str, bool]],
                ctx: _Pass) -> tuple[dict[str, TranslatedSentence], list[tuple[str, str]], list[tuple[str, str]]]:
        """The machine translations of `pending` made whole: glossary terms put back,
        repetition collapsed, respelled letters restored, flagged by the guards, and stored in
        the memory. Returns (results by id, (id, term) applied, (id, term) dropped)."""
        results: dict[str, TranslatedSentence] = {}
        applied: list[tuple[str, str]] = []
        dropped: list[tuple[str, str]] = []
        for (s, protected, flags), (out, split) in zip(pending, outputs):
            text, lost = Glossary.restore(out, protected)
            applied.extend((s.id, slot.term.source) for slot in protected.slots)
            text, looped = collapse_repetition(text)
            text, respelled = restore_unknown_letters(s.text, text)
            checks = translation_checks(s.text, text, ctx.source, ctx.resolved)
            flags.extend(["split"] * split + ["repetition"] * looped)
            if "untranslated" not in checks:  # a copied line's restored letters are no respelling
                flags.extend(f"respelled:{word}" for word in respelled)
            if lost:
                dropped.extend((s.id, t.source) for t in lost)
                flags.append("glossary-dropped:" + "|".join(t.source for t in lost))
            flags.extend(checks + [f"pivot:{PIVOT}"] * ctx.pivot)
            results[s.id] = TranslatedSentence(s.id, s.text, text, tuple(flags))
            if self.memory is not None:
                self.memory.put(s.text, ctx.source, ctx.resolved, ctx.model, ctx.gversion, text,
                                tuple(f for f in flags if not f.startswith("language-mismatch")))
        return results, applied, dropped

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


@dataclass(frozen=True)
class _GroupResult:
    """The translation of the sentences of one source language."""
    results: dict[str, TranslatedSentence]
    applied: tuple[tuple[str, str], ...]
    dropped: tuple[tuple[str, str], ...]
    hits: int
    machine: int
    resolved: str
    backend: str
    model: str | None
    pivot: str | None

    def flagged(self, flag: str) -> _GroupResult:
        results = {k: TranslatedSentence(v.id, v.source, v.text, v.flags + (flag,)) for k, v in self.results.items()}
        return _GroupResult(results, self.applied, self.dropped, self.hits, self.machine, self.resolved,
                            self.backend, self.model, self.pivot)


def _said_dropped(result: TranslatedSentence, sentence: Sentence) -> TranslatedSentence:
    """`result` with the check flag "emoji-dropped:a|b" when emoji were removed from its
    sentence's lines (`Sentence.dropped`): what is not voiced is said, never lost silently."""
    if not sentence.dropped:
        return result
    return replace(result, flags=result.flags + ("emoji-dropped:" + "|".join(sentence.dropped),))


def _segment_language(sentence: Sentence, source: str) -> str:
    """`source` unless the sentence was identified as another language."""
    if sentence.language and not same_language(sentence.language, source):
        return normalize(sentence.language)
    return source


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
