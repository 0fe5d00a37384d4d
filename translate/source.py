"""Reading a source script: plain text or Markdown into blocks (heading, paragraph, numbered
step, bullet) of segmented sentences, and rendering it back with other sentences."""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache

from markdown_it import MarkdownIt

from translate.detect import detect_language, identify, in_context
from translate.errors import EmptySourceError, TranslationError
from translate.languages import normalize, primary
from translate.pictographs import only_pictographs, removed_pictographs, strip_pictographs
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
# A reference-style image ("![alt][ref]"): its definition lies outside the block, so the
# inline parser leaves it as text.
_REF_IMAGE = re.compile(r"!\[[^\]]*\]\[[^\]]*\]")
_HTML_IMAGE = re.compile(r"<img\b", re.I)


@dataclass(frozen=True)
class Sentence:
    id: str
    text: str
    block: int
    line: int = 0                 # 1-based line of the script where the sentence starts (0: unknown)
    language: str | None = None   # its own identified language; None: too short to judge, or given
    dropped: tuple[str, ...] = ()  # emoji removed from its lines (not translated or voiced)


@dataclass(frozen=True)
class Skipped:
    """A part of the script that is not translated, voiced or subtitled, and why."""
    line: int       # 1-based line in the script
    text: str       # what was there (an image's alt text or address, the emoji)
    reason: str     # "emoji only" | "emoji removed" (from a sentence) | "image" | "no words" (punctuation alone)


@dataclass(frozen=True)
class Block:
    index: int
    kind: str            # heading | paragraph | step | bullet | code
    sentences: tuple[Sentence, ...]
    number: int | None = None   # the step number, for steps
    level: int = 1              # heading level (1 = "#")
    raw: str = ""               # verbatim text, for code blocks
    line: int = 0               # 1-based script line where the block starts (0: unknown)


