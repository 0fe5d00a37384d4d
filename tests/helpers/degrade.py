"""Degraded copies of clean speech, made in code: what recorded narration goes through.

Each function takes mono float32 samples at `sr` Hz and returns a copy of the same length
(and time base) unless it says otherwise, so a timeline of the copy can be compared with the
clean one's phone by phone. Used by tests/tts/test_forced_robust.py and bench/bench_align.py.
"""

from __future__ import annotations

import io
from math import gcd
from typing import NamedTuple

import av
import numpy as np
from scipy.signal import butter, fftconvolve, resample_poly, sosfilt


def reverb(x: np.ndarray, sr: int, rt60: float, drr_db: float | None = None, seed: int = 0) -> np.ndarray:
    """A synthetic room: the direct sound followed by exponentially decaying Gaussian noise
    whose level falls 60 dB in `rt60` seconds (ln(1000) = 6.9 per RT60 in amplitude: the
    statistical model of late reverberation), at a direct-to-reverberant energy ratio `drr_db`
    (dB). By default the ratio of a microphone 2 m from the talker in a 150 m3 room
    (a classroom): critical distance 0.057 * sqrt(V / RT60) m (Sabine; Kuttruff, Room
    Acoustics), DRR = 20 log10(r_c / 2 m): -3.9 dB at RT60 0.3 s, -8.2 dB at 0.8 s. Peak
    level kept."""
    if drr_db is None:
        drr_db = 20 * np.log10(0.057 * np.sqrt(150.0 / rt60) / 2.0)
    rng = np.random.default_rng(seed)
    t = np.arange(1, int(rt60 * sr)) / sr
    tail = rng.normal(size=len(t)) * np.exp(-6.9 * t / rt60)
    tail *= np.sqrt(10 ** (-drr_db / 10) / np.sum(tail ** 2))
    y = fftconvolve(x, np.concatenate([[1.0], tail]))[: len(x)]
    return (y / np.max(np.abs(y)) * np.max(np.abs(x))).astype(np.float32)


