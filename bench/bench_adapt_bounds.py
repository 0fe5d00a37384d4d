"""Adaptation bounds per language: how far can a voice be moved toward a presenter before Whisper
hears it worse?

For each language, the voices a presenter can get there (the default and the intelligible woman's
voice with the lowest measured WER) speak bench_tts.py's SOP text; each bound (pitch semitones,
formant ratio, rate change) is applied at both of its corners (down: pitch lowered, formants
lowered, pitch range narrowed, slower; up: the opposite), as a presenter far below or far above
the voice would get it. A bound passes when every corner of every voice keeps Whisper base's word
error rate within 0.05 of the unadapted voice's; the first passing bound (largest first) is the
one `tts.adapt.LANGUAGE_BOUNDS` records. Bounds after a passing one are not measured.

    .venv/bin/python bench/bench_adapt_bounds.py                       # pt es it de en
    .venv/bin/python bench/bench_adapt_bounds.py --langs pt --voices kokoro:jf_gongitsune --from-bound 1
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import tts  # noqa: E402
from bench_tts import SOP, transcribe, whisper_model, wer, words  # noqa: E402
from tts.adapt import Adaptation, change_gender  # noqa: E402
from tts.voices import MEASURED_WER, intelligible_voices, voice_register  # noqa: E402

# (pitch semitones, formant ratio, rate change), largest first.
BOUNDS = ((4.0, 1.03, 0.05), (4.0, 1.0, 0.05), (2.0, 1.0, 0.05), (2.0, 1.0, 0.0), (1.0, 1.0, 0.0))
WER_BOUND = 0.05


def voices_for(lang: str, catalog) -> list[str]:
    default = catalog.default_voice(lang).id
    women = sorted((w if w is not None else 1.0, v.id) for v, w in intelligible_voices(lang, catalog)
                   if voice_register(v) == "female" and v.id != default)
    return [default, *([women[0][1]] if women else [])]


def corners(bound: tuple[float, float, float], f0: float) -> dict[str, Adaptation]:
    st, formant, rate = bound
    return {"down": Adaptation(f0, f0 * 2 ** (-st / 12), -st, 1 / formant, 0.8, 1 + rate),
            "up": Adaptation(f0, f0 * 2 ** (st / 12), st, formant, 1.25, 1 - rate)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--langs", nargs="*", default=["pt", "es", "it", "de", "en"])
    parser.add_argument("--voices", nargs="*", help="voice ids instead of each language's default and woman")
    parser.add_argument("--from-bound", type=int, default=0, help="start at this index of BOUNDS (0: the widest)")
    args = parser.parse_args()
    t0 = time.perf_counter()
    synth, catalog, model = tts.Synthesizer(), tts.VoiceCatalog(), whisper_model()

    def score(audio, rate, lang: str) -> float:
        heard, _ = transcribe(model, audio, rate, lang)
        return wer(words(" ".join(SOP[lang]), lang), words(heard, lang))

    chosen: dict[str, str] = {}
    for lang in args.langs:
        dubs = {}
        for voice in args.voices or voices_for(lang, catalog):
            speech = synth.synthesize(SOP[lang], lang, voice=voice)
            f0 = tts.voice_profile(speech.audio, speech.sample_rate, embed=False).f0_median_hz
            dubs[voice] = (speech, f0, score(speech.audio, speech.sample_rate, lang))
            print(f"# {lang} {voice}: median F0 {f0:.0f} Hz, WER {dubs[voice][2]:.3f} "
                  f"(table: {MEASURED_WER.get((lang, voice))})", file=sys.stderr, flush=True)
        for bound in BOUNDS[args.from_bound:]:
            worst = 0.0
            for voice, (speech, f0, base_wer) in dubs.items():
                for corner, plan in corners(bound, f0).items():
                    audio = change_gender(speech.audio, speech.sample_rate, plan)
                    got = score(audio, speech.sample_rate, lang)
                    worst = max(worst, got - base_wer)
                    print(f"| {lang} | {voice} | {bound[0]:.0f} st, formant {bound[1]:.2f}, rate {bound[2]:.2f} | "
                          f"{corner} | {base_wer:.3f} | {got:.3f} | {got - base_wer:+.3f} |", flush=True)
            if worst <= WER_BOUND + 1e-9:
                chosen[lang] = f"{bound[0]:.0f} st, formant {bound[1]:.2f}, rate {bound[2]:.2f} (worst {worst:+.3f})"
                break
        else:
            chosen[lang] = "none: not adapted"
        print(f"# {lang}: bound {chosen[lang]}", file=sys.stderr, flush=True)
    print("\nbound per language: " + "; ".join(f"{k} {v}" for k, v in chosen.items()))
    print(f"({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
