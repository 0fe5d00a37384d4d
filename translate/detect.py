"""Language identification for short texts: writing system first, then common function words.
Good enough to tell the languages polydub handles apart and to flag mixed-language input;
it is not a general identifier."""

from __future__ import annotations

import re
import unicodedata

_STOPWORDS = {
    "en": "the and of to is in it that you for with on are be this your as at by or from not "
          "before after must will can all when if then into out up".split(),
    "pt": "o a os as de do da dos das e é em no na nos nas um uma que para com não por se ao sempre "
          "antes depois seu sua você deve são pelo pela mais".split(),
    "es": "el la los las de del y es en un una que para con no por se al antes después su "
          "usted debe son más lo".split(),
    "de": "der die das und ist in den dem nicht mit zu ein eine für auf sie es von vor nach "
          "bitte muss sind wird ihr".split(),
    "fr": "le la les de des du et est en un une que pour avec ne pas par se au avant après "
          "vous votre doit sont il elle".split(),
    "it": "il lo la gli le di del della e è in un una che per con non si al prima dopo il "
          "suo deve sono".split(),
    "nl": "de het een en van is in op te dat niet met voor zijn je u na moet".split(),
}
_LETTERS = (("ãõç", "pt"), ("ñ¿¡", "es"), ("äöüß", "de"), ("èêëàùœ", "fr"))
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def _script_language(text: str) -> str | None:
    counts: dict[str, int] = {}
    for ch in text:
        if not ch.isalpha():
            continue
        name = unicodedata.name(ch, "")
        if "HIRAGANA" in name or "KATAKANA" in name:
            key = "ja"
        elif "CJK" in name:
            key = "zh"
        elif "HANGUL" in name:
            key = "ko"
        elif "CYRILLIC" in name:
            key = "ru"
        elif "ARABIC" in name:
            key = "ar"
        elif "GREEK" in name:
            key = "el"
        elif "HEBREW" in name:
            key = "he"
        elif "DEVANAGARI" in name:
            key = "hi"
        elif "THAI" in name:
            key = "th"
        else:
            key = "latin"
        counts[key] = counts.get(key, 0) + 1
    if not counts:
        return None
    if counts.get("ja"):
        return "ja"  # kana anywhere means Japanese, even if kanji outnumber it
    best = max(counts, key=counts.get)
    return None if best == "latin" else best


def detect_language(text: str, default: str = "en") -> str:
    """The most likely primary language tag of `text` (`default` when there is no evidence)."""
    by_script = _script_language(text)
    if by_script:
        return by_script
    words = [w.lower() for w in _WORD.findall(text)]
    if not words:
        return default
    scores = {lang: 0.0 for lang in _STOPWORDS}
    for lang, stop in _STOPWORDS.items():
        sset = set(stop)
        scores[lang] = sum(1 for w in words if w in sset)
    # letters that only some languages use break ties
    lowered = text.lower()
    for chars, lang in _LETTERS:
        scores[lang] += 0.5 * sum(lowered.count(c) for c in chars)
    best = max(scores, key=scores.get)
    if scores[best] == 0:
        return default
    return best


def guess_language(text: str, min_words: int = 5) -> str | None:
    """Like `detect_language`, but None unless the evidence is clear (enough words, a clear
    winner): used per sentence to flag mixed-language scripts without false alarms."""
    by_script = _script_language(text)
    if by_script:
        return by_script
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < min_words:
        return None
    scores = {lang: float(sum(1 for w in words if w in set(stop))) for lang, stop in _STOPWORDS.items()}
    lowered = text.lower()
    for chars, lang in _LETTERS:  # letters only some languages use separate close relatives (pt/es)
        scores[lang] += sum(lowered.count(c) for c in chars)
    ranked = sorted(((score, lang) for lang, score in scores.items()), reverse=True)
    (best, lang), (second, _) = ranked[0], ranked[1]
    if best >= 2 and (best >= 1.5 * second or best - second >= 2):
        return lang
    return None
