"""Subtitle cues from speech timings, written as SRT and WebVTT.

Cues follow the spoken sentences; a sentence too long for two lines is split at word
boundaries, each part timed by its words when word timings exist, else by its share of the
characters.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MAX_LINE = 42
MAX_LINES = 2


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str


def cues_from_timings(
    sentences: Sequence[tuple[float, float, str]],
    words: Sequence[tuple[float, float, str]] = (),
    *,
    max_line: int = MAX_LINE,
) -> list[Cue]:
    """One or more cues per spoken sentence, each at most two lines of `max_line` chars."""
    cues: list[Cue] = []
    words = sorted(words)
    for start, end, text in sentences:
        text = " ".join(text.split())
        if not text or end <= start:
            continue
        parts = _split(text, max_line * MAX_LINES)
        inside = [w for w in words if w[0] >= start - 0.05 and w[1] <= end + 0.05]
        times = _part_times(parts, start, end, inside)
        for (s, e), part in zip(times, parts):
            cues.append(Cue(s, e, "\n".join(textwrap.wrap(part, max_line)) or part))
    return cues


def _split(text: str, limit: int) -> list[str]:
    if len(text) <= limit:
        return [text]
    n_parts = -(-len(text) // limit)
    target = len(text) / n_parts
    parts, current = [], ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > target and len(parts) < n_parts - 1:
            parts.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    parts.append(current)
    return parts


def _part_times(parts: list[str], start: float, end: float, words) -> list[tuple[float, float]]:
    n_words = [len(p.split()) for p in parts]
    if words and len(words) == sum(n_words):
        times, i = [], 0
        for k, n in enumerate(n_words):
            s = start if k == 0 else words[i][0]
            e = end if k == len(parts) - 1 else words[i + n - 1][1]
            times.append((s, max(e, s + 0.01)))
            i += n
        return times
    total = sum(len(p) for p in parts)
    times, t = [], start
    for p in parts:
        d = (end - start) * len(p) / total
        times.append((t, t + d))
        t += d
    return times


def _stamp(seconds: float, sep: str) -> str:
    ms = max(0, int(round(seconds * 1000)))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def to_srt(cues: Iterable[Cue]) -> str:
    blocks = [f"{i}\n{_stamp(c.start, ',')} --> {_stamp(c.end, ',')}\n{c.text}\n"
              for i, c in enumerate(cues, start=1)]
    return "\n".join(blocks)


def to_vtt(cues: Iterable[Cue]) -> str:
    blocks = [f"{_stamp(c.start, '.')} --> {_stamp(c.end, '.')}\n{c.text}\n" for c in cues]
    return "WEBVTT\n\n" + "\n".join(blocks)
