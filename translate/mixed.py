"""A script read as a given language (`read_source(text, language=...)`, `--source-lang`) whose
lines are clearly in another: they would be machine-translated as the given language and come
out wrong, so they stop the job unless the user accepts that.

    check_given_language(doc)                               # MixedLanguageError naming the lines
    check_given_language(doc, accept_mixed_language=True)   # lets Latin-script lines through
    check_writing_systems(sentences, "en")                  # UnsupportedPairError (Translator.check)

Each sentence is judged as `read_source` judges sentences when the language is detected
(`translate.detect.identify`: 20 letters or more, a 0.5 confidence floor, among polydub's
languages; bench/bench_langid.py named none of 735 such sentence prefixes wrong), so headings,
names and codes never stop a job. The model only chooses among `IDENTIFIED`: when the given
language is not one of them its own sentences could be named as a neighbour, so then only lines
in another language's writing system count.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from translate.detect import identify, in_context, script_language
from translate.errors import MixedLanguageError, UnsupportedPairError
from translate.languages import IDENTIFIED, NAMES, primary, same_language
from translate.source import Sentence, SourceDocument


def check_given_language(doc: SourceDocument, *, accept_mixed_language: bool = False) -> None:
    """Raise MixedLanguageError (one line naming the script lines, their languages and what to
    do) when `doc`'s language was given (`doc.language_detected` is False) and some of its
    sentences are identified as another language. With `accept_mixed_language` nothing is
    checked here: lines in the given language's writing system are then translated as the
    given language (`Translator.translate` flags them "language-mismatch:xx"), and lines in
    another writing system are still refused by `Translator.check` (a model would turn them
    into punctuation)."""
    if accept_mixed_language or doc.language_detected:
        return
    found = other_language_lines(doc)
    if not found:
        return
    by_language: dict[str, list[int]] = {}
    for line, lang, _ in found:
        by_language.setdefault(lang, []).append(line)
    parts = "; ".join(f"{_lines(lines)} {'reads' if len(lines) == 1 else 'read'} as {_name(lang)} ({lang})"
                      for lang, lines in by_language.items())  # in script order
    latin = [line for line, _, model in found if model]
    accept = (f", or give --accept-mixed-language (job field accept_mixed_language) to translate "
              f"{_lines(latin)} as {doc.language} anyway" if latin else "")
    raise MixedLanguageError(
        f"the source language is given as {doc.language}, but {parts}; translate those lines in the script, "
        f"leave the source language out (no --source-lang or source_language) so each line is translated "
        f"from its own language (that needs a model from it){accept}")


def other_language_lines(doc: SourceDocument) -> list[tuple[int, str, bool]]:
    """(script line, language, identified by the model rather than by its writing system) of
    each sentence of `doc` identified as a language other than `doc.language`, in script
    order. Judges every sentence, whether or not `doc.language` was given."""
    model_ok = primary(doc.language) in IDENTIFIED
    out = []
    for sentence in doc.sentences:
        found = identify(sentence.text)
        if found is None or (found.evidence == "model" and not model_ok):
            continue
        language = in_context(found.language, doc.language)
        if not same_language(language, doc.language):
            out.append((sentence.line, language, found.evidence == "model"))
    return out


def check_writing_systems(sentences: Sequence[Sentence], source: str) -> None:
    """Raise UnsupportedPairError (one line naming the lines) when a sentence read as `source`
    (the language was given, so it was not identified) is written in another language's
    writing system: it cannot be translated as `source` (a model would turn it into
    punctuation, and it would vanish from voice and subtitles), whatever the user accepts."""
    wrong: dict[str, list[int]] = {}
    for s in sentences:
        if s.language is not None or not s.text.strip():
            continue
        written = script_language(s.text)
        if written is not None and not same_language(in_context(written, primary(source)), source):
            wrong.setdefault(written, []).append(s.line)
    if wrong:
        parts = "; ".join(f"line{'s' if len(lines) > 1 else ''} {', '.join(str(n) for n in lines if n) or '?'} "
                          f"in {_name(lang)} ({lang})" for lang, lines in sorted(wrong.items()))
        raise UnsupportedPairError(
            f"the source language is given as {source}, but {parts} cannot be {source}; leave the source "
            "language out so each line is translated from its own language, or translate those lines in the script")


def untranslatable_message(missing: dict[str, list[int]], source: str, target: str,
                           pairs: tuple[tuple[str, str], ...], *, as_source: bool) -> str:
    """One line: which script lines are in which language that no model translates.
    `as_source`: they share the source's writing system, so they could be read as `source`."""
    parts = []
    for lang, lines in sorted(missing.items()):
        known = sorted({n for n in lines if n})
        where = ("line " if len(known) == 1 else "lines ") + ", ".join(map(str, known)) if known else "some sentences"
        parts.append(f"{where} in {_name(lang)} ({lang})")
    available = ", ".join(f"{a}->{b}" for a, b in pairs) or "none"
    return (f"the script mixes languages and no model translates {'; '.join(parts)} into {target} "
            f"(available pairs: {available}); translate those lines in the script"
            + (", add a model with `polydub models import PATH`, or read the whole script as "
               f"{source} (--source-lang {source} --accept-mixed-language; in a job file or the API "
               f"source_language: {source} and accept_mixed_language: true)" if as_source
               else " or add a model with `polydub models import PATH`"))


def mixed_lines(lines_and_languages: Iterable[tuple[int, str]]) -> str:
    """Which script lines read as which language, for a mixed script whose main language has no
    model: "the script mixes languages: line 1 reads as French (fr), line 2 as English (en)"."""
    by_language: dict[str, list[int]] = {}
    for line, lang in lines_and_languages:
        by_language.setdefault(lang, []).append(line)
    parts = []
    for i, (lang, lines) in enumerate(sorted(by_language.items(), key=lambda kv: min(kv[1]))):
        known = sorted(set(lines))
        verb = "as" if i else ("reads as" if len(known) == 1 else "read as")
        parts.append(f"{'line' if len(known) == 1 else 'lines'} {', '.join(map(str, known))} {verb} "
                     f"{_name(lang)} ({lang})")
    return ("the script mixes languages: " + ", ".join(parts) + "; to read it all as one of them, give that "
            "language with --source-lang and --accept-mixed-language (job fields source_language, "
            "accept_mixed_language)")


def _lines(numbers: list[int]) -> str:
    known = sorted({n for n in numbers if n})
    if not known:
        return "some lines"
    return ("line " if len(known) == 1 else "lines ") + ", ".join(map(str, known))


def _name(tag: str) -> str:
    return next((name.title() for name, code in NAMES.items() if code == primary(tag)), tag)
