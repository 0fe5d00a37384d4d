"""Subtitle cues from speech timings, written and read as SRT and WebVTT with pysubs2.

Layout rules, in this order of precedence (the common broadcast and streaming style-guide
figures, e.g. the BBC subtitle guidelines and Netflix's timed-text style guide):
1. at most 2 lines per cue;
2. at most 42 characters per line for alphabetic scripts, 16 for Chinese and Japanese;
3. a cue lasts 1 to 7 s: a short cue is extended into the silence that follows it, a long
   sentence is split;
4. at most 20 characters per second for alphabetic scripts, 9 for Chinese and Japanese: a cue
   is extended into the following silence to slow it down; where speech is too fast for that,
   the timing is kept and the cue is recorded in the layout's quality report.

A sentence is split at phrase boundaries (after punctuation, then before a conjunction, then
before a preposition, then at any space, and not after an article, number, preposition or
conjunction: `pipeline.subtitle_breaks`; in Chinese and Japanese after punctuation, then after
a particle), each part timed from the speech's word timings.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import pysubs2

from pipeline.subtitle_breaks import (
    AFTER_PUNCTUATION, AT_SPACE, BEFORE_CONJUNCTION, CLAUSE_END, INSIDE_PHRASE, word_break_cost,
)

MAX_LINE = 42
MAX_LINES = 2


@dataclass(frozen=True)
class Cue:
    start: float   # seconds
    end: float     # seconds
    text: str      # lines separated by "\n"


@dataclass(frozen=True)
class LayoutRules:
    """Limits of one writing system; `for_text` picks them."""
    max_lines: int = MAX_LINES
    max_chars: int = MAX_LINE        # characters per line
    min_duration: float = 1.0        # seconds
    max_duration: float = 7.0        # seconds
    max_cps: float = 20.0            # characters (spaces included, line breaks not) per second

    @classmethod
    def alphabetic(cls) -> LayoutRules:
        return cls()

    @classmethod
    def cjk(cls) -> LayoutRules:
        return cls(max_chars=16, max_cps=9.0)

    @classmethod
    def for_text(cls, texts: Iterable[str], language: str | None = None) -> LayoutRules:
        """CJK rules for Chinese or Japanese (`language` "zh"/"ja", or, without a language,
        text mostly in Han or kana), else alphabetic."""
        if language:
            return cls.cjk() if language.split("-")[0].lower() in ("zh", "ja") else cls.alphabetic()
        letters = [ch for text in texts for ch in text if ch.isalpha()]
        cjk = sum(_is_cjk(ch) for ch in letters)
        return cls.cjk() if letters and cjk * 2 > len(letters) else cls.alphabetic()


@dataclass(frozen=True)
class CueIssue:
    """A cue that breaks a rule that could not be met, for the pack's quality report."""
    cue: int          # 1-based cue number (0: a sentence that has no cue)
    start: float
    end: float
    text: str
    rule: str         # "reading-speed" | "duration" | "line-length" | "not-spoken"
    value: float      # characters per second, seconds, characters
    limit: float


@dataclass(frozen=True)
class SubtitleLayout:
    cues: tuple[Cue, ...]
    issues: tuple[CueIssue, ...]
    rules: LayoutRules

    def report(self) -> dict:
        """The quality report: rules, number of cues and every issue (JSON-ready)."""
        return {"rules": asdict(self.rules), "cues": len(self.cues),
                "issues": [asdict(i) for i in self.issues]}


# --------------------------------------------------------------------------- units

# Boundary costs: the lower, the better a place to end a line or a cue (alphabetic scripts:
# `pipeline.subtitle_breaks`, after punctuation 0 ... inside a phrase 6).
_INSIDE_CJK, _KINSOKU = AT_SPACE, INSIDE_PHRASE
# Japanese particles and Chinese structural words after which a line may break.
_PARTICLES = frozenset("はがをにでともへのや的了和")
# What must not open a line in Japanese (JIS X 4051 line-breaking rules, "kinsoku"): small
# kana, the prolonged sound mark, and particles, which belong to the word before them.
_NO_LINE_START = frozenset("ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶー々") | _PARTICLES
_TOKEN = re.compile(r"\s+|[\u2e80-\u9fff\uf900-\ufaff\u3040-\u30ff\uff66-\uff9f]|[^\s\u2e80-\u9fff\uf900-\ufaff\u3040-\u30ff\uff66-\uff9f]+")


