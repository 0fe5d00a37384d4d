"""How long a segment must be before its language can be told: identification accuracy
against length on the Latin-script sentences of tests/helpers/sentences.py (the
languages where it is hard), cut to their first 1, 2, 3... words, among the languages
polydub identifies. Also load time and memory of the identifiers.

    PYTHONPATH=$PWD python bench/bench_langid.py                 # py3langid (what polydub uses)
    PYTHONPATH=$PWD:/path/to/lingua python bench/bench_langid.py --lingua   # for comparison

Prints, per bucket of letters, how many prefixes were identified right, wrong, or left
unidentified at the confidence floor, and the same for headings, names and codes that must
never be identified (tests/helpers/sentences.py NOT_LANGUAGE).
"""

from __future__ import annotations

import argparse
import resource
import time
from collections import defaultdict

from tests.helpers.sentences import LATIN, NOT_LANGUAGE
from translate.languages import IDENTIFIED


def _rss_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    return 0.0


def _py3langid():
    from translate.detect import Identifier

    identifier = Identifier()
    return lambda text: identifier.rank(text)[0]


def _lingua():
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    langs = [Language.from_iso_code_639_1(getattr(IsoCode639_1, tag.upper())) for tag in IDENTIFIED]
    detector = LanguageDetectorBuilder.from_languages(*langs).with_preloaded_language_models().build()

    def best(text):
        values = detector.compute_language_confidence_values(text)
        top = values[0]
        return top.language.iso_code_639_1.name.lower(), top.value
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lingua", action="store_true", help="measure lingua-language-detector instead")
    parser.add_argument("--floor", type=float, default=0.0, help="confidence below which nothing is said")
    args = parser.parse_args()
    before, start = _rss_mib(), time.perf_counter()
    best = _lingua() if args.lingua else _py3langid()
    best("load the model")
    print(f"{'lingua' if args.lingua else 'py3langid'}: load {time.perf_counter() - start:.2f} s, "
          f"+{_rss_mib() - before:.0f} MiB resident (peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB)")
    buckets: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])  # right, wrong, none
    for lang, sentences in LATIN.items():
        for sentence in sentences:
            words = sentence.rstrip(".").split()
            for k in range(1, len(words) + 1):
                prefix = " ".join(words[:k])
                letters = sum(ch.isalpha() for ch in prefix)
                tag, confidence = best(prefix)
                bucket = buckets[min(letters // 5 * 5, 60)]
                bucket[2 if confidence < args.floor else 0 if tag == lang else 1] += 1
    print("letters  right  wrong  none  accuracy")
    for low in sorted(buckets):
        right, wrong, none = buckets[low]
        print(f"{low:>3}-{low + 4:<3} {right:>6} {wrong:>6} {none:>5}  {right / (right + wrong + none):.3f}")
    print("not a language (heading, name, code): what it would be taken for")
    for text in NOT_LANGUAGE:
        tag, confidence = best(text)
        print(f"  {text!r:28} {sum(ch.isalpha() for ch in text):>3} letters  {tag} {confidence:.2f}")


if __name__ == "__main__":
    main()
