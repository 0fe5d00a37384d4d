"""Language identification of scripts and of their segments.

Writing systems that only one of polydub's languages uses (Arabic, Hangul, kana, Cyrillic...)
decide by themselves. Latin-script text goes to py3langid (langid.py's naive Bayes model over
byte n-grams, shipped in the package: nothing is downloaded), restricted to the languages
polydub knows (`translate.languages.IDENTIFIED`), and only when it has at least
`MIN_LETTERS` letters: shorter segments (headings, names, codes) are not judged at all.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from translate.languages import IDENTIFIED

log = logging.getLogger(__name__)

# Measured with bench/bench_langid.py on tests/helpers/sentences.py (12 sentences in each of
# 10 Latin-script languages, cut after each word: 1,110 prefixes). Among prefixes of 20 letters
# or more, at a 0.5 confidence floor, 731 of 735 were named right, none wrong and 4 left
# undecided; below 20 letters 4 of 375 were named wrong and 106 undecided, and every heading,
# name and code of NOT_LANGUAGE is shorter than 20 letters. README "Mixed-language scripts".
MIN_LETTERS = 20
# A Latin-script segment is only called a language when the model is this sure (normalised
# probability among IDENTIFIED); below it the segment stays in the document's language.
MIN_CONFIDENCE = 0.5

# Unicode character-name prefixes of writing systems that identify a language on their own
# among IDENTIFIED; "CJK" (Han) is Chinese unless kana appear (Japanese writes kanji too).
_SCRIPTS = (("HIRAGANA", "ja"), ("KATAKANA", "ja"), ("CJK", "zh"), ("HANGUL", "ko"), ("CYRILLIC", "ru"),
            ("ARABIC", "ar"), ("GREEK", "el"), ("HEBREW", "he"), ("DEVANAGARI", "hi"), ("THAI", "th"))


@dataclass(frozen=True)
class Identification:
    """What a text was identified as: a primary language subtag, the evidence ("script" or
    "model"), the model's normalised probability (1.0 for a script) and the letters counted."""
    language: str
    evidence: str
    confidence: float
    letters: int


class Identifier:
    """py3langid's model restricted to `languages` (ISO 639-1). Loading takes ~0.7 s and
    ~100 MiB resident (bench/bench_langid.py); build one per process (see `identifier()`)."""

    def __init__(self, languages: tuple[str, ...] = IDENTIFIED):
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        self._model = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        self._model.set_languages(list(languages))

    def rank(self, text: str) -> list[tuple[str, float]]:
        """(language, probability) for every language, most likely first; probabilities sum to 1."""
        return [(tag, float(p)) for tag, p in self._model.rank(text)]


@lru_cache(maxsize=1)
def identifier() -> Identifier:
    """The process's identifier, loaded on first use (read-only once built)."""
    log.debug("loading the py3langid language identification model")
    return Identifier()


@lru_cache(maxsize=8192)
def _script_of(ch: str) -> str | None:
    """The language a letter's writing system names (None: Latin or another shared one)."""
    if ch < "\u0250":
        return None  # Basic Latin to Latin Extended-B
    name = unicodedata.name(ch, "")
    return next((lang for prefix, lang in _SCRIPTS if name.startswith(prefix)), None)


def _script_counts(text: str) -> tuple[dict[str, int], int]:
    counts: dict[str, int] = {}
    latin = 0
    for ch in text:
        if not ch.isalpha():
            continue
        key = _script_of(ch)
        if key is None:
            latin += 1
        else:
            counts[key] = counts.get(key, 0) + 1
    return counts, latin


def script_language(text: str) -> str | None:
    """The language `text`'s writing system names when most of its letters are in a writing
    system only one of polydub's languages uses (kana anywhere makes Han Japanese); None for
    Latin or mixed text. Cheap: no model."""
    counts, latin = _script_counts(text)
    if sum(counts.values()) <= latin:
        return None
    return "ja" if counts.get("ja") else max(counts, key=counts.get)


def in_context(found: str, document: str) -> str:
    """An identified language as read inside a document in `document` (primary tags): a line
    of Han alone is Chinese by its writing system, but Japanese in a Japanese document
    (Japanese writes kanji: "安全第一" is a Japanese heading). Else `found`."""
    if found == "zh" and document.split("-")[0].lower() == "ja":
        return "ja"
    return found


def identify(text: str, *, min_letters: int = MIN_LETTERS,
             min_confidence: float = MIN_CONFIDENCE) -> Identification | None:
    """The language of `text`, or None when it is too short or unclear to judge.

    Mostly letters of a single-language writing system: that language (kana anywhere
    makes Han Japanese). Mostly Latin letters: py3langid among IDENTIFIED when the text has at
    least `min_letters` letters and the best language has at least `min_confidence`."""
    counts, latin = _script_counts(text)
    own = sum(counts.values())
    by_script = script_language(text)
    if by_script is not None:
        return Identification(by_script, "script", 1.0, own + latin)
    if latin < min_letters:
        return None
    tag, probability = identifier().rank(text)[0]
    if probability < min_confidence:
        return None
    return Identification(tag, "model", probability, latin + own)


def detect_language(text: str, default: str = "en") -> str:
    """The most likely primary language tag of a whole script: each line is identified
    (`identify`) and the language with the most letters in identified lines wins; the whole
    text is tried when no line can be judged alone, then `default` (a script of a few
    words: "Open it." scores en 0.27, nl 0.26). Voting by lines keeps the two-byte letters
    of a Cyrillic or Greek line from outweighing a longer English part in the model."""
    votes: dict[str, int] = {}
    for line in text.splitlines():
        found = identify(line)
        if found is not None:
            votes[found.language] = votes.get(found.language, 0) + found.letters
    if votes:
        return max(votes, key=votes.get)
    found = identify(text)
    return found.language if found is not None else default


def guess_language(text: str, min_words: int = 5) -> str | None:
    """Like `detect_language`, but None unless the evidence is clear (`identify`'s length and
    confidence floors, and at least `min_words` words for Latin-script text): used to check
    translation output without false alarms."""
    found = identify(text)
    if found is None:
        return None
    if found.evidence == "model" and len(text.split()) < min_words:
        return None
    return found.language