def _is_cjk(ch: str) -> bool:
    name = unicodedata.name(ch, "")
    return name.startswith(("CJK", "HIRAGANA", "KATAKANA"))


@dataclass(frozen=True)
class _Unit:
    text: str
    space_before: bool


def _units(text: str) -> list[_Unit]:
    """Words; in Chinese and Japanese, characters (punctuation stays with what it follows)."""
    units: list[_Unit] = []
    space = False
    for token in _TOKEN.findall(text):
        if token.isspace():
            space = True
            continue
        if units and not space and all(unicodedata.category(c).startswith("P") for c in token):
            units[-1] = _Unit(units[-1].text + token, units[-1].space_before)
        elif units and not space and not _is_cjk(token[0]) and not _is_cjk(units[-1].text[-1]):
            units[-1] = _Unit(units[-1].text + token, units[-1].space_before)
        else:
            units.append(_Unit(token, space and bool(units)))
        space = False
    return units


def _join(units: Sequence[_Unit]) -> str:
    return "".join((" " if u.space_before and i else "") + u.text for i, u in enumerate(units))


def _break_cost(units: Sequence[_Unit], k: int) -> int:
    """The cost of ending a line or cue after units[k - 1]."""
    before, after = units[k - 1], units[k]
    if after.space_before:
        return word_break_cost(before.text, after.text)
    if CLAUSE_END.search(before.text):
        return AFTER_PUNCTUATION
    if after.text[0] in _NO_LINE_START:
        return _KINSOKU
    return BEFORE_CONJUNCTION if before.text[-1] in _PARTICLES else _INSIDE_CJK


def _wrap(units: Sequence[_Unit], rules: LayoutRules) -> tuple[str, float] | None:
    """The units as at most `max_lines` (2) lines of at most `max_chars`, broken at the best
    phrase boundary with balanced lines: (text, cost), or None when they do not fit."""
    whole = _join(units)
    if len(whole) <= rules.max_chars:
        return whole, 0.0
    best: tuple[str, float] | None = None
    for k in range(1, len(units)):
        top, bottom = _join(units[:k]), _join(units[k:])
        if len(top) > rules.max_chars or len(bottom) > rules.max_chars:
            continue
        cost = _break_cost(units, k) + abs(len(top) - len(bottom)) / rules.max_chars
        if best is None or cost < best[1]:
            best = (f"{top}\n{bottom}", cost)
    return best


# --------------------------------------------------------------------------- timing


def _unit_starts(units: Sequence[_Unit], start: float, end: float, words) -> list[float]:
    """When each unit starts. With word timings, a unit's position among the sentence's
    letters is mapped onto the words' letters (exact when the words are the units; close when
    the voice said "5" as "five"); without them, time is shared by characters."""
    sizes = [sum(not c.isspace() for c in u.text) for u in units]
    total = sum(sizes) or 1
    inside = [w for w in words if w[0] >= start - 0.05 and w[1] <= end + 0.05 and str(w[2]).strip()]
    positions, acc = [], 0  # letters before each unit
    for size in sizes:
        positions.append(acc)
        acc += size
    if not inside:
        return [start + p / total * (end - start) for p in positions]
    word_sizes = [max(1, sum(not c.isspace() for c in str(w[2]))) for w in inside]
    word_total = sum(word_sizes)
    times = []
    for p in positions:
        # integers until the last step, so a unit that is a word starts exactly at that word
        target, acc = p * word_total, 0
        for (w_start, w_end, _), size in zip(inside, word_sizes):
            if target < (acc + size) * total:
                times.append(w_start + (target - acc * total) / (size * total) * (w_end - w_start))
                break
            acc += size
        else:
            times.append(inside[-1][1])
    times[0] = start
    return times


