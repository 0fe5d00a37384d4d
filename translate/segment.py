"""Sentence segmentation (pure text in, spans out), aware of each language's abbreviations
and of scripts that end sentences without a space (Japanese, Chinese)."""

from __future__ import annotations

import re

# Abbreviations that end in a full stop without ending the sentence (lower case, no dot).
_ABBREVIATIONS = {
    "en": {"mr", "mrs", "ms", "dr", "prof", "st", "no", "nos", "fig", "figs", "e.g", "i.e", "etc",
           "vs", "approx", "min", "max", "dept", "inc", "ltd", "co", "jr", "sr", "ref", "vol",
           "p", "pp", "ca", "cf", "al"},
    "pt": {"sr", "sra", "srs", "dr", "dra", "prof", "profa", "n", "nº", "no", "p.ex", "ex", "etc",
           "pág", "págs", "fig", "aprox", "av", "máx", "mín", "obs", "cf", "ca", "p"},
    "es": {"sr", "sra", "srta", "dr", "dra", "prof", "núm", "n", "p.ej", "ej", "etc", "pág", "fig",
           "aprox", "av", "máx", "mín", "ud", "uds", "cf"},
    "de": {"z.b", "bzw", "usw", "ca", "nr", "dr", "prof", "hr", "fr", "str", "abb", "vgl", "ggf",
           "evtl", "inkl", "max", "min", "d.h", "u.a", "s", "etc"},
    "fr": {"m", "mm", "mme", "mlle", "dr", "prof", "n", "no", "p.ex", "ex", "etc", "fig", "env",
           "cf", "av", "max", "min"},
    "it": {"sig", "sigg", "dott", "prof", "n", "es", "ecc", "fig", "pag", "ca", "cfr", "max", "min"},
}
_COMMON = {"etc", "fig", "no", "dr", "prof", "e.g", "i.e", "vs", "ca", "cf"}

# Closing characters that may follow the final stop and belong to the sentence.
_CLOSERS = "\"'”’»)]}"
# Sentence-final marks, Western and CJK.
_WESTERN_END = re.compile(r"[.!?…]+[" + re.escape(_CLOSERS) + r"]*(?=\s+|$)")
_CJK_END = re.compile(r"[。！？!?]+[」』）)”’]*")


def split_sentences(text: str, language: str = "en") -> list[str]:
    """Split one block of text into sentences; whitespace inside is collapsed."""
    text = " ".join(text.split())
    if not text:
        return []
    lang = language.split("-")[0].lower()
    if lang in ("ja", "zh"):
        return _split_cjk(text)
    abbreviations = _ABBREVIATIONS.get(lang, set()) | _COMMON
    out: list[str] = []
    start = 0
    for m in _WESTERN_END.finditer(text):
        end = m.end()
        if not _is_boundary(text, start, m, abbreviations):
            continue
        piece = text[start:end].strip()
        if piece:
            out.append(piece)
        start = end
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


def _is_boundary(text: str, start: int, m: re.Match, abbreviations: set[str]) -> bool:
    mark = m.group(0)
    after = text[m.end():].lstrip()
    if not after:
        return True
    if mark.startswith(".") and len(mark.rstrip(_CLOSERS)) == 1:
        word = text[start:m.start()].rsplit(" ", 1)[-1].lower().lstrip("(\"'“«")
        if word in abbreviations:
            return False
        # a single letter initial ("J. Smith") or an enumerator ("1." at the start)
        if len(word) == 1 and word.isalpha():
            return False
        if word.isdigit() and start == m.start() - len(word):
            return False
    # the next sentence starts with a capital, a digit, a quote or a non-Latin letter
    first = after[0]
    return first.isupper() or first.isdigit() or first in "\"'“«¿¡(" or not first.isascii() or first == "-"


def _split_cjk(text: str) -> list[str]:
    out, start = [], 0
    for m in _CJK_END.finditer(text):
        piece = text[start:m.end()].strip()
        if piece:
            out.append(piece)
        start = m.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


def split_long(sentence: str, max_words: int) -> list[str]:
    """Cut a sentence longer than `max_words` at clause boundaries (; : , and conjunction
    commas), then at word boundaries, so small MT models do not truncate it."""
    words = sentence.split()
    if len(words) <= max_words:
        return [sentence]
    clauses = [c for c in re.split(r"(?<=[;:,])\s+", sentence) if c]
    out: list[str] = []
    current: list[str] = []
    for clause in clauses:
        n = len(clause.split())
        if current and len(" ".join(current).split()) + n > max_words:
            out.append(" ".join(current))
            current = []
        if n > max_words:
            cw = clause.split()
            for i in range(0, len(cw), max_words):
                out.append(" ".join(cw[i:i + max_words]))
            continue
        current.append(clause)
    if current:
        out.append(" ".join(current))
    return out
