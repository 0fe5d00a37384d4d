"""Step numbers heard right: how often does Whisper base hear "Step one: ..." as "step one" when the
English default voice (Piper) reads a numbered SOP, per way of writing the step marker?

Piper's VITS draws noise for its prosody, so the same text sounds a little different on every
synthesis; each variant is synthesized --runs times (the noise moves on between calls), and every
step marker in the transcript is checked: "step" followed by the right number word. The variant
tts/normalize.py writes is the one with the most markers heard right.

    .venv/bin/python bench/bench_step_numbers.py              # 12 runs per variant
    .venv/bin/python bench/bench_step_numbers.py --runs 20 --voice kokoro:jf_nezumi
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import tts  # noqa: E402
from bench_tts import transcribe, whisper_model  # noqa: E402

STEPS = ("Switch off the machine.", "Remove the filling nozzle.", "Rinse it with warm water.",
         "Fit the nozzle back in place.")
NUMBERS = ("one", "two", "three", "four")
VARIANTS = {  # the marker before each step's text
    "colon": "Step {n}: {text}",
    "period": "Step {n}. {text}",
    "comma": "Step {n}, {text}",
    "number": "Step number {n}: {text}",
}


def heard_steps(transcript: str) -> int:
    """How many of the step markers the transcript has as "step <number word>" (or digit)."""
    said = re.findall(r"[a-z0-9]+", transcript.lower())
    pairs = {(a, b) for a, b in zip(said, said[1:])} | {(a, c) for a, b, c in zip(said, said[1:], said[2:])
                                                         if b == "number"}
    return sum(("step", word) in pairs or ("step", str(i + 1)) in pairs for i, word in enumerate(NUMBERS))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=12)
    parser.add_argument("--voice", default=None, help="voice id (default: the English default)")
    parser.add_argument("--variants", nargs="*", default=list(VARIANTS))
    args = parser.parse_args()
    t0 = time.perf_counter()
    synth, model = tts.Synthesizer(), whisper_model()
    totals = {}
    for run in range(args.runs):
        for name in args.variants:  # interleaved, so each variant meets the noise of every run
            lines = [VARIANTS[name].format(n=n, text=t) for n, t in zip(NUMBERS, STEPS)]
            speech = synth.synthesize(lines, "en", voice=args.voice)
            text, _ = transcribe(model, speech.audio, speech.sample_rate, "en")
            got = heard_steps(text)
            totals.setdefault(name, []).append(got)
            print(f"# run {run + 1} {name}: {got}/{len(STEPS)} {text.strip()!r}", file=sys.stderr, flush=True)
    print("| marker | step markers heard right | runs with every marker right |")
    print("| --- | --- | --- |")
    for name, got in totals.items():
        print(f"| {VARIANTS[name].format(n='one', text='...')} | {sum(got)}/{len(got) * len(STEPS)} | "
              f"{sum(g == len(STEPS) for g in got)}/{len(got)} |")
    print(f"({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
