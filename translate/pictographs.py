"""Emoji and pictographs in scripts: kept out of translation and speech.

A script pasted from a chat or a slide ("Wear your helmet ⛑️ before entering the site! 👷‍♀️")
carries emoji that a translation model turns into junk and a voice reads aloud. The `emoji`
package (Unicode's emoji-test.txt, ZWJ sequences, flags, keycaps, skin tones and tag sequences)
finds them; code points left in the pictographic blocks and stray joiners are removed too.
A keycap ("1️⃣", "#️⃣": a digit, # or * with U+20E3 COMBINING ENCLOSING KEYCAP, Unicode's
emoji-sequences.txt "Emoji_Keycap_Sequence") carries meaning ("Press 1️⃣") and reads as its
character; every other removed emoji is listed (`removed_pictographs`) so that it is said.
"""

from __future__ import annotations

import re

import emoji

# Typographic symbols that the emoji set also lists but that are ordinary text in a script
# (a trademark after a product name); the speech normaliser decides how to say them.
_TEXT_SYMBOLS = frozenset("©®™")
# What can be left of a sequence, or a pictograph the emoji set does not list: Unicode blocks
# Miscellaneous Symbols (2600-26FF), Dingbats (2700-27BF), the supplementary pictograph blocks
# (1F000-1FAFF), variation selectors 15/16, ZWJ, keycap combiner and tag characters.
# Keycap sequences: [0-9#*], optional VS16, U+20E3 (the `emoji` set lists the fully qualified form).
_KEYCAP = re.compile("([0-9#*])\ufe0f?\u20e3")
_LEFTOVER = re.compile("[\u2600-\u27bf\U0001f000-\U0001faff\ufe0e\ufe0f\u200d\u20e3\U000e0020-\U000e007f]")


def strip_pictographs(text: str) -> str:
    """`text` without emoji and pictographs, with the spaces they leave tidied.

    Only spaces around a removed pictograph change: "Thanks 🙏." -> "Thanks.", "a ⛑️ b" ->
    "a b"; a keycap reads as its character ("Press 1️⃣" -> "Press 1"); line breaks are kept (the script reader counts lines). Text without pictographs
    comes back unchanged."""
    if text.isascii():
        return text  # every emoji and pictograph has a code point above U+007F: the fast path
    text = _KEYCAP.sub(r"\1", text)
    found = _found(text)
    if not found and not _LEFTOVER.search(text):
        return text
    pieces, last = [], 0
    for match in found:
        pieces.append(text[last:match["match_start"]])
        pieces.append("\x00")  # where a pictograph stood
        last = match["match_end"]
    pieces.append(text[last:])
    out = _LEFTOVER.sub("\x00", "".join(pieces))
    # A removed run with spaces beside it becomes one space (marked \x01), dropped again
    # before punctuation, at a line's ends and at the text's ends.
    out = re.sub(r"[ \t]*\x00[\x00 \t]*", lambda m: " \x01" if m.group(0).strip("\x00") else "", out)
    out = re.sub(r" \x01(?=[.,;:!?…。！？、\n]|$)", "", out)
    out = re.sub(r"(^|\n) \x01", r"\1", out)
    return out.replace("\x01", "")


def removed_pictographs(text: str) -> tuple[str, ...]:
    """The emoji and pictographs `strip_pictographs` removes from `text`, in order (keycaps,
    kept as their character, are not among them): ("🔌",) for "Switch off 🔌 now"."""
    if text.isascii():
        return ()
    text = _KEYCAP.sub(r"\1", text)
    found = _found(text)
    rest = list(text)
    for match in found:
        rest[match["match_start"]:match["match_end"]] = [""] * (match["match_end"] - match["match_start"])
    # joiners and selectors left alone are not worth a word; pictographs the set does not list are
    leftovers = [ch for ch in _LEFTOVER.findall("".join(rest)) if ch not in "\ufe0e\ufe0f\u200d\u20e3"
                 and not "\U000e0020" <= ch <= "\U000e007f"]
    return tuple(m["emoji"] for m in found) + tuple(leftovers)


def _found(text: str) -> list[dict]:
    """`emoji.emoji_list(text)` less the typographic symbols kept as text."""
    return [m for m in emoji.emoji_list(text) if m["emoji"] not in _TEXT_SYMBOLS]


def only_pictographs(text: str, stripped: str | None = None) -> bool:
    """True when `text` has pictographs and nothing to say besides them and punctuation.
    `stripped`: `strip_pictographs(text)` when the caller has it already."""
    stripped = strip_pictographs(text) if stripped is None else stripped
    return stripped != text and not any(ch.isalnum() for ch in stripped)
