"""Timing of recorded narration: how close `tts.align` puts each phone to where it is spoken.

Synthesised speech has a known phone timeline (the engine's own), so it serves as the recording:
Whisper base hears it, `tts.align` turns its timed words into phones, and each phone start is
compared with the engine's (phones matched in order). Printed per language: the mean absolute
error and the mean signed error (negative = early), with the warp onto espeak-ng's reading and
without it (each word's phones spread over Whisper's span by espeak's durations), and the time
`tts.align` takes on about a minute of speech.

The given-words path (`tts.forced.align_text`: the transcript aligned on the recording, no
recogniser) is measured on the same speech, with its match measures for the right text, half
of it and another text (what `MAX_MISMATCH` and the speech-ratio limits are set from), and
its time on about a minute of speech (best of three; espeak-ng's reading included), and how
far its timeline moves on degraded copies (reverberation, babble, lossy codecs, telephone
band, leading and trailing silence, a music bed), all made here in code.

    .venv/bin/python bench/bench_align.py [--timing]
"""

from __future__ import annotations

import difflib
import io
import sys
import time
from math import gcd
from pathlib import Path
from unittest import mock

import av
import numpy as np
from scipy.signal import butter, fftconvolve, resample_poly, sosfilt

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import translate  # noqa: E402
import tts  # noqa: E402
from pipeline.models import ModelStore  # noqa: E402
from tts.forced import MAX_MISMATCH, align_text  # noqa: E402

#: The quality tests' narrations first; then sentences no setting was tuned on (held out).
TEXT = {
    "en": ["Clean the filling nozzle at the end of every shift.",
           "Wear gloves and safety glasses before you start."],
    "pt": ["Limpe o bico de enchimento no fim de cada turno.",
           "Use luvas e óculos de proteção antes de começar."],
}
HELD_OUT = {
    "en": ["Check the pressure gauge before you open the main valve.",
           "Report any damaged equipment to your supervisor, then lock the cabinet."],
    "pt": ["Verifique o manômetro antes de abrir a válvula principal.",
           "Comunique qualquer equipamento danificado ao supervisor e tranque o armário."],
    "es": ["Compruebe el manómetro antes de abrir la válvula principal.",
           "Informe de cualquier equipo dañado a su supervisor y cierre el armario."],
    "de": ["Prüfen Sie das Manometer, bevor Sie das Hauptventil öffnen.",
           "Melden Sie beschädigte Geräte Ihrem Vorgesetzten und schließen Sie den Schrank ab."],
}
ALIGN_MODULE = sys.modules["tts.align"]


def start_errors(truth, test) -> np.ndarray:
    """Start of each phone of `test` minus the start of the same phone in `truth` (seconds)."""
    matcher = difflib.SequenceMatcher(a=[p for _, _, p in truth], b=[p for _, _, p in test], autojunk=False)
    return np.array([test[b + k][0] - truth[a + k][0] for a, b, n in matcher.get_matching_blocks() for k in range(n)])


def sentence_errors(truth, test) -> np.ndarray:
    """`start_errors` sentence by sentence (long repeated texts defeat one global matching)."""
    out = []
    for (s0, e0, _), (s1, e1, _) in zip(truth.sentences, test.sentences):
        out.append(start_errors([p for p in truth.phonemes if s0 - 0.01 <= p[0] < e0],
                                [p for p in test.phonemes if s1 - 0.01 <= p[0] < e1]))
    return np.concatenate(out)


