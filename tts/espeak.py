"""A ctypes binding to the libespeak-ng that `espeakng-loader` ships.

Two things are used: synthesis in synchronous mode with a callback that receives audio and
events (word and phoneme events carry their audio positions; phoneme names are IPA because the
library is initialised with espeakINITIALIZE_PHONEME_IPA), and `espeak_TextToPhonemes` in IPA mode
(with stress and length marks, the form that Piper and Kokoro were trained on).

libespeak-ng keeps its state in process globals, so one `Espeak` object per process mirrors it
(`Espeak.shared()`), and a lock serialises every call. Piper's own `espeakbridge` is a separate,
statically linked copy with its own globals (checked: both load and answer correctly in one
process); `PiperPhonemizer` uses it only for the IPA fed to Piper and Kokoro, while timings,
`phonemize` and `align` use this library's phoneme events.
"""

from __future__ import annotations

import ctypes
import functools
import json
import logging
import pickle
import subprocess
import sys
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tts.errors import SpeechError, UnsupportedLanguageError

log = logging.getLogger(__name__)

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INIT_PHONEME_EVENTS = 0x0001
_INIT_PHONEME_IPA = 0x0002
_INIT_DONT_EXIT = 0x8000
_CHARS_UTF8 = 1
_ENDPAUSE = 0x1000
_POS_CHARACTER = 1
_PARAM_RATE = 1

_EVENT_LIST_TERMINATED = 0
_EVENT_WORD = 1
_EVENT_END = 5
_EVENT_MSG_TERMINATED = 6
_EVENT_PHONEME = 7

_PHONEMES_IPA = 0x02

# Phoneme-event names that this build's tables map to the wrong IPA symbol (checked against the
# IPA of espeak_TextToPhonemes and of Piper's espeak-ng): Portuguese reduced final vowels come
# out as "æ" and "y" (a rounded vowel!) where the sound is "ɐ" and "ɪ".
_EVENT_IPA_FIXES = {"pt": {"æ": "ɐ", "y": "ɪ"}}

# Stress, length and tone marks that the timeline contract strips from phone names.
PROSODY_MARKS = frozenset("ˈˌːˑ'\u0306\u032f\u0361\u035c‿|")


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    ]


class _Voice(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_void_p),  # not c_char_p: it holds several NUL-separated names
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    ]


_SynthCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))


@dataclass(frozen=True)
class EspeakWord:
    """One word as espeak spoke it: its text span, and its phones with times in seconds."""

    text_start: int  # character offset into the synthesised text (0-based)
    text_length: int
    start: float
    phones: tuple[tuple[float, float, str], ...]  # (start_s, end_s, IPA name) in order


@dataclass(frozen=True)
class EspeakResult:
    audio: np.ndarray  # float32 mono
    sample_rate: int
    words: tuple[EspeakWord, ...]
    end: float  # end of the last phone (the utterance's final silence follows)


def clean_phone(name: str) -> str:
    """An IPA phone name with stress, length and tie marks stripped (NFC)."""
    return unicodedata.normalize("NFC", "".join(c for c in name if c not in PROSODY_MARKS)).strip()


