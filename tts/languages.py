"""BCP-47 tags: resolution to the variant a voice speaks, and to espeak-ng and num2words names."""

from __future__ import annotations

import re

# A bare tag resolves to the variant the installed models really speak (DESIGN.md).
_RESOLVE = {"pt": "pt-BR", "en": "en-US", "zh": "zh", "es": "es"}

# BCP-47 (lower case) → espeak-ng language name, where they differ or a variant is preferred.
_ESPEAK_NAMES = {
    "en": "en-us",
    "en-us": "en-us",
    "en-gb": "en-gb",
    "pt": "pt-br",
    "pt-br": "pt-br",
    "pt-pt": "pt",
    "zh": "cmn",
    "zh-cn": "cmn",
    "zh-hans": "cmn",
    "zh-tw": "cmn-latn-pinyin",
    "yue": "yue",
    "nb": "nb",
    "no": "nb",
    "fil": "tl",
}

_TAG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")


def canonical(tag: str) -> str:
    """`pt_br` / `PT-br` → `pt-BR` (language lower, region upper, script title)."""
    parts = re.split(r"[-_]", tag.strip())
    out = [parts[0].lower()]
    for p in parts[1:]:
        if len(p) == 2 or p.isdigit():
            out.append(p.upper())
        elif len(p) == 4:
            out.append(p.title())
        else:
            out.append(p.lower())
    return "-".join(out)


def is_tag(tag: str) -> bool:
    return bool(tag) and bool(_TAG.match(tag.strip()))


def resolve(tag: str) -> str:
    """The variant a bare tag resolves to (`pt` → `pt-BR`); a tag with a region stays as given."""
    tag = canonical(tag)
    return _RESOLVE.get(tag, tag)


def base(tag: str) -> str:
    return canonical(tag).split("-")[0]


def espeak_name(tag: str, available: dict[str, str] | set[str] | None = None) -> str | None:
    """The espeak-ng language name for a BCP-47 tag, or None when espeak has no such language."""
    low = canonical(tag).lower()
    candidates = [_ESPEAK_NAMES.get(low, low), _ESPEAK_NAMES.get(base(low), base(low))]
    for name in candidates:
        if available is None or name in available:
            return name
    return None


def num2words_name(tag: str) -> str | None:
    """The num2words language code for a tag (`pt-BR` → `pt_BR`), or None when it has none."""
    from num2words import CONVERTER_CLASSES

    c = canonical(tag)
    for name in (c.replace("-", "_"), base(c)):
        if name in CONVERTER_CLASSES:
            return name
    return None