def match_measures(audio, rate, text, other, language) -> str:
    """Worst-window distance / speech ratio for the right text, its first half and another text."""
    cells = []
    for name, words in (("right", text), ("half", text[:max(1, len(text) // 2)]), ("other", other)):
        found = align_text(audio, rate, words, language, max_mismatch=None)
        cells.append(f"{name} {found.mismatch:.2f}/{found.speech_ratio:.2f}")
    return ", ".join(cells)


def without_warp():
    return mock.patch.object(ALIGN_MODULE, "_warp_phones", lambda *args: [None] * len(args[4]))


def main() -> None:
    hear = translate.Transcriber(ModelStore().path("whisper-base"))
    synth = tts.Synthesizer()
    for (language, text), set_name in [*((item, "tests") for item in TEXT.items()),
                                       *((item, "held out") for item in HELD_OUT.items())]:
        speech = synth.synthesize(text, language)
        words = hear.transcribe(speech.audio, speech.sample_rate, language=language).words
        warped = start_errors(speech.phonemes, tts.align(speech.audio, speech.sample_rate, words, language))
        with without_warp():
            spread = start_errors(speech.phonemes, tts.align(speech.audio, speech.sample_rate, words, language))
        given = start_errors(speech.phonemes, align_text(speech.audio, speech.sample_rate, text, language).phonemes)
        print(f"{language:2s} {set_name:8s} ({speech.voice}): phone starts, mean |error| / mean error: with the warp "
              f"{np.abs(warped).mean() * 1000:.0f} / {warped.mean() * 1000:+.0f} ms ({len(warped)} phones), "
              f"spread over Whisper's words {np.abs(spread).mean() * 1000:.0f} / {spread.mean() * 1000:+.0f} ms, "
              f"given words (no recogniser) {np.abs(given).mean() * 1000:.0f} / {given.mean() * 1000:+.0f} ms "
              f"({len(given)} phones)")
        # Another text: same language, other sentences where the bench has them, else Portuguese.
        other = (TEXT if set_name == "held out" else HELD_OUT).get(language) or TEXT["pt"]
        print(f"   match (worst 3 s distance / speech ratio): "
              f"{match_measures(speech.audio, speech.sample_rate, text, other, language)}")
    real_recording(hear)
    degraded(synth)
    long = synth.synthesize(TEXT["en"] * 9, "en")
    words = [(max(s - 0.1, 0.0), max(e - 0.1, s), w) for s, e, w in long.words]  # recogniser-like, early
    started = time.perf_counter()
    tts.align(long.audio, long.sample_rate, words, "en")
    took = time.perf_counter() - started
    with without_warp():
        started = time.perf_counter()
        tts.align(long.audio, long.sample_rate, words, "en")
        plain = time.perf_counter() - started
    print(f"tts.align on {len(long.audio) / long.sample_rate:.0f} s of speech: {took:.2f} s with the warp "
          f"(librosa already loaded), {plain:.2f} s without")
    given_words_timing(long)


def given_words_timing(long) -> None:
    """align_text on about a minute: wall and CPU seconds (this process and espeak-ng's), best of 3."""
    import os
    import resource

    def cpu() -> float:
        me, child = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return me.ru_utime + me.ru_stime + child.ru_utime + child.ru_stime

    times, cpus = [], []
    for _ in range(3):
        started, used = time.perf_counter(), cpu()
        given = align_text(long.audio, long.sample_rate, TEXT["en"] * 9, "en")
        times.append(time.perf_counter() - started)
        cpus.append(cpu() - used)
    errors = sentence_errors(long, given)
    print(f"align_text (given words) on {len(long.audio) / long.sample_rate:.0f} s of speech: best {min(times):.2f} s "
          f"of 3 ({', '.join(f'{t:.2f}' for t in times)}; CPU {min(cpus):.2f} s; load average "
          f"{os.getloadavg()[0]:.1f}); phone starts {np.abs(errors).mean() * 1000:.0f} / "
          f"{errors.mean() * 1000:+.0f} ms ({len(errors)} phones); match {given.mismatch:.2f}/{given.speech_ratio:.2f}")


def real_recording(hear) -> None:
    """The shared English recording: match measures with Whisper's words as the transcript."""
    import os

    import soundfile as sf

    path = Path(os.environ.get("POLYDUB_TEST_MEDIA", Path(__file__).resolve().parent.parent.parent / "shared" / "media"))
    path = path / "narration_en.wav"
    if not path.is_file():
        print(f"(no {path}: the real recording's match measures are skipped)")
        return
    audio, rate = sf.read(str(path), dtype="float32")
    audio = audio.mean(axis=1) if audio.ndim == 2 else audio
    text = hear.transcribe(audio, rate, language="en").text
    half = " ".join(text.split()[:len(text.split()) // 2])
    cells = []
    for name, words in (("right", [text]), ("half", [half]), ("other", HELD_OUT["en"])):
        found = align_text(audio, rate, words, "en", max_mismatch=None)
        cells.append(f"{name} {found.mismatch:.2f}/{found.speech_ratio:.2f}")
    print(f"narration_en.wav (Whisper's words as the transcript): match {', '.join(cells)}")


# --------------------------------------------------------------------------- degraded copies
# Issue 18 item 2 asks that phone starts stay within 30 ms (mean) and 60 ms (95th percentile)
# of the clean copy's on every condition; these figures say how far that is today.


def reverb(x, sr, rt60, seed=0):
    """Synthetic room: exponentially decaying noise of RT60 `rt60` s after the direct sound."""
    rng = np.random.default_rng(seed)
    n = int(rt60 * sr)
    t = np.arange(n) / sr
    h = rng.normal(size=n) * np.exp(-6.9 * t / rt60) * 0.3
    h[0] = 1.0
    y = fftconvolve(x, h)[: len(x)]
    return (y / np.max(np.abs(y)) * np.max(np.abs(x))).astype(np.float32)


def mix(x, noise, snr_db):
    """`noise` (looped to length) added at `snr_db` below the speech's power."""
    noise = np.resize(noise, len(x))
    px, pn = np.mean(x ** 2), np.mean(noise ** 2) + 1e-12
    y = x + noise * np.sqrt(px / pn / 10 ** (snr_db / 10))
    return (y / max(1.0, np.max(np.abs(y)))).astype(np.float32)


def codec(x, sr, name, fmt, bitrate=32000):
    """Through a lossy codec at `bitrate` bit/s and back (PyAV, in memory)."""
    buf = io.BytesIO()
    with av.open(buf, "w", format=fmt) as out:
        st = out.add_stream(name, rate=sr)
        st.bit_rate = bitrate
        st.layout = "mono"
        frame_size = st.codec_context.frame_size or 1152
        for i in range(0, len(x), frame_size):
            chunk = x[i:i + frame_size]
            fr = av.AudioFrame.from_ndarray(chunk.reshape(1, -1).astype(np.float32), format="fltp", layout="mono")
            fr.sample_rate = sr
            for p in st.encode(fr):
                out.mux(p)
        for p in st.encode(None):
            out.mux(p)
    buf.seek(0)
    chunks = []
    with av.open(buf, "r") as inp:
        rs = av.AudioResampler(format="flt", layout="mono", rate=sr)
        for fr in inp.decode(audio=0):
            for r in rs.resample(fr):
                chunks.append(r.to_ndarray().reshape(-1))
    y = np.concatenate(chunks)
    # The encoder's priming samples (AAC: 1024) are left in by this raw decode; a player trims
    # them from the file's edit list, so the copy is lined up with the input again.
    lags = np.arange(0, int(0.2 * sr))
    n = min(len(x), len(y) - len(lags), sr * 5)
    lag = lags[np.argmax([np.dot(x[:n], y[k:k + n]) for k in lags])]
    y = y[lag:]
    return np.concatenate([y, np.zeros(max(0, len(x) - len(y)), np.float32)])[: len(x)]


def telephone(x, sr):
    """8 kHz, 300-3400 Hz band, back at `sr`."""
    g = gcd(sr, 8000)
    y = resample_poly(x, 8000 // g, sr // g)
    y = sosfilt(butter(4, [300, 3400], btype="band", fs=8000, output="sos"), y)
    return resample_poly(y, sr // g, 8000 // g).astype(np.float32)


def music(x, sr, db=-12.0):
    """A bed of decaying chords and a bass pulse, `db` below the speech."""
    t = np.arange(len(x)) / sr
    chords = [(220, 277, 330), (196, 247, 294), (175, 220, 262), (165, 208, 247)]
    y = np.zeros_like(t)
    for k, chord in enumerate(chords * int(t[-1] // 8 + 1)):
        on = (t >= 2 * k) & (t < 2 * k + 2)
        for f in chord:
            y[on] += np.sin(2 * np.pi * f * t[on]) * np.exp(-1.5 * (t[on] - 2 * k))
    y += 0.3 * np.sin(2 * np.pi * 55 * t) * (np.sin(2 * np.pi * 2 * t) > 0)  # a bass pulse
    return mix(x, y, -db)


def degraded(synth) -> None:
    """Given-words timelines of degraded copies against the clean copy's (phones matched in order)."""
    text = HELD_OUT["en"] + TEXT["en"]
    clean = synth.synthesize(text, "en")
    x, sr = clean.audio, clean.sample_rate
    babble = np.zeros(len(x))
    for k, (language, voice) in enumerate((("pt", None), ("es", None), ("de", "espeak:de"))):
        talker = synth.synthesize(HELD_OUT[language], language, voice=voice)
        g = gcd(talker.sample_rate, sr)
        a = np.roll(np.resize(resample_poly(talker.audio, sr // g, talker.sample_rate // g), len(x)), k * sr // 3)
        babble += a / (np.sqrt(np.mean(a ** 2)) + 1e-9)
    ref = align_text(x, sr, text, "en")
    pad = np.zeros(2 * sr, np.float32)
    conditions = {
        "reverb RT60 0.3 s": (reverb(x, sr, 0.3), 0.0), "reverb RT60 0.8 s": (reverb(x, sr, 0.8), 0.0),
        "babble 10 dB SNR": (mix(x, babble, 10), 0.0), "babble 5 dB SNR": (mix(x, babble, 5), 0.0),
        "AAC 32 kbit/s": (codec(x, sr, "aac", "ipod"), 0.0), "MP3 32 kbit/s": (codec(x, sr, "libmp3lame", "mp3"), 0.0),
        "telephone 8 kHz": (telephone(x, sr), 0.0), "2 s silence each side": (np.concatenate([pad, x, pad]), 2.0),
        "music bed -12 dB": (music(x, sr), 0.0),
    }
    print(f"degraded copies of {clean.duration:.0f} s ({clean.voice}), given words; phone starts against the clean copy "
          f"(goal: mean <= 30 ms, 95th percentile <= 60 ms); match = worst 3 s distance / speech ratio "
          f"(refused above {MAX_MISMATCH:.2f})")
    for name, (audio, shift) in conditions.items():
        found = align_text(audio, sr, text, "en", max_mismatch=None)
        errors = np.abs(start_errors(ref.phonemes, found.phonemes) - shift)
        print(f"   {name:22s} mean {errors.mean() * 1000:4.0f} ms, p95 {np.percentile(errors, 95) * 1000:4.0f} ms "
              f"({len(errors)}/{len(ref.phonemes)} phones); match {found.mismatch:.2f}/{found.speech_ratio:.2f}")


if __name__ == "__main__":
    if sys.argv[1:] == ["--timing"]:  # only the minute's timing of the given-words path
        given_words_timing(tts.Synthesizer().synthesize(TEXT["en"] * 9, "en"))
    else:
        main()
