"""What became of every segment of a source script, for the manifest: nothing is dropped
without a word. Also the translations a person should check (`CHECK_WORDS`), in the words the
command line, the review payload and the page all use, and a reviewer's edits checked again.

    segment_report(doc, translation, edits) -> [
        {"line": 3, "id": "s2", "text": "Wear your helmet...", "language": "en",
         "outcome": "translated", "from": "en", "check": ["currency-changed:£"]},
        {"line": 4, "id": "s3", "text": "...", "language": "ar", "outcome": "translated", "from": "ar"},
        {"line": 6, "id": "s5", "text": "...", "language": "pt", "outcome": "kept",
         "reason": "already in the target language"},
        {"line": 5, "text": "🎉🎉", "outcome": "skipped", "reason": "emoji only"},
        {"line": 7, "text": "diagram", "outcome": "skipped", "reason": "image"},
        {"line": 9, "text": "```...```", "outcome": "skipped", "reason": "code block (not voiced)"},
        {"line": 11, "id": "s6", "text": "Pay £5.", "language": "en", "outcome": "translated", "from": "en",
         "edited": {"from": "Pague 5.", "to": "Pague £5."}},
    ]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

#: Translation flags (translate.guards, translate.translator) that ask a person to check the
#: sentence, by prefix, each with its meaning in words (`flag_words`; a flag's text after the
#: ":", the sign, the word or the terms, fills {}): the manifest lists them under "check", the
#: translate step logs a warning, and the review payload and the page say them in these words.
CHECK_WORDS = {"respelled:": "the name {} was respelled",
               "currency-changed:": "the currency sign {} is missing from the translation",
               "numbers-changed": "the numbers differ from the source",
               "possibly-truncated": "the translation may be cut short",
               "untranslated": "the sentence was left untranslated",
               "repetition": "the translation repeats itself",
               "glossary-dropped:": "the glossary term(s) {} are missing from the translation",
               "emoji-dropped:": "the emoji {} in the script are not translated or voiced"}
CHECK_FLAGS = tuple(CHECK_WORDS)


def to_check(flags) -> list[str]:
    """The flags among `flags` that ask for a check (`CHECK_FLAGS`), in order."""
    return [f for f in flags if f.startswith(CHECK_FLAGS)]


def recheck(source: str, text: str, source_language: str | None, target_language: str,
            glossary: Mapping[str, Any] | None = None) -> list[str]:
    """The check flags (`CHECK_WORDS`) of a translation `text` of `source` that a person wrote
    (a reviewer's edit): the translate leaf's guards (`translate.guards.translation_checks`: cut
    short, left untranslated, numbers or currency signs changed) and, with the job's glossary
    ({keep: [terms], forced: {language: {term: translation}}}), "glossary-dropped:a|b" for the
    terms of `source` whose text is missing from `text`. The model's own flags (respelled names,
    repetition) do not apply to a person's words."""
    from translate import Glossary
    from translate.guards import translation_checks

    flags = translation_checks(source, text, source_language, target_language)
    if glossary:
        terms = Glossary.of(glossary.get("keep") or (), glossary.get("forced") or {})
        lost = terms.missing(source, text, target_language)
        if lost:
            flags.append("glossary-dropped:" + "|".join(t.source for t in lost))
    return flags


def flag_words(flag: str) -> str:
    """A check flag in plain words ("currency-changed:£" -> "the currency sign £ is missing from
    the translation"); a flag not known here is returned as it is."""
    for prefix, words in CHECK_WORDS.items():
        if flag.startswith(prefix):
            return words.format(", ".join(flag[len(prefix):].split("|")))
    return flag