def mix(x: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    """`noise` (looped to length) added with its power `snr_db` below the speech's (power over
    the whole clip); scaled down only if it would clip."""
    noise = np.resize(np.asarray(noise, np.float64), len(x))
    px, pn = np.mean(x.astype(np.float64) ** 2), np.mean(noise ** 2) + 1e-12
    y = x + noise * np.sqrt(px / pn / 10 ** (snr_db / 10))
    return (y / max(1.0, np.max(np.abs(y)))).astype(np.float32)


def babble(talkers: list[tuple[np.ndarray, int]], sr: int, length: int) -> np.ndarray:
    """Several talkers (audio, rate) at equal power, each resampled to `sr`, looped to `length`
    samples and started a third of a second after the one before."""
    out = np.zeros(length)
    for k, (audio, rate) in enumerate(talkers):
        g = gcd(int(rate), int(sr))
        a = np.resize(resample_poly(audio, sr // g, rate // g), length)
        out += np.roll(a, k * sr // 3) / (np.sqrt(np.mean(a ** 2)) + 1e-9)
    return out.astype(np.float32)


def codec(x: np.ndarray, sr: int, name: str, fmt: str, bitrate: int = 32000) -> np.ndarray:
    """Through a lossy codec (`name`: "aac" in "ipod", "libmp3lame" in "mp3") at `bitrate`
    bit/s and back, in memory with PyAV; lined up with the input again (a player trims the
    encoder's priming samples from the edit list; this raw decode leaves them in)."""
    buf = io.BytesIO()
    with av.open(buf, "w", format=fmt) as out:
        stream = out.add_stream(name, rate=sr)
        stream.bit_rate = bitrate
        stream.layout = "mono"
        size = stream.codec_context.frame_size or 1152
        for i in range(0, len(x), size):
            frame = av.AudioFrame.from_ndarray(x[i:i + size].reshape(1, -1).astype(np.float32),
                                               format="fltp", layout="mono")
            frame.sample_rate = sr
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    buf.seek(0)
    chunks = []
    with av.open(buf, "r") as inp:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=sr)
        for frame in inp.decode(audio=0):
            chunks.extend(r.to_ndarray().reshape(-1) for r in resampler.resample(frame))
    y = np.concatenate(chunks)
    lags = np.arange(0, int(0.2 * sr))
    n = min(len(x), len(y) - len(lags), sr * 5)
    lag = lags[np.argmax([np.dot(x[:n], y[k:k + n]) for k in lags])]
    y = y[lag:]
    return np.concatenate([y, np.zeros(max(0, len(x) - len(y)), np.float32)])[: len(x)].astype(np.float32)


def telephone(x: np.ndarray, sr: int) -> np.ndarray:
    """Resampled to 8 kHz, band-passed to 300-3400 Hz (the telephone band, ITU-T G.712),
    back at `sr`."""
    g = gcd(sr, 8000)
    y = resample_poly(x, 8000 // g, sr // g)
    y = sosfilt(butter(4, [300, 3400], btype="band", fs=8000, output="sos"), y)
    return resample_poly(y, sr // g, 8000 // g)[: len(x)].astype(np.float32)


def music_bed(length: int, sr: int) -> np.ndarray:
    """Music-like: decaying three-note chords changing every 2 s and a pulsing 55 Hz bass."""
    t = np.arange(length) / sr
    chords = [(220, 277, 330), (196, 247, 294), (175, 220, 262), (165, 208, 247)]
    y = np.zeros_like(t)
    for k, chord in enumerate(chords * int(t[-1] // 8 + 1)):
        on = (t >= 2 * k) & (t < 2 * k + 2)
        for f in chord:
            y[on] += np.sin(2 * np.pi * f * t[on]) * np.exp(-1.5 * (t[on] - 2 * k))
    y += 0.3 * np.sin(2 * np.pi * 55 * t) * (np.sin(2 * np.pi * 2 * t) > 0)
    return y.astype(np.float32)


def padded(x: np.ndarray, sr: int, seconds: float = 2.0) -> np.ndarray:
    """`seconds` of digital silence before and after (the copy is longer: shift times by it)."""
    pad = np.zeros(int(seconds * sr), np.float32)
    return np.concatenate([pad, x.astype(np.float32), pad])


def conditions(x: np.ndarray, sr: int, talkers: np.ndarray) -> dict[str, tuple[np.ndarray, float]]:
    """Every condition of issue 18 item 2, by name: (degraded copy, seconds its timeline is
    shifted from the clean one's). `talkers`: babble of the same length as `x` (`babble`)."""
    return {
        "reverb RT60 0.3 s": (reverb(x, sr, 0.3), 0.0),
        "reverb RT60 0.8 s": (reverb(x, sr, 0.8), 0.0),
        "babble 10 dB SNR": (mix(x, talkers, 10), 0.0),
        "babble 5 dB SNR": (mix(x, talkers, 5), 0.0),
        "AAC 32 kbit/s": (codec(x, sr, "aac", "ipod"), 0.0),
        "MP3 32 kbit/s": (codec(x, sr, "libmp3lame", "mp3"), 0.0),
        "telephone 8 kHz": (telephone(x, sr), 0.0),
        "2 s silence each side": (padded(x, sr), 2.0),
        "music bed -12 dB": (mix(x, music_bed(len(x), sr), 12), 0.0),
    }


# Texts for the degraded-copy checks (tests/tts/test_forced_robust.py, bench/bench_align.py --degraded).
#: The text spoken and degraded, per language (tests/tts/test_forced_robust.py, test_align_robust.py).
SPOKEN_TEXT = {
    "en": ["Check the pressure gauge before you open the main valve.",
           "Report any damaged equipment to your supervisor, then lock the cabinet.",
           "Clean the filling nozzle at the end of every shift.",
           "Wear gloves and safety glasses before you start."],
    "pt": ["Verifique o manômetro antes de abrir a válvula principal.",
           "Comunique qualquer equipamento danificado ao supervisor e tranque o armário.",
           "Limpe o bico de enchimento no fim de cada turno.",
           "Use luvas e óculos de proteção antes de começar."],
}
#: Another text per language: it must be refused on every degraded copy.
OTHER_TEXT = {
    "en": ["Switch off the power at the wall before you remove the cover.",
           "Keep the floor dry and wipe up any spills at once.",
           "Store the chemicals in the locked cupboard by the door.",
           "Ask your team leader if you are not sure what to do."],
    "pt": ["Desligue a energia na parede antes de retirar a tampa.",
           "Mantenha o chão seco e limpe logo qualquer derrame.",
           "Guarde os produtos químicos no armário trancado junto à porta.",
           "Pergunte ao seu chefe de equipa se não tiver certeza do que fazer."],
}
#: Babble talkers (language, sentences, voice or None for the default); each copy uses the three
#: not in its own language.
TALKERS = [("es", ["Compruebe el manómetro antes de abrir la válvula principal."], None),
           ("de", ["Prüfen Sie das Manometer, bevor Sie das Hauptventil öffnen."], "espeak:de"),
           ("en", ["Report any damaged equipment to your supervisor."], None),
           ("pt", ["Comunique qualquer equipamento danificado ao supervisor."], None)]


class Talker(NamedTuple):
    """One babble talker's speech: mono float32 samples at `sample_rate` Hz."""

    audio: np.ndarray
    sample_rate: int


def talkers(synth) -> dict[str, Talker]:
    """`TALKERS` spoken, by language, the same samples in every run: Piper and Kokoro read
    the same text the same way on every call, espeak-ng does not within one process (its
    pitch flutter runs on a counter that what the process spoke before has advanced), so an
    espeak-ng voice is read in a fresh process (`tts.espeak.speak_afresh`). `synth`: a
    `tts.Synthesizer`."""
    from tts.espeak import speak_afresh
    from tts.phonemes import espeak_voice_for

    out = {}
    for language, text, voice in TALKERS:
        if voice is not None and voice.startswith("espeak:"):
            spoken = speak_afresh(" ".join(text), espeak_voice_for(language))
            out[language] = Talker(np.asarray(spoken.audio, np.float32), int(spoken.sample_rate))
        else:
            spoken = synth.synthesize(text, language, voice=voice)
            out[language] = Talker(spoken.audio, spoken.sample_rate)
    return out


def _spelling(word: str) -> str:
    """A word as matched between two recognitions: lower case, accents and punctuation off."""
    import unicodedata

    text = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in text if c.isalnum() and not unicodedata.combining(c))


def common_word_start_errors(clean, copy, shift: float = 0.0) -> np.ndarray:
    """Start differences (seconds, copy minus clean minus `shift`) of the phones of the words
    recognised in both copies. `clean`, `copy`: (timeline, words) as `tts.align.align_words`
    gives them; words matched by spelling in order (difflib), each matched word's phones
    (those starting inside its span) matched in order."""
    import difflib

    def phones_of(timeline, span):
        return [p for p in timeline if span[0] - 1e-9 <= p[0] < span[1]]

    a = [w for w in clean[1] if w is not None]
    b = [w for w in copy[1] if w is not None]
    words = difflib.SequenceMatcher(a=[_spelling(w[2]) for w in a], b=[_spelling(w[2]) for w in b], autojunk=False)
    out = []
    for i, j, n in words.get_matching_blocks():
        for k in range(n):
            pa, pb = phones_of(clean[0], a[i + k]), phones_of(copy[0], b[j + k])
            phones = difflib.SequenceMatcher(a=[p[2] for p in pa], b=[p[2] for p in pb], autojunk=False)
            out.extend(pb[y + m][0] - pa[x + m][0] - shift
                       for x, y, size in phones.get_matching_blocks() for m in range(size))
    return np.array(out)