class Espeak:
    """The process's libespeak-ng. Use `Espeak.shared()`; every method is thread-safe."""

    def __init__(self) -> None:
        import espeakng_loader

        self._lock = threading.RLock()
        self._lib = ctypes.CDLL(espeakng_loader.get_library_path())
        lib = self._lib
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.argtypes = [
            ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
            ctypes.c_uint, ctypes.POINTER(ctypes.c_uint), ctypes.c_void_p,
        ]
        lib.espeak_Synth.restype = ctypes.c_int
        lib.espeak_Synchronize.restype = ctypes.c_int
        lib.espeak_SetSynthCallback.argtypes = [_SynthCallback]
        lib.espeak_TextToPhonemes.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_int, ctypes.c_int]
        lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
        lib.espeak_ListVoices.argtypes = [ctypes.c_void_p]
        lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_Voice))
        data = espeakng_loader.get_data_path().encode()
        options = _INIT_PHONEME_EVENTS | _INIT_PHONEME_IPA | _INIT_DONT_EXIT
        self.sample_rate = int(lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data, options))
        if self.sample_rate <= 0:
            raise SpeechError(f"espeak-ng did not initialise from {data.decode()}: reinstall espeakng-loader")
        # The callback object must outlive every synthesis, so it lives on the instance.
        self._chunks: list[np.ndarray] = []
        self._events: list[tuple[int, int, int, int, str]] = []
        self._callback = _SynthCallback(self._on_synth)
        lib.espeak_SetSynthCallback(self._callback)
        self._voice: str | None = None
        self._voices: dict[str, str] | None = None

    @staticmethod
    @functools.cache
    def shared() -> "Espeak":
        return Espeak()

    # -- voices ---------------------------------------------------------------------------

    def voices(self) -> dict[str, str]:
        """espeak-ng language name (lower case, e.g. 'pt-br', 'en-us') → voice identifier."""
        with self._lock:
            if self._voices is None:
                found: dict[str, str] = {}
                array = self._lib.espeak_ListVoices(None)
                i = 0
                while array[i]:
                    voice = array[i].contents
                    raw = ctypes.string_at(voice.languages, 64) if voice.languages else b""
                    # `languages` is a list of (priority byte, name, NUL), ended by a zero byte.
                    pos = 0
                    while pos < len(raw) and raw[pos] != 0:
                        end = raw.index(b"\0", pos + 1) if b"\0" in raw[pos + 1:] else len(raw)
                        name = raw[pos + 1:end].decode("ascii", "replace").lower()
                        ident = (voice.identifier or b"").decode()
                        # Prefer the voice file named after the language ("roa/fr" for "fr").
                        if name and not ident.startswith("mb/") and (
                            name not in found or ident.rsplit("/", 1)[-1].lower() == name
                        ):
                            found[name] = ident
                        pos = end + 1
                    i += 1
                self._voices = found
            return dict(self._voices)

    def _set_voice(self, voice: str) -> None:
        if voice == self._voice:
            return
        ident = self.voices().get(voice.lower(), voice)
        if self._lib.espeak_SetVoiceByName(ident.encode()) != 0 and self._lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise UnsupportedLanguageError(
                f"espeak-ng has no voice {voice!r}: use one of `polydub voices` or install that language's data"
            )
        self._voice = voice

    # -- synthesis ------------------------------------------------------------------------

    def _on_synth(self, wav, numsamples, events) -> int:
        if numsamples > 0 and wav:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(numsamples,)).copy())
        i = 0
        while True:
            ev = events[i]
            if ev.type == _EVENT_LIST_TERMINATED:
                break
            if ev.type == _EVENT_PHONEME:
                name = bytes(ev.id.string).split(b"\0", 1)[0].decode("utf-8", "replace")
            else:
                name = ""
            self._events.append((ev.type, ev.text_position, ev.length, ev.audio_position, name))
            i += 1
        return 0

    def synthesize(self, text: str, voice: str, rate_wpm: int = 175) -> EspeakResult:
        """Speak `text` (plain UTF-8, no SSML) and return audio with word and phone events."""
        encoded = text.encode("utf-8") + b"\0"
        with self._lock:
            self._set_voice(voice)
            self._lib.espeak_SetParameter(_PARAM_RATE, int(rate_wpm), 0)
            self._chunks, self._events = [], []
            buf = ctypes.create_string_buffer(encoded)
            err = self._lib.espeak_Synth(buf, len(encoded), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
            if err != 0:
                raise SpeechError(f"espeak-ng failed to speak (error {err}): check the text and voice {voice!r}")
            self._lib.espeak_Synchronize()
            chunks, events = self._chunks, self._events
            self._chunks, self._events = [], []
        audio = (np.concatenate(chunks).astype(np.float32) / 32768.0) if chunks else np.zeros(0, np.float32)
        words, end = _words_from_events(events, len(audio) / self.sample_rate)
        fixes = _EVENT_IPA_FIXES.get(voice.split("-")[0].lower())
        if fixes:
            words = tuple(
                EspeakWord(w.text_start, w.text_length, w.start, tuple((s, e, fixes.get(p, p)) for s, e, p in w.phones))
                for w in words
            )
        return EspeakResult(audio, self.sample_rate, words, end)

    def text_to_phonemes(self, text: str, voice: str) -> list[str]:
        """IPA (with stress and length marks) for each clause of `text`, in order."""
        encoded = text.encode("utf-8") + b"\0"
        out: list[str] = []
        with self._lock:
            self._set_voice(voice)
            buf = ctypes.create_string_buffer(encoded)
            start = ctypes.cast(buf, ctypes.c_void_p).value
            ptr = ctypes.c_void_p(start)
            end = start + len(encoded) - 1
            while ptr.value and ptr.value < end:
                clause = self._lib.espeak_TextToPhonemes(ctypes.byref(ptr), _CHARS_UTF8, _PHONEMES_IPA)
                if clause:
                    out.append(clause.decode("utf-8", "replace"))
        return out


class PiperPhonemizer:
    """IPA from Piper's own espeak-ng copy (`piper.espeakbridge`), for feeding Piper and Kokoro.

    Its espeak-ng data gives the IPA those voices were trained on, and better IPA than the
    espeakng-loader build for some languages (Brazilian Portuguese keeps its nasal vowels and
    reduced "ɐ"/"ɪ" instead of "æ"/"y"). It is a separate, statically linked copy with its own
    globals, so it coexists with `Espeak` in one process; a lock serialises its calls.
    """

    def __init__(self) -> None:
        from piper import espeakbridge
        from piper.phonemize_espeak import ESPEAK_DATA_DIR

        self._bridge = espeakbridge
        self._lock = threading.Lock()
        self._voice: str | None = None
        espeakbridge.initialize(str(ESPEAK_DATA_DIR))

    @staticmethod
    @functools.cache
    def shared() -> "PiperPhonemizer | None":
        try:
            return PiperPhonemizer()
        except (ImportError, OSError, RuntimeError) as exc:
            log.info("Piper's espeak-ng is unavailable (%s); using espeakng-loader's for model IPA", exc)
            return None

    def text_to_phonemes(self, text: str, voice: str) -> list[str]:
        with self._lock:
            if voice != self._voice:
                try:
                    self._bridge.set_voice(voice)
                except RuntimeError as exc:
                    raise UnsupportedLanguageError(f"espeak-ng has no voice {voice!r}: see `polydub voices`") from exc
                self._voice = voice
            return [p for p, _, _ in self._bridge.get_phonemes(text)]


def model_phonemizer() -> "PiperPhonemizer | Espeak":
    """Where model input IPA comes from: Piper's espeak-ng when installed, else espeakng-loader's."""
    return PiperPhonemizer.shared() or Espeak.shared()


def speak_afresh(text: str, voice: str, rate_wpm: int = 175) -> EspeakResult:
    """`Espeak.synthesize` in a new process, so the same text always gives the same audio.

    libespeak-ng's pitch flutter runs on a counter that only ever advances (a static in its
    wave generator that no API resets, `espeak_ng_SetRandSeed` included): in a process that
    has spoken before, the same text comes out with its pitch pulses moved. Costs a Python
    start with numpy (about 0.15 s here); worth it where the audio is measured, not listened
    to (`tts.align`). A plain child process, not multiprocessing: spawning would re-run the
    caller's script. The child registers `tts` as a bare package so that only this module and
    `tts.errors` load, not the package's `__init__` (scipy, the backends: 1.1 s of imports).
    """
    request = json.dumps({"text": text, "voice": voice, "rate_wpm": int(rate_wpm)}).encode()
    package_dir = str(Path(__file__).resolve().parent)
    done = subprocess.run([sys.executable, "-c", _CHILD, package_dir], input=request, capture_output=True)
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise SpeechError(f"espeak-ng's reading failed in its own process: {lines[-1] if lines else done.returncode}")
    return pickle.loads(done.stdout)  # from the child just started: trusted


_CHILD = (
    "import sys, types\n"
    "package = types.ModuleType('tts')\n"
    "package.__path__ = [sys.argv[1]]\n"
    "sys.modules['tts'] = package\n"
    "from tts.espeak import _answer_reading\n"
    "_answer_reading()\n"
)


def _answer_reading() -> None:
    """The child side of `speak_afresh`: a JSON request on stdin, the pickled result on stdout."""
    request = json.loads(sys.stdin.buffer.read())
    result = Espeak.shared().synthesize(request["text"], request["voice"], request["rate_wpm"])
    sys.stdout.buffer.write(pickle.dumps(result))


def _words_from_events(events, duration: float) -> tuple[tuple[EspeakWord, ...], float]:
    """Group phone events under the word event before them.

    Each phone runs from its own audio position to the next phoneme event's (pauses included,
    so a phone never swallows the silence after it); the last one ends at the end event.
    """
    marks: list[tuple[float, str | None, int]] = []  # (time, phone or None for a pause/end, word index)
    spans: list[tuple[int, int, float]] = []
    for etype, text_pos, length, audio_ms, name in events:
        t = min(audio_ms / 1000.0, duration)
        if etype == _EVENT_WORD:
            spans.append((max(text_pos - 1, 0), length, t))
        elif etype == _EVENT_PHONEME:
            phone = clean_phone(name)
            marks.append((t, phone if phone and not set(phone) <= {"_"} else None, len(spans) - 1))
        elif etype in (_EVENT_END, _EVENT_MSG_TERMINATED):
            marks.append((t, None, len(spans) - 1))
    phones: list[list[tuple[float, float, str]]] = [[] for _ in spans]
    last_end = 0.0
    for (t, phone, word), nxt in zip(marks, marks[1:] + [(duration, None, -1)]):
        if phone is None or word < 0:
            continue
        end = max(nxt[0], t)
        if end > t:
            phones[word].append((t, end, phone))
            last_end = max(last_end, end)
    words = tuple(
        EspeakWord(pos, length, ph[0][0] if ph else t, tuple(ph))
        for (pos, length, t), ph in zip(spans, phones)
    )
    return words, last_end