@dataclass(frozen=True)
class SourceDocument:
    blocks: tuple[Block, ...]
    language: str
    format: str                  # "text" or "markdown" (what "auto" decided)
    language_detected: bool      # True when `language` was not given
    skipped: tuple[Skipped, ...] = ()   # images and emoji-only lines, in script order

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
    `language`: the script's BCP-47 tag, detected from the text when not given.

    Emoji and pictographs are left out of every sentence; a line of emoji only and Markdown
    images (their alt text is not narration) are listed in `skipped` instead. Each sentence
    keeps the script line it starts on. When `language` is not given, each sentence long enough
    to judge is identified on its own (`Sentence.language`, translate.detect.identify) and is
    translated from that language; a given `language` is every sentence's. Raises EmptySourceError when nothing is left to say,
    TranslationError for a bad argument."""
    if not isinstance(text, str):
        raise TranslationError(f"the script must be text, not {type(text).__name__}; decode the file first")
    if format not in FORMATS:
        raise TranslationError(f"unknown script format {format!r}; use one of {', '.join(FORMATS)}")
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    if not text.strip():
        raise EmptySourceError("the script is empty; give a text with at least one sentence")
    if format == "auto":
        format = "markdown" if _MD_HINTS.search(text) else "text"
    markdown = format == "markdown"
    skipped: list[Skipped] = []
    raw_blocks = _parse_blocks(text, markdown=markdown, skipped=skipped)
    detected = language is None
    lang = normalize(language) if language else detect_language(_sample(raw_blocks))
    blocks: list[Block] = []
    counter = 0
    for kind, body, number, level, first_line in raw_blocks:
        index = len(blocks)
        if kind == "code":
            blocks.append(Block(index, kind, (), raw=body, line=first_line))
            continue
        if markdown:
            body = _strip_inline(body)
        pieces = [" ".join(body.split())] if kind == "heading" else split_sentences(body, lang)
        lines = _line_of_each_piece(body, pieces, first_line)
        sentences = []
        for piece, line in zip(pieces, lines):
            if not any(ch.isalnum() for ch in piece):
                if piece:  # punctuation alone is nothing to say
                    skipped.append(Skipped(line, piece, "no words"))
                continue
            counter += 1
            found = identify(piece) if detected else None
            own = in_context(found.language, primary(lang)) if found else None
            sentences.append(Sentence(f"s{counter}", piece, index, line, own))
        if sentences:
            blocks.append(Block(index, kind, tuple(sentences), number=number, level=level, line=first_line))
    if counter == 0:
        raise EmptySourceError("the script has no sentences (only markup, images or emoji); "
                               "give a text with at least one sentence")
    skipped.sort(key=lambda item: item.line)
    return SourceDocument(_with_dropped(blocks, skipped), lang, format, detected, tuple(skipped))


def _with_dropped(blocks: list[Block], skipped: list[Skipped]) -> tuple[Block, ...]:
    """`blocks` with each "emoji removed" entry of `skipped` on the sentence that holds its line
    (the last sentence starting on or before it), as `Sentence.dropped`."""
    removed = [item for item in skipped if item.reason == "emoji removed"]
    if not removed:
        return tuple(blocks)
    owner: dict[str, list[str]] = {}
    ordered = [s for b in blocks for s in b.sentences]
    for item in removed:
        before = [s for s in ordered if s.line <= item.line]
        if before:
            owner.setdefault(before[-1].id, []).extend(item.text.split())
    return tuple(replace(b, sentences=tuple(replace(s, dropped=tuple(owner[s.id])) if s.id in owner else s
                                            for s in b.sentences)) for b in blocks)


def _sample(raw_blocks: list[tuple], limit: int = 20000) -> str:
    """The prose of the script (no code) for language detection, up to `limit` characters."""
    return "\n".join(body for kind, body, *_ in raw_blocks if kind != "code")[:limit]


def _line_of_each_piece(body: str, pieces: list[str], first_line: int) -> list[int]:
    """The script line each piece starts on. Segmentation only collapses whitespace, so the
    pieces' non-space characters follow the body's in order; each is located by count."""
    if "\n" not in body:
        return [first_line] * len(pieces)
    ends, total = [], 0  # non-space characters up to the end of each line of the body
    for line in body.split("\n"):
        total += len("".join(line.split()))
        ends.append(total)
    out, position = [], 0
    for piece in pieces:
        # the first line whose end lies beyond the piece's first character
        out.append(first_line + min(bisect.bisect_right(ends, position), len(ends) - 1))
        position += len("".join(piece.split()))
    return out


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark")


def _inline_tokens(text: str):
    tokens = _markdown().parseInline(text)
    return tokens[0].children or [] if tokens else []


def _strip_inline(text: str) -> str:
    """What a narrator says of a block's inline Markdown: the text of emphasis, links and code
    spans, line breaks kept; images and inline HTML say nothing."""
    out = []
    for token in _inline_tokens(text):
        if token.type in ("text", "code_inline"):
            out.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            out.append("\n")
        elif token.type == "image":
            out.append("\x00")
    said = _REF_IMAGE.sub("\x00", "".join(out))
    # where an image stood: no space left before punctuation, one space between words
    said = re.sub(r"[ \t]*\x00[\x00 \t]*(?=[.,;:!?…)]|$)", "", said, flags=re.M)
    return re.sub(r"[ \t]*\x00[\x00 \t]*", " ", said)


def _images(line: str) -> list[str]:
    """The images on one Markdown line, as their alt text (or address when it has none)."""
    if "![" not in line and not _HTML_IMAGE.search(line):
        return []
    found = []
    for token in _inline_tokens(line):
        if token.type == "image":
            found.append(token.content or str(token.attrs.get("src", "")))
        elif token.type == "html_inline" and _HTML_IMAGE.match(token.content):
            found.append(token.content)
    found.extend(m.group(0) for m in _REF_IMAGE.finditer(line))
    return found


def _narrated_line(line: str, number: int, markdown: bool, skipped: list[Skipped]) -> str | None:
    """The line without pictographs, or None for a line of emoji only; what is not narrated
    (that line, Markdown images) is appended to `skipped`."""
    stripped = strip_pictographs(line)
    if only_pictographs(line, stripped):
        skipped.append(Skipped(number, line.strip(), "emoji only"))
        return None
    removed = removed_pictographs(line) if stripped != line else ()
    if removed:  # said in the manifest, and on the sentence as a check flag (translate.translator)
        skipped.append(Skipped(number, " ".join(removed), "emoji removed"))
    line = stripped
    if markdown:
        skipped.extend(Skipped(number, image, "image") for image in _images(line))
    return line


#: a block as `_parse_blocks` gives it: (kind, text, number, heading level, first line)
_RawBlock = tuple[str, str, int | None, int, int]


def _parse_blocks(text: str, *, markdown: bool, skipped: list[Skipped]) -> list[_RawBlock]:
    """(kind, text, number, heading level, first line) per block, one pass over the lines.
    A block's lines are joined with newlines (the sentence reader counts them). Lines of
    emoji only, and images, are appended to `skipped`."""
    reader = _BlockReader(markdown)
    for number, line in enumerate(text.split("\n"), start=1):
        if reader.fenced(line, number):
            continue
        line = _narrated_line(line, number, markdown, skipped)
        if line is not None:  # else as if the line were not there: it neither ends nor splits a paragraph
            reader.add(line, number)
    return reader.finish()


class _BlockReader:
    """The state of `_parse_blocks`' one pass: the blocks so far, the open paragraph, list item
    (kind, lines, number, first line) or code fence."""

    def __init__(self, markdown: bool):
        self.markdown = markdown
        self.blocks: list[_RawBlock] = []
        self.paragraph: list[str] = []
        self.paragraph_line = 0
        self.item: list | None = None  # [kind, lines, number, first line]
        self.fence: list[str] | None = None
        self.fence_line = 0

    def flush(self) -> None:
        """Close the open paragraph and list item."""
        if self.paragraph:
            self.blocks.append(("paragraph", "\n".join(self.paragraph), None, 1, self.paragraph_line))
            self.paragraph = []
        if self.item:
            self.blocks.append((self.item[0], "\n".join(self.item[1]), self.item[2], 1, self.item[3]))
            self.item = None

    def fenced(self, line: str, number: int) -> bool:
        """Whether `line` belongs to a code fence (opens, continues or closes one)."""
        if self.fence is not None:
            if self.markdown and _FENCE.match(line):
                self.blocks.append(("code", "\n".join(self.fence + [line]), None, 1, self.fence_line))
                self.fence = None
            else:
                self.fence.append(line)
            return True
        if self.markdown and _FENCE.match(line):
            self.flush()
            self.fence, self.fence_line = [line], number
            return True
        return False

    def add(self, line: str, number: int) -> None:
        """A narrated line: a blank, a heading, a rule, a list item, or paragraph text."""
        stripped = line.strip()
        if not stripped:
            self.flush()
            return
        if self._structure(line, stripped, number):
            return
        if self.item and line[:1].isspace():
            self.item[1].append(stripped)  # an indented continuation of a list item
            return
        if self.item:
            self.flush()
        if not self.paragraph:
            self.paragraph_line = number
        self.paragraph.append(stripped)

    def _structure(self, line: str, stripped: str, number: int) -> bool:
        """Whether `line` is a heading (ATX or setext underline), a rule or a list item, taken."""
        if self.markdown and (m := _HEADING.match(stripped)):
            self.flush()
            self.blocks.append(("heading", m.group(2) or "", None, len(m.group(1)), number))
            return True
        if self.markdown and not self.paragraph and _RULE.match(line):
            self.flush()
            return True
        if self.markdown and self.paragraph and _SETEXT.match(line) and not self.item:
            title = "\n".join(self.paragraph)
            self.paragraph = []
            self.blocks.append(("heading", title, None, 1 if line.strip()[0] == "=" else 2, self.paragraph_line))
            return True
        if m := _STEP.match(line):
            self.flush()
            self.item = ["step", [m.group(2)], int(m.group(1)), number]
            return True
        if m := _BULLET.match(line):
            self.flush()
            self.item = ["bullet", [m.group(1)], None, number]
            return True
        return False

    def finish(self) -> list[_RawBlock]:
        """The blocks, an unclosed fence kept verbatim rather than lost."""
        if self.fence is not None:
            self.blocks.append(("code", "\n".join(self.fence), None, 1, self.fence_line))
        self.flush()
        return self.blocks