def _chunks(units: list[_Unit], starts: list[float], end: float, rules: LayoutRules) -> list[tuple[int, int, str]]:
    """Split one sentence's units into cues (first, stop, text) with the fewest cues that fit
    the line rules and last at most `max_duration`, preferring phrase boundaries, cues of at
    least `min_duration` and readable speeds (dynamic programming over split points)."""
    n = len(units)
    best: list[tuple[float, int, str] | None] = [None] * (n + 1)  # cost, previous split, text
    best[0] = (0.0, -1, "")
    for i in range(n):
        if best[i] is None:
            continue
        for j in range(i + 1, n + 1):
            wrapped = _wrap(units[i:j], rules)
            if wrapped is None and j > i + 1:
                break  # longer chunks only get longer
            text = wrapped[0] if wrapped else _join(units[i:j])  # one over-long word: its own cue
            duration = (starts[j] if j < n else end) - starts[i]
            if duration > rules.max_duration and j > i + 1:
                break
            cost = 10.0 + (wrapped[1] if wrapped else 10.0)
            cost += 8.0 * _break_cost(units, j) if j < n else 0.0  # a mid-phrase cut costs more than a cue
            cost += 20.0 if duration < rules.min_duration else 0.0
            cps = len(text.replace("\n", " ")) / max(duration, 1e-3)
            cost += 5.0 * max(0.0, cps - rules.max_cps) / rules.max_cps
            total = best[i][0] + cost
            if best[j] is None or total < best[j][0]:
                best[j] = (total, i, text)
    out, j = [], n
    while j > 0:
        _, i, text = best[j]
        out.append((i, j, text))
        j = i
    return out[::-1]


# --------------------------------------------------------------------------- layout


def layout_cues(
    sentences: Sequence[tuple[float, float, str]],
    words: Sequence[tuple[float, float, str]] = (),
    *,
    language: str | None = None,
    until: float | None = None,
    rules: LayoutRules | None = None,
) -> SubtitleLayout:
    """Cues for spoken sentences ((start_s, end_s, text), e.g. `tts.Speech.sentences`) timed by
    the speech's word timings ((start_s, end_s, text), `Speech.words`), laid out by `rules`
    (by default those of `language`, or of the text's writing system).

    A cue shorter than `min_duration` or faster than `max_cps` is extended into the silence
    that follows it, up to the next cue, `max_duration` and `until` (the end of the audio, s;
    None: the last cue is not extended). What cannot be met is kept and listed in `issues`,
    as is a sentence the voice gave no time to (it has no cue)."""
    texts = [(float(s), float(e), " ".join(str(t).split())) for s, e, t in sentences]
    rules = rules or LayoutRules.for_text((t for _, _, t in texts), language)
    words = sorted((float(s), float(e), str(t)) for s, e, t in words)
    cues: list[Cue] = []
    issues: list[CueIssue] = []
    for start, end, text in texts:
        if not text:
            continue
        if end <= start:
            issues.append(CueIssue(0, start, end, text, "not-spoken", 0.0, rules.min_duration))
            continue
        units = _units(text)
        starts = _unit_starts(units, start, end, words)
        for i, j, chunk in _chunks(units, starts, end, rules):
            cues.append(Cue(starts[i], starts[j] if j < len(units) else end, chunk))
    cues.sort(key=lambda c: c.start)
    cues = _extend_into_silence(cues, rules, until)
    issues.extend(_issues(cues, rules))
    return SubtitleLayout(tuple(cues), tuple(sorted(issues, key=lambda i: (i.start, i.cue))), rules)


def _reading_chars(text: str) -> int:
    return len(text.replace("\n", " "))


def _extend_into_silence(cues: list[Cue], rules: LayoutRules, until: float | None) -> list[Cue]:
    out = []
    for k, cue in enumerate(cues):
        limit = cues[k + 1].start if k + 1 < len(cues) else until if until is not None else cue.end
        wanted = max(cue.end, cue.start + rules.min_duration, cue.start + _reading_chars(cue.text) / rules.max_cps)
        end = max(cue.end, min(wanted, limit, cue.start + rules.max_duration))
        out.append(Cue(cue.start, end, cue.text))
    return out


