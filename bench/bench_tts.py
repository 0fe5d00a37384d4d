"""Speech benchmark: speed per backend and intelligibility per language and backend.

For every language and every backend that can speak it, synthesise a fixed SOP text, then:
- real-time factor (synthesis seconds / audio seconds, models already loaded), and time to first
  audio (seconds until the first sentence's audio is ready, models loaded; load time beside it);
- intelligibility: transcribe with the bundled Whisper base model (faster-whisper, int8, CPU),
  language forced to the one declared, and score the word error rate against the text (both
  normalised the same way: numbers spelled, case and punctuation dropped); the language Whisper
  detects on its own is printed too (a voice it takes for another language is not usable).
The default voice table (tts/voices.py, DEFAULT_VOICES) follows the WER column.

    .venv/bin/python bench/bench_tts.py                 # all languages
    .venv/bin/python bench/bench_tts.py --langs en pt    # a subset
    .venv/bin/python bench/bench_tts.py --langs pt --backends kokoro-jf_alpha kokoro-jf_nezumi
"""

from __future__ import annotations

import argparse
import re
import sys
import time
import unicodedata
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import tts  # noqa: E402
from tts.espeak import Espeak  # noqa: E402
from tts.languages import espeak_name, resolve  # noqa: E402
from tts.normalize import normalize  # noqa: E402

SOP = {
    "en": ["Clean the filling nozzle at the end of every shift.",
           "Switch off the machine and wait 5 minutes for it to cool.",
           "Remove the nozzle and rinse it with warm water.",
           "Dry the nozzle with a clean cloth and fit it back in place."],
    "pt": ["Limpe o bico de enchimento no final de cada turno.",
           "Desligue a máquina e espere 5 minutos até ela esfriar.",
           "Retire o bico e lave-o com água morna.",
           "Seque o bico com um pano limpo e coloque-o de volta no lugar."],
    "es": ["Limpie la boquilla de llenado al final de cada turno.",
           "Apague la máquina y espere 5 minutos a que se enfríe.",
           "Retire la boquilla y enjuáguela con agua tibia.",
           "Seque la boquilla con un paño limpio y vuelva a colocarla."],
    "it": ["Pulire l'ugello di riempimento alla fine di ogni turno.",
           "Spegnere la macchina e attendere 5 minuti che si raffreddi.",
           "Rimuovere l'ugello e sciacquarlo con acqua tiepida.",
           "Asciugare l'ugello con un panno pulito e rimetterlo al suo posto."],
    "fr": ["Nettoyez la buse de remplissage à la fin de chaque équipe.",
           "Éteignez la machine et attendez 5 minutes qu'elle refroidisse.",
           "Retirez la buse et rincez-la à l'eau tiède.",
           "Séchez la buse avec un chiffon propre et remettez-la en place."],
    "de": ["Reinigen Sie die Fülldüse am Ende jeder Schicht.",
           "Schalten Sie die Maschine aus und warten Sie 5 Minuten, bis sie abgekühlt ist.",
           "Nehmen Sie die Düse ab und spülen Sie sie mit warmem Wasser.",
           "Trocknen Sie die Düse mit einem sauberen Tuch und setzen Sie sie wieder ein."],
    "ja": ["シフトの終わりに充填ノズルを掃除してください。",
           "機械を止めて、冷えるまで5分待ってください。",
           "ノズルを外して、ぬるま湯で洗ってください。"],
}
# Scored by characters instead of words (no spaces between words).
CHARACTER_SCORED = {"ja"}

VOICES = {  # name in the table → voice id used for the languages it can read
    "piper": "piper:en_US-joe-medium",
    "kokoro-jm_kumo": "kokoro:jm_kumo",
    "kokoro-jf_alpha": "kokoro:jf_alpha",
    # Kokoro's other women's voices: candidates for a woman presenter (tts/voices.py, REGISTERS)
    "kokoro-jf_nezumi": "kokoro:jf_nezumi",
    "kokoro-jf_gongitsune": "kokoro:jf_gongitsune",
    "kokoro-jf_tebukuro": "kokoro:jf_tebukuro",
    "espeak": None,  # espeak-ng's own voice for the language
}
PIPER_LANGS = {"en"}


