"""Mouth track: phoneme timeline + audio -> target mouth shape per output frame (pure, on arrays).

Shapes are relative to the presenter, so one track drives any face:

- opening: 0 = lips together (rest), 1 = the widest the presenter opens;
- width: -1 = narrow (pucker), 0 = rest, +1 = spread (smile, "ee");
- rounding: 0 = flat, 1 = fully rounded ("oo", "w").

Phones map to visemes (any espeak-ng IPA: unknown symbols fall back by character class),
visemes blend with their neighbours by dominance (coarticulation), bilabials close the lips
fully, gaps relax to rest, the audio envelope scales the opening and the mouth closes where
nothing is heard, and the opening moves with the inertia of a jaw (no jumps between frames).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction

import numpy as np
from scipy.ndimage import gaussian_filter1d

from lipsync.voicing import HOP_S, hop_power, share_per_frame, speech_activity


@dataclass(frozen=True)
class Viseme:
    name: str
    opening: float
    width: float
    rounding: float
    #: how strongly the shape resists its neighbours (coarticulation)
    dominance: float
    #: the lips must meet (p, b, m)
    closure: bool = False
    #: the lips touch something the eye looks for (lower lip on the upper teeth: f, v), so
    #: the opening stays at most `opening` on the phone's middle frames, whatever its neighbours
    contact: bool = False


REST = Viseme("rest", 0.0, 0.0, 0.0, 0.6)

_V = Viseme
VISEMES: dict[str, Viseme] = {
    "bilabial": _V("bilabial", 0.0, 0.0, 0.0, 1.5, closure=True),
    "labiodental": _V("labiodental", 0.12, 0.1, 0.0, 2.0, contact=True),
    "dental": _V("dental", 0.25, 0.1, 0.0, 1.0),
    "alveolar": _V("alveolar", 0.22, 0.1, 0.0, 0.6),
    "sibilant": _V("sibilant", 0.14, 0.35, 0.0, 1.2),
    "postalveolar": _V("postalveolar", 0.2, -0.35, 0.6, 1.5),
    "velar": _V("velar", 0.3, 0.0, 0.0, 0.3),
    "glottal": _V("glottal", 0.35, 0.0, 0.0, 0.15),
    "rhotic": _V("rhotic", 0.22, -0.25, 0.45, 0.8),
    "lateral": _V("lateral", 0.3, 0.05, 0.0, 0.6),
    "labial_glide": _V("labial_glide", 0.12, -0.65, 1.0, 1.8),
    "palatal_glide": _V("palatal_glide", 0.18, 0.35, 0.0, 0.8),
    "open": _V("open", 1.0, 0.15, 0.0, 1.0),
    "open_back": _V("open_back", 0.9, -0.05, 0.25, 1.0),
    "open_mid": _V("open_mid", 0.7, 0.2, 0.0, 1.0),
    "mid": _V("mid", 0.45, 0.05, 0.0, 0.7),
    "close_mid": _V("close_mid", 0.42, 0.3, 0.0, 1.0),
    "close_front": _V("close_front", 0.22, 0.55, 0.0, 1.0),
    "close_front_round": _V("close_front_round", 0.2, -0.5, 0.9, 1.2),
    "mid_round": _V("mid_round", 0.55, -0.4, 0.8, 1.1),
    "close_round": _V("close_round", 0.22, -0.6, 1.0, 1.2),
    "close_back": _V("close_back", 0.25, 0.2, 0.0, 1.0),
    "rhotic_vowel": _V("rhotic_vowel", 0.35, -0.2, 0.35, 0.9),
    "consonant": _V("consonant", 0.22, 0.0, 0.0, 0.5),
}

_PHONES = {
    "bilabial": "p b m ɓ ʙ ɸ β ⱱ",
    "labiodental": "f v ɱ ʋ",
    "dental": "θ ð",
    "alveolar": "t d n ɾ ɗ ʈ ɖ ɳ ɽ ɺ c ɟ ɲ",
    "sibilant": "s z ts dz ʂ ʐ ɬ ɮ",
    "postalveolar": "ʃ ʒ tʃ dʒ ɕ ʑ tɕ dʑ tʂ dʐ ʧ ʤ",
    "velar": "k g ɡ ŋ x ɣ q ɢ ɴ χ ʁ ɰ ç ʝ",
    "glottal": "h ɦ ʔ ħ ʕ ʜ ʢ",
    "rhotic": "ɹ r ɻ ʀ",
    "lateral": "l ɫ ʎ ʟ ɭ",
    "labial_glide": "w ʍ ɥ",
    "palatal_glide": "j",
    "open": "a æ ä ɶ",
    "open_back": "ɑ ɒ ɐ",
    "open_mid": "ɛ ʌ ɜ ɞ",
    "mid": "ə ɘ ɵ ᵻ",
    "close_mid": "e",
    "close_front": "i ɪ ɨ",
    "close_front_round": "y ʏ ø œ",
    "mid_round": "o ɔ",
    "close_round": "u ʊ ʉ",
    "close_back": "ɯ ɤ",
    "rhotic_vowel": "ɚ ɝ ɹ̩",
}
PHONE_VISEME: dict[str, str] = {p: v for v, ps in _PHONES.items() for p in ps.split()}
_VOWEL_VISEMES = {"open", "open_back", "open_mid", "mid", "close_mid", "close_front",
                  "close_front_round", "mid_round", "close_round", "close_back", "rhotic_vowel"}
#: marks that carry no mouth shape: stress, length, tones, ties, syllable breaks
_IGNORED = set("ˈˌːˑ.‿͜͡|‖-_'ʼ˞ʰʲʷˠˤⁿˡ̃") | set("˥˦˧˨˩0123456789")


#: how far a diphthong's glide stays short of its target, toward the nucleus (0..1)
GLIDE_UNDERSHOOT = 0.4


def _toward(v: Viseme, other: Viseme, share: float) -> Viseme:
    def mix(a: float, b: float) -> float:
        return (1 - share) * a + share * b

    return replace(v, opening=mix(v.opening, other.opening), width=mix(v.width, other.width),
                   rounding=mix(v.rounding, other.rounding))


def _strip(phone: str) -> str:
    out = []
    for ch in unicodedata.normalize("NFD", phone):
        if ch in _IGNORED or unicodedata.combining(ch):
            continue
        out.append(ch)
    return "".join(out)


def _fallback(ch: str) -> Viseme:
    """A symbol with no entry: its base letter if it has one, else by character class."""
    base = unicodedata.normalize("NFD", ch)[0]
    if base in PHONE_VISEME:
        return VISEMES[PHONE_VISEME[base]]
    name = unicodedata.name(ch, "")
    if "VOWEL" in name or base.lower() in "aeiouy":
        return VISEMES["mid"]
    if ch.isalpha():
        return VISEMES["consonant"]
    return REST


def phone_visemes(phone: str) -> list[Viseme]:
    """Visemes of one IPA phone, in order (a diphthong gives two, an affricate one)."""
    s = _strip(phone)
    out: list[Viseme] = []
    i = 0
    while i < len(s):
        for size in (3, 2, 1):
            piece = s[i:i + size]
            if len(piece) == size and piece in PHONE_VISEME:
                out.append(VISEMES[PHONE_VISEME[piece]])
                i += size
                break
        else:
            v = _fallback(s[i])
            if v is not REST:
                out.append(v)
            i += 1
    return out


@dataclass(frozen=True)
class MouthTrack:
    """Target mouth per output frame."""

    #: (n, 3) float32: opening, width, rounding (see the module docstring)
    shape: np.ndarray
    #: (n,) bool: the lips must be closed (bilabial)
    closed: np.ndarray
    #: (n,) float32: speech envelope per frame, 0..1
    envelope: np.ndarray
    fps: Fraction
    options: dict = field(default_factory=dict)
    #: (n,) bool: the lower lip touches the upper teeth (f, v); None = nowhere
    contact: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.shape)


def envelope_per_frame(audio: np.ndarray, sample_rate: int, n_frames: int, fps: Fraction) -> np.ndarray:
    """RMS of the audio around each frame, 0..1 (1 = loud speech), with a floor so room
    noise reads as silence."""
    if n_frames <= 0:
        return np.zeros(0, np.float32)
    power = hop_power(audio, sample_rate)  # per 5 ms hop: no audio-sized float64 copy
    if len(power) == 0:
        return np.zeros(n_frames, np.float32)
    frame = 1.0 / (float(fps) * HOP_S)  # hops per frame
    centres = (np.arange(n_frames) + 0.5) * frame
    sq = np.concatenate([[0.0], np.cumsum(power)])
    lo = np.clip(np.round(centres - frame).astype(int), 0, len(power))  # window of two frames
    hi = np.clip(np.round(centres + frame).astype(int), 0, len(power))
    rms = np.sqrt(np.maximum(sq[hi] - sq[lo], 0.0) / np.maximum(hi - lo, 1))
    peak = float(np.percentile(rms, 95)) if np.any(rms > 0) else 0.0
    if peak < 1e-4:  # silence-only audio
        return np.zeros(n_frames, np.float32)
    floor = max(0.02 * peak, 1e-4)
    env = np.clip((rms - floor) / (peak - floor), 0.0, 1.0)
    return env.astype(np.float32)


def mouth_track(
    phonemes: Sequence[tuple[float, float, str]],
    n_frames: int,
    fps: Fraction,
    audio: np.ndarray | None = None,
    sample_rate: int = 16000,
    *,
    lead: float = 0.0,
    spread: float = 0.03,
    envelope_gate: float = 0.25,
    range_top: float = 0.95,
    max_gain: float = 2.5,
    inertia: float = 0.04,
) -> MouthTrack:
    """Target mouth shape for each of `n_frames` output frames.

    lead: seconds the lips move ahead of the sound (they form before it is heard);
    spread: seconds a viseme reaches into its neighbours (coarticulation);
    envelope_gate: envelope level (0..1) below which the opening is scaled down, so pauses
    close the mouth even inside a long phone;
    range_top, max_gain: the opening is scaled (by at most `max_gain`) so its 90th
    percentile over the speech reaches `range_top`: speech uses the presenter's whole range;
    inertia: seconds (Gaussian sigma) over which the opening is smoothed: a jaw takes 100-200 ms
    to travel, so single-frame jumps are not speech.
    """
    fps = Fraction(fps)
    t = (np.arange(n_frames) + 0.5) / float(fps) + lead
    keys = _keyframes(phonemes, n_frames / float(fps))
    shape, closed, cap = _blend(keys, t, spread)
    env = _shape_by_audio(shape, audio, sample_rate, fps, envelope_gate)
    contact = _use_presenter_range(shape, closed, cap, fps, inertia, range_top, max_gain)
    options = {"lead": lead, "spread": spread, "envelope_gate": envelope_gate, "range_top": range_top,
               "max_gain": max_gain, "inertia": inertia}
    return MouthTrack(shape, closed, env, fps, options, contact)


def _keyframes(phonemes: Sequence[tuple[float, float, str]], duration: float) -> list[tuple[float, float, Viseme]]:
    """The track's keyframes, (centre s, half-length s, viseme): rest before the first phone and
    in pauses over 0.12 s, each phone's visemes (a diphthong's nucleus two thirds of it, its
    glide undershot toward the nucleus), rest after the last phone to past `duration` s."""
    keys: list[tuple[float, float, Viseme]] = []
    timeline = sorted(phonemes)
    first = float(timeline[0][0]) if timeline else 0.0
    keys.append(((first - 1.0) / 2, (first + 1.0) / 2 - 0.05, REST))  # before the first phone
    last_end = first
    for start, end, phone in timeline:
        start, end = float(start), float(end)
        if end <= start:
            continue
        if start - last_end > 0.12:  # a pause: relax to rest
            keys.append(((last_end + start) / 2, (start - last_end) / 2, REST))
        visemes = phone_visemes(phone)
        if not visemes:
            continue
        # A diphthong: the nucleus takes two thirds, and the glide falls short of its own
        # target (undershoot), toward the nucleus.
        visemes = visemes[:1] + [_toward(v, visemes[0], GLIDE_UNDERSHOOT) for v in visemes[1:]]
        weights = np.array([2.0] + [1.0] * (len(visemes) - 1))
        bounds = start + (end - start) * np.concatenate([[0], np.cumsum(weights) / weights.sum()])
        for v, a, b in zip(visemes, bounds[:-1], bounds[1:]):
            keys.append(((a + b) / 2, (b - a) / 2, v))
        last_end = max(last_end, end)
    keys.append(((last_end + max(duration, last_end) + 1.0) / 2, max(0.5, duration - last_end), REST))
    if not phonemes:
        keys.append((duration / 2, duration / 2 + 1.0, REST))
    return keys


def _blend(keys: Sequence[tuple[float, float, Viseme]], t: np.ndarray, spread: float
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coarticulation: each frame's shape (float32 (n, 3): opening, width, rounding) as the
    keyframes' dominance-weighted mean at frame times `t` (s), dominance flat inside a keyframe
    and decaying outside over `spread` s; with the frames where the lips close (bool (n,)) and
    the most a contact phone lets them part (float32 (n,), inf where none)."""
    n_frames = len(t)
    num = np.zeros((n_frames, 3), np.float64)
    den = np.full(n_frames, 1e-9)
    closed = np.zeros(n_frames, bool)
    cap = np.full(n_frames, np.inf, np.float32)  # the most a contact phone lets the lips part
    for centre, half, v in keys:
        # Dominance: flat inside the segment, decaying outside over `spread`.
        dist = np.maximum(np.abs(t - centre) - half, 0.0)
        d = v.dominance * np.exp(-dist / spread)
        num += d[:, None] * (v.opening, v.width, v.rounding)
        den += d
        if (v.closure or v.contact) and n_frames:
            # Lips meet over the middle of the segment, and on at least one frame.
            inside = np.abs(t - centre) <= max(half * 0.6, 0.0)
            inside[int(np.clip(np.argmin(np.abs(t - centre)), 0, n_frames - 1))] = True
            if v.closure:
                closed |= inside
            else:
                cap[inside] = np.minimum(cap[inside], v.opening)
    return (num / den[:, None]).astype(np.float32), closed, cap


