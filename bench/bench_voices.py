"""Voice per presenter benchmark: does each presenter get a voice of their register, and how close
to their own voice is the dub (default voice vs chosen voice vs chosen + adapted)?

For every presenter (the shared footage, when present, and test-made ones: a woman's and a man's
synthetic voice that are not candidates in every language) and language:
- the presenter's profile (tts.voice_profile: median F0, register);
- the voice tts.choose_voice picks (candidate voices profiled once, cached in --cache);
- speaker similarity (Resemblyzer cosine) between the presenter's own speech and the dub of a fixed
  SOP text, for the language's default voice, the chosen voice and the chosen voice adapted
  (tts.adapt_speech);
- the word error rate of each dub (Whisper base, as bench/bench_tts.py), and whether adapting kept
  it within 0.05 of the chosen voice's.

    .venv/bin/python bench/bench_voices.py                  # en and pt, every presenter
    .venv/bin/python bench/bench_voices.py --langs en --presenters c made_female
    .venv/bin/python bench/bench_voices.py --langs it --adapt-all   # adapt where it is off by default
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import tts  # noqa: E402
from bench_tts import SOP, transcribe, whisper_model, wer, words  # noqa: E402
from tts.profile import cosine, to_analysis_rate  # noqa: E402

# Test-made presenters: (voice, language, text). jf_tebukuro (F0 ~330 Hz) is a candidate in English
# only; espeak-ng's English voice is a man's voice that is never a candidate.
MADE = {
    "made_female": ("kokoro:jf_tebukuro", "en", SOP["en"][2:]),
    "made_male": ("espeak:en-us", "en", SOP["en"][2:]),
}
WER_BOUND = 0.05


def presenters(names: list[str], media: Path | None, synth) -> dict[str, tuple[np.ndarray, int]]:
    from lipsync.media import read_audio

    out = {}
    for name in names:
        if name in MADE:
            voice, lang, text = MADE[name]
            speech = synth.synthesize(list(text), lang, voice=voice)
            out[name] = (speech.audio, speech.sample_rate)
        elif media is not None and (media / f"presenter_{name}.mp4").exists():
            out[name] = read_audio(media / f"presenter_{name}.mp4")
        else:
            print(f"# presenter {name}: no footage (set $POLYDUB_TEST_MEDIA); skipped", file=sys.stderr)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--langs", nargs="*", default=["en", "pt"])
    parser.add_argument("--presenters", nargs="*", default=["a", "b", "c", *MADE])
    parser.add_argument("--cache", type=Path, default=Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
                        / "polydub" / "voice-samples", help="where candidate voices' profiles are kept")
    parser.add_argument("--adapt-all", action="store_true",
                        help="adapt in every language with the widest bound, not each language's measured one")
    args = parser.parse_args()
    # None: each language's measured bound (tts.adapt.LANGUAGE_BOUNDS), as jobs adapt
    options = tts.AdaptOptions() if args.adapt_all else None
    env = os.environ.get("POLYDUB_TEST_MEDIA")
    media = Path(env) if env else Path(__file__).resolve().parent.parent.parent / "shared" / "media"
    media = media if media.is_dir() else None

    t0 = time.perf_counter()
    synth = tts.Synthesizer()
    encoder = tts.SpeakerEncoder()
    catalog = tts.VoiceCatalog()
    from pipeline.voicing_samples import SampleFiles

    samples = tts.VoiceSamples(synth, encoder, SampleFiles(args.cache) if args.cache else None)
    model = whisper_model()
    dubs: dict[tuple[str, str], tuple[tts.Speech, float]] = {}

    def dub(voice: str, lang: str):
        """The SOP (4 sentences, ~40 words: a 2-sentence text moved the WER by 0.25 between runs of
        the same setting) in `voice`, and its WER (made once per voice and language)."""
        if (voice, lang) not in dubs:
            speech = synth.synthesize(SOP[lang], lang, voice=voice)
            dubs[voice, lang] = (speech, score(speech, lang))
        return dubs[voice, lang]

    def score(speech, lang: str) -> float:
        heard, _ = transcribe(model, speech.audio, speech.sample_rate, lang)
        return wer(words(" ".join(SOP[lang]), lang), words(heard, lang))

    def similarity(speech, profile) -> float:
        return cosine(encoder.embed(to_analysis_rate(speech.audio, speech.sample_rate)), profile.embedding)

    rows = []
    for name, (audio, rate) in presenters(args.presenters, media, synth).items():
        profile = tts.voice_profile(audio, rate, encoder=encoder)
        for lang in args.langs:
            default = catalog.default_voice(lang).id
            choice = tts.choose_voice(profile, lang, catalog, samples=samples)
            base_speech, base_wer = dub(default, lang)
            chosen_speech, chosen_wer = dub(choice.voice, lang)
            adapted, plan = tts.adapt_speech(chosen_speech, profile, encoder=encoder, options=options)
            adapted_wer = score(adapted, lang) if plan is not None and plan.changed else chosen_wer
            rows.append(dict(
                presenter=name, f0=profile.f0_median_hz, register=profile.register, lang=lang, default=default,
                chosen=choice.voice, chosen_register=choice.register,
                match=profile.register == "unknown" or choice.register == profile.register,
                sim_default=similarity(base_speech, profile), sim_chosen=similarity(chosen_speech, profile),
                sim_adapted=similarity(adapted, profile), wer_default=base_wer, wer_chosen=chosen_wer,
                wer_adapted=adapted_wer, shift=plan.pitch_shift_st if plan else 0.0,
                formant=plan.formant_ratio if plan else 1.0, duration=plan.duration_factor if plan else 1.0,
            ))
            print(f"# {rows[-1]}", file=sys.stderr, flush=True)

    print("| presenter | F0 Hz | register | lang | default voice | chosen voice | register ok | "
          "similarity default / chosen / adapted | WER default / chosen / adapted | adaptation (st, formant, duration) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['presenter']} | {r['f0']:.0f} | {r['register']} | {r['lang']} | {r['default']} | "
              f"{r['chosen']} ({r['chosen_register']}) | {'yes' if r['match'] else 'NO'} | "
              f"{r['sim_default']:.3f} / {r['sim_chosen']:.3f} / {r['sim_adapted']:.3f} | "
              f"{r['wer_default']:.2f} / {r['wer_chosen']:.2f} / {r['wer_adapted']:.2f} | "
              f"{r['shift']:+.1f}, {r['formant']:.2f}, {r['duration']:.2f} |")
    if rows:
        def mean(key: str) -> float:
            return float(np.mean([r[key] for r in rows]))

        print(f"\nmean similarity: default {mean('sim_default'):.3f}, chosen {mean('sim_chosen'):.3f}, "
              f"adapted {mean('sim_adapted'):.3f}; register matched {sum(r['match'] for r in rows)}/{len(rows)}; "
              f"adapted WER within {WER_BOUND} of chosen: "
              f"{sum(r['wer_adapted'] <= r['wer_chosen'] + WER_BOUND for r in rows)}/{len(rows)}")
        missing = tts.missing_registers(args.langs, catalog)
        print("languages without an intelligible voice of a register: "
              + (", ".join(f"{k}: {'/'.join(v)}" for k, v in missing.items()) or "none"))
    print(f"({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
