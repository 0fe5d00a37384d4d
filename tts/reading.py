"""The transcript as espeak-ng reads it for the given-words aligner (`tts.forced`): its words,
the text read (each word as the normaliser says it, with its clause mark), each word's span in
that text, and the timed words back from the placed phones."""

from __future__ import annotations

import re
from collections.abc import Sequence

from tts.errors import AlignmentError
from tts.normalize import Normalizer
from tts.phonemes import WORD
from tts.types import TimedText

_CLAUSE_MARKS = re.compile(r"[,;:.!?…]")
#: A token holding a digit, without the quotes, brackets and clause marks round it.
_NUMBER_CORE = re.compile(r"[^\s\"'“”‘’()\[\]{}]+?(?=[,;:.!?…\"'“”‘’()\[\]{}]*$)")


def reading_of(sentences: Sequence[str], normalizer: Normalizer
             ) -> tuple[list[str], list[int], str, list[tuple[int, int, int]]]:
    """The text's words, each word's sentence index, the text espeak-ng reads (each word
    spoken as the normaliser says it, followed by its clause mark so that espeak pauses where
    a speaker would), and each word's character span in that text: (start, end, word index)."""
    words: list[str] = []
    owner_sentence: list[int] = []
    parts: list[str] = []
    owners: list[tuple[int, int, int]] = []
    pos = 0
    for k, sentence in enumerate(sentences):
        found = word_spans(sentence)
        for n, (a, b) in enumerate(found):
            after = sentence[b:found[n + 1][0]] if n + 1 < len(found) else sentence[b:]
            mark = _CLAUSE_MARKS.search(after)
            mark = mark.group() if mark else ("." if n + 1 == len(found) else "")
            spoken = normalizer(sentence[a:b]) or sentence[a:b]
            owners.append((pos, pos + len(spoken), len(words)))
            parts.append(spoken + mark)
            pos += len(spoken) + len(mark) + 1
            words.append(sentence[a:b])
            owner_sentence.append(k)
    if not words:
        raise AlignmentError("the transcript has no words: give the text that was spoken")
    return words, owner_sentence, " ".join(parts), owners


def word_spans(sentence: str) -> list[tuple[int, int]]:
    """Character spans of the words of `sentence` as the normaliser must see them: a run of
    text holding a digit ("£5", "2.5", "50%", "3rd") is one token with its signs, so it is
    read as the synthesizer reads it ("cinco libras", "two point five"; split at the signs it
    was read "cinco", "two. five"), its clause marks left outside; elsewhere `WORD` matches."""
    spans: list[tuple[int, int]] = []
    for chunk in re.finditer(r"\S+", sentence):
        text = chunk.group()
        if any(c.isdigit() for c in text):
            core = _NUMBER_CORE.search(text)
            if core:
                spans.append((chunk.start() + core.start(), chunk.start() + core.end()))
                continue
        spans += [(chunk.start() + m.start(), chunk.start() + m.end()) for m in WORD.finditer(text)]
    return spans


def timed_text(words: Sequence[str], placed: Sequence[tuple[float, float] | None]) -> list[TimedText]:
    """Each word with its placed span; a word left without phones (espeak read nothing for
    it) gets an empty span where the word before it ends."""
    out: list[TimedText] = []
    for word, span in zip(words, placed):
        if span is None:
            at = out[-1].end if out else next((s for s, _ in filter(None, placed)), 0.0)
            span = (at, at)
        out.append(TimedText(float(span[0]), float(span[1]), word))
    return out
