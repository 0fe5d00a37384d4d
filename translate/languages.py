"""BCP-47 language tags: normalising what people type and matching it to what models support."""

from __future__ import annotations

from collections.abc import Iterable

from translate.errors import TranslationError

# English names (as model metadata writes them) to primary subtags.
NAMES = {
    "english": "en", "portuguese": "pt", "spanish": "es", "german": "de", "french": "fr",
    "italian": "it", "dutch": "nl", "japanese": "ja", "chinese": "zh", "korean": "ko",
    "russian": "ru", "polish": "pl", "czech": "cs", "turkish": "tr", "arabic": "ar",
    "greek": "el", "hebrew": "he", "hindi": "hi", "thai": "th",
}

# The languages a script's segments are identified among (translate.detect): the ones named
# above. Keeping the set small keeps a name or a code from being taken for a rare language.
IDENTIFIED = tuple(sorted(set(NAMES.values())))

# What a bare tag means when a model is registered without a region: the bundled Bergamot
# Portuguese model was trained on Brazilian Portuguese.
DEFAULT_REGION = {"pt": "pt-BR"}


def normalize(tag: str) -> str:
    """`PT_br` -> `pt-BR`, `EN` -> `en`, `portuguese` -> `pt`; raises on an empty tag."""
    text = (tag or "").strip().replace("_", "-")
    if not text:
        raise TranslationError("empty language tag; give a BCP-47 tag such as 'en' or 'pt-BR'")
    if text.lower() in NAMES:
        return NAMES[text.lower()]
    parts = text.split("-")
    out = [parts[0].lower()]
    for p in parts[1:]:
        if len(p) == 2:
            out.append(p.upper())
        elif len(p) == 4:
            out.append(p.title())
        else:
            out.append(p.lower())
    if not out[0].isalpha() or not 2 <= len(out[0]) <= 3:
        raise TranslationError(f"{tag!r} is not a language tag; give a BCP-47 tag such as 'en' or 'pt-BR'")
    return "-".join(out)


def primary(tag: str) -> str:
    return normalize(tag).split("-")[0]


def resolve(tag: str, supported: Iterable[str]) -> str | None:
    """The supported tag that serves `tag`: exact match, then same primary language
    (`pt` -> `pt-BR`, `pt-PT` -> `pt-BR` only if nothing closer), else None."""
    want = normalize(tag)
    supported = [normalize(s) for s in supported]
    if want in supported:
        return want
    same = [s for s in supported if primary(s) == primary(want)]
    if not same:
        return None
    if "-" not in want:
        # a bare tag prefers the bare form, then the model's documented default region
        if DEFAULT_REGION.get(want) in same:
            return DEFAULT_REGION[want]
        return sorted(same)[0]
    if primary(want) in same:
        return primary(want)
    return sorted(same)[0]


def same_language(a: str, b: str) -> bool:
    return primary(a) == primary(b)