def _shape_by_audio(shape: np.ndarray, audio: np.ndarray | None, sample_rate: int, fps: Fraction,
                    envelope_gate: float) -> np.ndarray:
    """Scale `shape` (in place) by the audio: below `envelope_gate` the opening shrinks, and
    where nothing is heard the lips rest. Returns the envelope per frame (float32 (n,), zeros
    without audio)."""
    n_frames = len(shape)
    if audio is None or not len(audio):
        return np.zeros(n_frames, np.float32)
    env = envelope_per_frame(audio, sample_rate, n_frames, fps)
    # The lips open slightly before the sound: look one frame ahead.
    ahead = np.maximum(env, np.concatenate([env[1:], env[-1:]])) if n_frames > 1 else env
    gate = np.clip(ahead / envelope_gate, 0.0, 1.0) ** 0.7
    shape[:, 0] *= gate
    shape[:, 1:] *= (0.3 + 0.7 * gate)[:, None]
    # Where nothing is heard (a pause, a stop's silence) the lips rest, even inside a phone
    # the timeline stretched over the pause.
    shape[:, 0] *= share_per_frame(speech_activity(audio, sample_rate), float(fps), n_frames)
    return env


def _use_presenter_range(shape: np.ndarray, closed: np.ndarray, cap: np.ndarray, fps: Fraction, inertia: float,
                         range_top: float, max_gain: float) -> np.ndarray:
    """Finish `shape` in place: the opening smoothed over `inertia` s, scaled so the busiest
    tenth of the speech reaches `range_top` (gain at most `max_gain`), capped by contact
    phones, zero where the lips close, every column clipped to its range. Returns the frames a
    contact phone capped (bool (n,))."""
    n_frames = len(shape)
    if inertia > 0 and n_frames > 1:
        shape[:, 0] = gaussian_filter1d(shape[:, 0], inertia * float(fps), mode="nearest")
    # Use the presenter's whole range: the busiest tenth of the speech opens fully.
    speaking = shape[:, 0] > 0.05
    if speaking.sum() >= 3:
        top = float(np.percentile(shape[speaking, 0], 90))
        shape[:, 0] *= min(max_gain, range_top / max(top, 1e-3))
    contact = np.isfinite(cap)
    shape[:, 0] = np.minimum(shape[:, 0], cap)
    shape[closed, 0] = 0.0
    shape[:, 0] = np.clip(shape[:, 0], 0.0, 1.0)
    shape[:, 1] = np.clip(shape[:, 1], -1.0, 1.0)
    shape[:, 2] = np.clip(shape[:, 2], 0.0, 1.0)
    return contact
