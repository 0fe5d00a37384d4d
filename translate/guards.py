"""Checks against the known failure modes of small MT models, on plain strings:
repetition loops, truncated output, untranslated output, letters the model could not spell,
figures not carried over."""

from __future__ import annotations

import re

from translate.detect import guess_language
from translate.languages import primary

_CHAR_LOOP = re.compile(r"(.{2,30}?)\1{3,}", re.S)
_WORDS = re.compile(r"\w+", re.U)


def collapse_repetition(text: str) -> tuple[str, bool]:
    """Collapse a phrase repeated four or more times in a row to one copy."""
    words = text.split()
    changed = False
    for n in (1, 2, 3, 4, 5):
        i, out = 0, []
        while i < len(words):
            chunk = words[i:i + n]
            reps = 1
            while words[i + reps * n:i + (reps + 1) * n] == chunk and len(chunk) == n:
                reps += 1
            if reps >= 4:
                out.extend(chunk)
                i += reps * n
                changed = True
            else:
                out.append(words[i])
                i += 1
        words = out
    result = " ".join(words) if changed else text
    collapsed = _CHAR_LOOP.sub(r"\1", result)
    return collapsed, changed or collapsed != result


def _letters(text: str) -> int:
    return sum(ch.isalpha() for ch in text)


def looks_truncated(source: str, output: str, target: str) -> bool:
    """Much shorter than the source: part of a long sentence was dropped."""
    if len(source.split()) < 8:
        return False
    ratio = _letters(output) / max(1, _letters(source))
    floor = 0.15 if primary(target) in ("ja", "zh", "ko") else 0.4
    return ratio < floor


def looks_untranslated(source: str, output: str, source_lang: str, target_lang: str) -> bool:
    """The output is the source again, or clearly still in the source language."""
    if primary(source_lang) == primary(target_lang):
        return False
    words = _WORDS.findall(source)
    if len([w for w in words if w.isalpha() and len(w) > 2]) < 3:
        return False  # codes, numbers, names: nothing to translate
    if " ".join(source.lower().split()) == " ".join(output.lower().split()):
        return True
    heard = guess_language(output)
    return heard is not None and heard == primary(source_lang) and heard != primary(target_lang)


#: What a model writes for a letter its vocabulary cannot spell: Bergamot's en->pt model gives
#: "J'rgen M'ller" for "Jürgen Müller" (its unknown piece decodes as an apostrophe).
_UNKNOWN_PIECE = "['’`´]"
#: Currency signs whose loss changes what a sentence says ("£4" read back as "4 euros").
CURRENCY_SIGNS = "$€£¥₹₩₽₺₴₦₱฿¢"
_NUMBER = re.compile(r"\d+(?:[.,\s]\d{3})*(?:[.,]\d+)?")


def restore_unknown_letters(source: str, output: str) -> tuple[str, tuple[str, ...]]:
    """`output` with each word of `source` that holds letters outside ASCII put back where the
    model wrote it with an apostrophe for some of those letters; and the words put back.

    A word matches only with every ASCII letter as written and every other letter either
    itself or an apostrophe, with at least one apostrophe: "br'lée" -> "brûlée"."""
    restored = []
    for word in sorted({w for w in _WORDS.findall(source) if not w.isascii()}, key=len, reverse=True):
        piece = "".join(re.escape(ch) if ch.isascii() else f"(?:{re.escape(ch)}|{_UNKNOWN_PIECE})" for ch in word)
        pattern = re.compile(rf"(?<!\w){piece}(?!\w)")
        fixed = pattern.sub(lambda m: word if m.group(0) != word else m.group(0), output)
        if fixed != output:
            output = fixed
            restored.append(word)
    return output, tuple(restored)


def changed_figures(source: str, output: str) -> list[str]:
    """Flags for figures a translation does not carry over: "numbers-changed" when the
    numbers differ (digits compared, so 1,000.5 and 1.000,5 agree) and "currency-changed:£"
    for each currency sign of the source missing from the output."""
    def digits(text: str) -> list[str]:
        return sorted(re.sub(r"\D", "", n) for n in _NUMBER.findall(text))

    flags = ["numbers-changed"] if digits(source) != digits(output) else []
    flags += [f"currency-changed:{sign}" for sign in CURRENCY_SIGNS if sign in source and sign not in output]
    return flags


def translation_checks(source: str, output: str, source_lang: str | None, target_lang: str) -> list[str]:
    """The guards' flags on any translation of `source`, by a model or a person, in this order:
    "possibly-truncated" (`looks_truncated`), "untranslated" (`looks_untranslated`; only with a
    `source_lang` to compare with), then `changed_figures` ("numbers-changed",
    "currency-changed:<sign>")."""
    flags = []
    if looks_truncated(source, output, target_lang):
        flags.append("possibly-truncated")
    if source_lang and looks_untranslated(source, output, source_lang, target_lang):
        flags.append("untranslated")
    return flags + changed_figures(source, output)