def words(text: str, language: str) -> list[str]:
    if language in CHARACTER_SCORED:
        return [c for c in unicodedata.normalize("NFKC", text) if c.isalnum()]
    text = normalize(text, language).lower()
    text = unicodedata.normalize("NFC", text)
    return re.findall(r"[^\W_]+", text.replace("'", " ").replace("’", " ").replace("-", " "))


def wer(reference: list[str], hypothesis: list[str]) -> float:
    d = np.arange(len(hypothesis) + 1)
    for i, r in enumerate(reference, 1):
        prev, d[0] = d.copy(), i
        for j, h in enumerate(hypothesis, 1):
            d[j] = min(prev[j] + 1, d[j - 1] + 1, prev[j - 1] + (r != h))
    return float(d[-1]) / max(len(reference), 1)


def whisper_model():
    from faster_whisper import WhisperModel

    from pipeline.models import ModelStore

    return WhisperModel(str(ModelStore().path("whisper-base")), device="cpu", compute_type="int8", cpu_threads=2)


def transcribe(model, audio: np.ndarray, sample_rate: int, language: str | None):
    import librosa

    audio16 = librosa.resample(audio, orig_sr=sample_rate, target_sr=16000) if sample_rate != 16000 else audio
    segments, info = model.transcribe(audio16.astype(np.float32), language=language, beam_size=5,
                                      vad_filter=False, condition_on_previous_text=False)
    return " ".join(s.text for s in segments), info


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--langs", nargs="*", default=list(SOP))
    parser.add_argument("--backends", nargs="*", default=list(VOICES))
    parser.add_argument("--no-wer", action="store_true", help="speed only")
    args = parser.parse_args()

    synth = tts.Synthesizer()
    model = None if args.no_wer else whisper_model()
    rows = []
    loaded: set[str] = set()
    for lang in args.langs:
        for backend in args.backends:
            if backend == "piper" and lang not in PIPER_LANGS:
                continue
            if backend == "espeak" and lang == "ja":
                continue  # espeak-ng reads kana only; the SOP has kanji
            voice = VOICES[backend] or f"espeak:{espeak_name(resolve(lang), Espeak.shared().voices())}"
            sentences = SOP[lang]
            load_s = 0.0
            if backend.split("-")[0] not in loaded:  # first use loads the model: timed apart
                t = time.perf_counter()
                synth.synthesize(["Ok."], lang, voice=voice)
                load_s = time.perf_counter() - t
                loaded.add(backend.split("-")[0])
            t = time.perf_counter()
            synth.synthesize(sentences[:1], lang, voice=voice)
            first_s = time.perf_counter() - t
            t = time.perf_counter()
            speech = synth.synthesize(sentences, lang, voice=voice)
            synth_s = time.perf_counter() - t
            row = dict(lang=lang, backend=backend, voice=speech.voice, audio_s=speech.duration,
                       rtf=synth_s / speech.duration, first_s=first_s, load_s=load_s)
            if model is not None:
                hyp, info = transcribe(model, speech.audio, speech.sample_rate, lang.split("-")[0])
                _, detected = transcribe(model, speech.audio[: 30 * speech.sample_rate], speech.sample_rate, None)
                row.update(wer=wer(words(" ".join(sentences), lang), words(hyp, lang)),
                           detected=f"{detected.language} {detected.language_probability:.2f}", heard=hyp.strip())
            rows.append(row)
            print(f"# {lang} {backend}: {row}", file=sys.stderr, flush=True)

    print("| language | backend | voice | WER (ja: CER) | Whisper detects | RTF | first audio s | load s | audio s |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['lang']} | {r['backend']} | {r['voice']} | {r.get('wer', float('nan')):.2f} | "
              f"{r.get('detected', '-')} | {r['rtf']:.3f} | {r['first_s']:.2f} | {r['load_s']:.1f} | {r['audio_s']:.1f} |")
    if model is not None:
        print()
        print("Default voice per language (lowest WER):")
        for lang in args.langs:
            cands = [r for r in rows if r["lang"] == lang]
            if cands:
                best = min(cands, key=lambda r: r["wer"])
                print(f"  {lang}: {best['voice']} (WER {best['wer']:.2f}); tts.default_voice: {tts.default_voice(lang)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
