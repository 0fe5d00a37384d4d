"""Reading a source script: plain text or Markdown into blocks (heading, paragraph, numbered
step, bullet) of segmented sentences, and rendering it back with other sentences."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from translate.detect import detect_language
from translate.errors import EmptySourceError, TranslationError
from translate.languages import normalize, primary
from translate.segment import split_sentences

KINDS = ("heading", "paragraph", "step", "bullet", "code")
FORMATS = ("auto", "text", "markdown")

_HEADING = re.compile(r"^(#{1,6})(?:\s+(.*?))?\s*#*\s*$")
_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
_STEP = re.compile(r"^\s*(\d{1,3})[.)]\s+(.*)$")
_BULLET = re.compile(r"^\s*[-*+•]\s+(.*)$")
_SETEXT = re.compile(r"^\s*(=+|-+)\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_MD_HINTS = re.compile(r"^(#{1,6}\s|\s*[-*+]\s|```|~~~)|\*\*|__|\[[^\]]+\]\([^)]+\)", re.M)
# Inline Markdown that a narrator must not read aloud.
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")


@dataclass(frozen=True)
class Sentence:
    id: str
    text: str
    block: int


@dataclass(frozen=True)
class Block:
    index: int
    kind: str            # heading | paragraph | step | bullet | code
    sentences: tuple[Sentence, ...]
    number: int | None = None   # the step number, for steps
    level: int = 1              # heading level (1 = "#")
    raw: str = ""               # verbatim text, for code blocks


@dataclass(frozen=True)
class SourceDocument:
    blocks: tuple[Block, ...]
    language: str
    format: str                  # "text" or "markdown" (what "auto" decided)
    language_detected: bool      # True when `language` was not given

    @cached_property
    def sentences(self) -> tuple[Sentence, ...]:
        return tuple(s for b in self.blocks for s in b.sentences)

    @property
    def text(self) -> str:
        return self.render({})

    def render(self, texts_by_id: Mapping[str, str] | object, *, language: str | None = None) -> str:
        """The document with each sentence replaced by `texts_by_id[id]` (a mapping, or a
        result with `.sentences` of (id, text)); sentences not given keep their source text.
        `language` is the rendered text's language (no spaces between Japanese sentences)."""
        if hasattr(texts_by_id, "sentences") and not isinstance(texts_by_id, Mapping):
            language = language or getattr(texts_by_id, "target_language", None)
            texts_by_id = {s.id: s.text for s in texts_by_id.sentences}
        joiner = "" if primary(language or self.language) in ("ja", "zh") else " "
        lines: list[str] = []
        previous = None
        for block in self.blocks:
            body = joiner.join(texts_by_id.get(s.id, s.text) for s in block.sentences)
            if block.kind in ("step", "bullet") and previous == block.kind:
                pass  # list items stay together
            elif lines:
                lines.append("")
            if block.kind == "heading":
                lines.append(("#" * block.level + " " + body) if self.format == "markdown" else body)
            elif block.kind == "step":
                lines.append(f"{block.number}. {body}")
            elif block.kind == "bullet":
                lines.append(f"- {body}")
            elif block.kind == "code":
                lines.append(block.raw)
            else:
                lines.append(body)
            previous = block.kind
        return "\n".join(lines) + "\n"


def read_source(text: str, *, format: str = "auto", language: str | None = None) -> SourceDocument:
    """Parse a script into blocks and sentences. `format`: auto, text or markdown;
    `language`: the script's BCP-47 tag, detected from the text when not given."""
    if not isinstance(text, str):
        raise TranslationError(f"the script must be text, not {type(text).__name__}; decode the file first")
    if format not in FORMATS:
        raise TranslationError(f"unknown script format {format!r}; use one of {', '.join(FORMATS)}")
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    if not text.strip():
        raise EmptySourceError("the script is empty; give a text with at least one sentence")
    if format == "auto":
        format = "markdown" if _MD_HINTS.search(text) else "text"
    detected = language is None
    lang = normalize(language) if language else detect_language(_sample(text))
    raw_blocks = _parse_blocks(text, markdown=format == "markdown")
    blocks: list[Block] = []
    counter = 0
    for kind, body, number, level in raw_blocks:
        index = len(blocks)
        if kind == "code":
            blocks.append(Block(index, kind, (), raw=body))
            continue
        if format == "markdown":
            body = _strip_inline(body)
        pieces = [body.strip()] if kind == "heading" else split_sentences(body, lang)
        sentences = []
        for piece in pieces:
            if not any(ch.isalnum() for ch in piece):
                continue  # punctuation or markup alone is nothing to say
            counter += 1
            sentences.append(Sentence(f"s{counter}", piece, index))
        if sentences:
            blocks.append(Block(index, kind, tuple(sentences), number=number, level=level))
    if counter == 0:
        raise EmptySourceError("the script has no sentences (only markup); give a text with at least one sentence")
    return SourceDocument(tuple(blocks), lang, format, detected)


def _sample(text: str, limit: int = 20000) -> str:
    return text[:limit]


def _strip_inline(text: str) -> str:
    text = _LINK.sub(r"\1", text)
    for _ in range(2):  # nested emphasis (***x***)
        text = _EMPHASIS.sub(r"\2", text)
    return text


def _parse_blocks(text: str, *, markdown: bool) -> list[tuple[str, str, int | None, int]]:
    """(kind, text, number, heading level) per block, one pass over the lines."""
    blocks: list[tuple[str, str, int | None, int]] = []
    paragraph: list[str] = []
    item: list | None = None  # [kind, lines, number]
    lines = text.split("\n")
    fence: list[str] | None = None

    def flush():
        nonlocal paragraph, item
        if paragraph:
            blocks.append(("paragraph", " ".join(paragraph), None, 1))
            paragraph = []
        if item:
            blocks.append((item[0], " ".join(item[1]), item[2], 1))
            item = None

    for i, line in enumerate(lines):
        if fence is not None:
            if markdown and _FENCE.match(line):
                blocks.append(("code", "\n".join(fence + [line]), None, 1))
                fence = None
            else:
                fence.append(line)
            continue
        if markdown and _FENCE.match(line):
            flush()
            fence = [line]
            continue
        stripped = line.strip()
        if not stripped:
            flush()
            continue
        if markdown and (m := _HEADING.match(stripped)):
            flush()
            blocks.append(("heading", m.group(2) or "", None, len(m.group(1))))
            continue
        if markdown and not paragraph and _RULE.match(line):
            flush()
            continue
        if markdown and paragraph and _SETEXT.match(line) and not item:
            title = " ".join(paragraph)
            paragraph = []
            blocks.append(("heading", title, None, 1 if line.strip()[0] == "=" else 2))
            continue
        if m := _STEP.match(line):
            flush()
            item = ["step", [m.group(2)], int(m.group(1))]
            continue
        if m := _BULLET.match(line):
            flush()
            item = ["bullet", [m.group(1)], None]
            continue
        if item and line[:1].isspace():
            item[1].append(stripped)  # an indented continuation of a list item
            continue
        if item:
            flush()
        paragraph.append(stripped)
    if fence is not None:  # an unclosed fence: keep it verbatim rather than lose it
        blocks.append(("code", "\n".join(fence), None, 1))
    flush()
    return blocks