def flagged_sentences(sentences: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The sentences of a translation (translation.json's entries: id, source, text, flags) that
    ask for a check: [{"id", "source", "text", "flags": [flag...], "words": [flag in words...]}],
    in order."""
    out = []
    for s in sentences:
        check = to_check(s.get("flags") or ())
        if check:
            out.append({"id": s["id"], "source": s.get("source", ""), "text": s.get("text", ""),
                        "flags": check, "words": [flag_words(f) for f in check]})
    return out


def shorten(text: str, width: int = 60) -> str:
    """`text` on one line, cut at a word to at most `width` characters with "…" when longer."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    cut = text[:width - 1].rsplit(" ", 1)[0] or text[:width - 1]
    return f"{cut}…"


# Translation flags (translate.translator) that change what became of a sentence.
_KEPT = {"already-in-target-language": "already in the target language",
         "missing-translation": "no translation was provided for it"}


#: translation.json's key, on a sentence a reviewer edited, for the machine translation it
#: replaced (`pipeline.jobs.review`); the manifest says "edited": {"from", "to"}
EDITED_FROM = "edited_from"


def reviewer_edits(sentences) -> dict[str, tuple[str, str]]:
    """{sentence id: (machine translation, the reviewer's text)} of translation.json's
    sentences (id, text and, once edited, EDITED_FROM)."""
    return {s["id"]: (s[EDITED_FROM], s["text"]) for s in sentences if EDITED_FROM in s}


def segment_report(doc, translation=None, edits: Mapping[str, tuple[str, str]] | None = None
                   ) -> list[dict[str, Any]]:
    """Every segment of `doc` (a `translate.SourceDocument`) in script order, with its
    outcome: "translated" (with "from", the language it was translated from), "kept" (with
    "reason") or "skipped" (with "reason": "emoji only", "image", "no words", "code block (not
    voiced)").
    `translation` (a `translate.Translation` of `doc`) says what happened to each sentence;
    without it, every sentence is listed as "kept" in the script's language (nothing
    translated yet). Sentence entries carry "id", "line", "text" and "language" (the
    sentence's identified language, else the script's), and "identified_as" when the
    script's language was given, mixed languages were accepted and the sentence was
    identified as another language (it was translated as the script's); a translated sentence
    whose translation asks for a check (`CHECK_FLAGS`: a respelled name, a lost currency sign,
    a changed number...) carries "check" with those flags, and one a reviewer edited (`edits`,
    {id: (machine translation, reviewer's text)} as `reviewer_edits` reads them) carries
    "edited": {"from": machine translation, "to": reviewer's text}."""
    edits = edits or {}
    done = {s.id: s for s in translation.sentences} if translation is not None else {}
    out: list[dict[str, Any]] = []
    for block in doc.blocks:
        if block.kind == "code":
            out.append({"line": block.line, "text": block.raw, "outcome": "skipped",
                        "reason": "code block (not voiced)"})
        for sentence in block.sentences:
            entry: dict[str, Any] = {"line": sentence.line, "id": sentence.id, "text": sentence.text,
                                     "language": sentence.language or doc.language}
            entry.update(_outcome(done.get(sentence.id), translation, doc.language))
            check = to_check(done[sentence.id].flags) if sentence.id in done else []
            if check and entry.get("outcome") == "translated":
                entry["check"] = check
            if sentence.id in edits:
                entry["edited"] = dict(zip(("from", "to"), edits[sentence.id]))
            heard = _mismatch(done.get(sentence.id))
            if heard:  # read as the given source language although it reads as another (accepted)
                entry["identified_as"] = heard
            out.append(entry)
    out.extend({"line": s.line, "text": s.text, "outcome": "skipped", "reason": s.reason}
               for s in doc.skipped)
    return sorted(out, key=lambda e: e["line"])  # stable: a line's entries keep reading order


def _mismatch(result) -> str | None:
    """The language a sentence read as the given source language was identified as, if any."""
    flags = result.flags if result is not None else ()
    return next((f.split(":", 1)[1] for f in flags if f.startswith("language-mismatch:")), None)


def _primary(tag: str) -> str:
    return tag.split("-")[0].lower()


def _outcome(result, translation, script_language: str) -> dict[str, Any]:
    if result is None or translation is None:
        return {"outcome": "kept", "reason": "not translated"}
    for flag, reason in _KEPT.items():
        if flag in result.flags:
            return {"outcome": "kept", "reason": reason}
    origin = next((f.split(":", 1)[1] for f in result.flags if f.startswith("source-language:")),
                  translation.source_language)
    if translation.backend == "identity" or _primary(origin) == _primary(translation.target_language):
        return {"outcome": "kept", "reason": "already in the target language"}
    entry: dict[str, Any] = {"outcome": "translated", "from": origin}
    if "provided" in result.flags:
        entry["by"] = "provided translation"
    elif "memory" in result.flags:
        entry["by"] = "translation memory"
    return entry