def _issues(cues: Sequence[Cue], rules: LayoutRules) -> list[CueIssue]:
    issues = []
    for number, cue in enumerate(cues, start=1):
        duration = cue.end - cue.start
        cps = _reading_chars(cue.text) / max(duration, 1e-3)
        longest = max(len(line) for line in cue.text.split("\n"))
        checks = (("line-length", longest, rules.max_chars, longest > rules.max_chars),
                  ("duration", duration, rules.min_duration, duration < rules.min_duration - 1e-6),
                  ("duration", duration, rules.max_duration, duration > rules.max_duration + 1e-6),
                  ("reading-speed", cps, rules.max_cps, cps > rules.max_cps + 1e-6))
        issues.extend(CueIssue(number, cue.start, cue.end, cue.text, rule, round(value, 3), limit)
                      for rule, value, limit, broken in checks if broken)
    return issues


def cues_from_timings(
    sentences: Sequence[tuple[float, float, str]],
    words: Sequence[tuple[float, float, str]] = (),
    *,
    max_line: int = MAX_LINE,
    language: str | None = None,
    until: float | None = None,
) -> list[Cue]:
    """The cues of `layout_cues` (kept for callers that want only the cues). `max_line`
    replaces the alphabetic line length."""
    rules = LayoutRules.for_text((str(t) for _, _, t in sentences), language)
    if max_line != MAX_LINE and rules.max_chars == MAX_LINE:
        rules = LayoutRules(max_chars=max_line)
    return list(layout_cues(sentences, words, until=until, rules=rules).cues)


# --------------------------------------------------------------------------- files

# pysubs2 reads "\n", "\N" and "\h" in event text as SSA line breaks and spaces; a word joiner
# (U+2060, invisible) after a script's own backslash keeps it literal.
_SSA_ESCAPE = re.compile(r"\\(?=[nNh])")
_WORD_JOINER = "\u2060"


def _subs(cues: Iterable[Cue]) -> pysubs2.SSAFile:
    subs = pysubs2.SSAFile()
    for cue in cues:
        event = pysubs2.SSAEvent(start=int(round(cue.start * 1000)), end=int(round(cue.end * 1000)))
        event.plaintext = _SSA_ESCAPE.sub("\\\\" + _WORD_JOINER, cue.text)
        subs.append(event)
    return subs


def to_srt(cues: Iterable[Cue]) -> str:
    """SubRip text (numbered cues, "HH:MM:SS,mmm" times). Braces are text, not SSA tags."""
    return _subs(cues).to_string("srt", keep_ssa_tags=True)


def to_vtt(cues: Iterable[Cue]) -> str:
    """WebVTT text. "&", "<" and ">" in the text are escaped as WebVTT requires."""
    escaped = [Cue(c.start, c.end, c.text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
               for c in cues]
    return _subs(escaped).to_string("vtt", keep_ssa_tags=True)


def read_subtitles(source: str | Path, format: str | None = None) -> list[Cue]:
    """Cues from SRT or WebVTT text, or from a file path (`Path`); `format` "srt" or "vtt"
    (guessed from the content when None). Times in seconds, lines joined by "\\n"."""
    text = Path(source).read_text(encoding="utf-8") if isinstance(source, Path) else source
    fmt = format or ("vtt" if text.lstrip("\ufeff").startswith("WEBVTT") else "srt")
    subs = pysubs2.SSAFile.from_string(text, format_=fmt, keep_html_tags=True)
    out = []
    for event in subs:
        # event.text, not .plaintext: plaintext drops "{...}" as SSA override tags
        body = event.text.replace("\\N", "\n").replace("\\" + _WORD_JOINER, "\\")
        if fmt == "vtt":
            body = body.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        out.append(Cue(event.start / 1000, event.end / 1000, body))
    return out
