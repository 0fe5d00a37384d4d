"""tts.encoded: a speech encoder's frames beside the warp's log-mel, only where the recording is
noisy or reverberant. The encoders here are tiny ones built in the test (no model): the
Whisper-backed one is tested in tests/pipeline/test_speech_encoder.py and on the degraded
copies in tests/tts/test_forced_robust.py."""

import numpy as np
import pytest

from tests.helpers import degrade
from tts.encoded import ENCODER_WEIGHT, encoded_columns, needs_encoder
from tts.errors import AlignmentError
from tts.forced import align_text
from tts.warping import HOP_S, mel_power, warp_features

RATE = 16_000


class _Counting:
    """A 20 ms encoder: each frame the log-mel of a 20 ms stretch (pooled 10 ms frames);
    counts its calls."""

    hop_s = 0.02
    first_centre_s = 0.005

    def __init__(self):
        self.calls = 0

    def encode(self, audio, sample_rate):
        self.calls += 1
        mel = np.log(mel_power(audio, sample_rate) + 1e-6)
        return mel[: len(mel) // 2 * 2].reshape(-1, 2, mel.shape[1]).mean(1).astype(np.float32)


class _Index:
    """Frame k is (k,): shows where each row's frame was taken."""

    hop_s = 0.02
    first_centre_s = 0.005

    def encode(self, audio, sample_rate):
        return np.arange(int(len(audio) / sample_rate / self.hop_s), dtype=np.float32)[:, None]


class _Shaped:
    hop_s, first_centre_s = 0.02, 0.0

    def __init__(self, shape):
        self.shape = shape

    def encode(self, audio, sample_rate):
        return np.zeros(self.shape(len(audio)), np.float32)


def _bursts(seconds=3.0, seed=0):
    """Tone bursts with silence between (speech-like on/off), float32 at 16 kHz."""
    t = np.arange(int(seconds * RATE)) / RATE
    on = (np.floor(t / 0.25) % 2 == 0).astype(np.float32)
    rng = np.random.default_rng(seed)
    return (0.3 * on * np.sin(2 * np.pi * (200 + 300 * np.floor(t / 0.5)) * t) + 1e-4 * rng.normal(size=len(t))
            ).astype(np.float32)


def test_rows_take_the_encoder_frame_at_their_time():
    quiet = np.zeros(100, bool)
    a, b, _ = encoded_columns(_Index(), np.zeros(RATE), RATE, 100, quiet, np.zeros(RATE), RATE, 100, 1, HOP_S)
    # Row i stands for i * 10 ms; frame k for 5 + 20 k ms: row i takes frame (10 i - 5) / 20.
    raw = np.clip((np.arange(100) * 0.01 - 0.005) / 0.02, 0, 49)
    expected = (raw - raw.mean()) / raw.std()
    scale = ENCODER_WEIGHT / np.sqrt(np.mean(expected ** 2))  # one log-mel column: length 1
    assert np.allclose(a[:, 0], expected * scale, atol=1e-4) and np.allclose(b, a)


def test_columns_are_normalised_per_side_and_weighted_against_the_log_mel():
    x = _bursts()
    rows = len(mel_power(x, RATE))
    loud = np.linspace(0, 1, rows) > 0.5
    a, b, silence = encoded_columns(_Counting(), x, RATE, rows, ~loud, 3 * x, RATE, rows, 81, HOP_S)
    assert a.shape == b.shape == (rows, 40) and silence.shape == (40,) and a.dtype == np.float32
    assert np.allclose(a.mean(0), 0, atol=1e-3) and np.allclose(b.mean(0), 0, atol=1e-3)  # 3x louder: same
    length = np.sqrt(np.mean(np.sum(np.concatenate([a, b]) ** 2, axis=1)))
    assert length == pytest.approx(ENCODER_WEIGHT * np.sqrt(81), rel=1e-3)
    assert np.allclose(silence, a[~loud].mean(0), atol=1e-5)


@pytest.mark.parametrize("shape, words", [(lambda n: (n // 320,), "shape"), (lambda n: (0, 8), "shape"),
                                          (lambda n: (n // 320, 0), "shape")])
def test_unusable_encoder_frames_are_a_one_line_error(shape, words):
    x = _bursts(1.0)
    with pytest.raises(AlignmentError, match=words) as caught:
        encoded_columns(_Shaped(shape), x, RATE, 100, np.zeros(100, bool), x, RATE, 100, 81, HOP_S)
    assert "\n" not in str(caught.value)


def test_different_widths_for_the_two_sides_are_an_error():
    class Widths(_Shaped):
        def encode(self, audio, sample_rate):
            self.calls = getattr(self, "calls", 0) + 1
            return np.zeros((50, 4 if self.calls == 1 else 5), np.float32)

    x = _bursts(1.0)
    with pytest.raises(AlignmentError, match="4 and 5 columns"):
        encoded_columns(Widths(None), x, RATE, 100, np.zeros(100, bool), x, RATE, 100, 81, HOP_S)


def test_only_noisy_or_reverberant_recordings_need_the_encoder():
    clean = _bursts()
    rng = np.random.default_rng(1)
    noisy = degrade.mix(clean, rng.normal(size=len(clean)).astype(np.float32), 5.0)
    assert not needs_encoder(mel_power(clean, RATE), reverberant=False)
    assert needs_encoder(mel_power(noisy, RATE), reverberant=False)
    assert needs_encoder(mel_power(clean, RATE), reverberant=True)


def test_warp_features_add_the_columns_only_where_needed():
    clean = _bursts()
    noisy = degrade.mix(clean, np.random.default_rng(2).normal(size=len(clean)).astype(np.float32), 5.0)
    encoder = _Counting()
    plain = warp_features(clean, RATE, clean, RATE)
    same = warp_features(clean, RATE, clean, RATE, encoder)
    assert encoder.calls == 0 and not same.encoded
    assert np.array_equal(same.reading, plain.reading) and np.array_equal(same.recording, plain.recording)
    found = warp_features(clean, RATE, noisy, RATE, encoder)
    without = warp_features(clean, RATE, noisy, RATE)
    assert found.encoded and encoder.calls == 2 and found.encoded_dims == 40 and without.encoded_dims == 0
    assert found.reading.shape == (len(plain.reading), without.reading.shape[1] + 40)
    assert found.silence.shape == (found.reading.shape[1],) and found.spectral_dims == without.spectral_dims
    assert np.array_equal(found.recording[:, :without.recording.shape[1]], without.recording)


def test_the_aligner_takes_an_encoder_on_a_noisy_recording(english):
    """English TTS speech under white noise at 5 dB SNR: aligned with the tiny encoder, the
    phones stay in order on the recording; the clean copy never calls it."""
    encoder = _Counting()
    text = ["Switch off the machine.", "Wait five minutes."]
    clean = align_text(english.audio, english.sample_rate, text, "en", encoder=encoder)
    assert encoder.calls == 0
    noise = np.random.default_rng(3).normal(size=len(english.audio)).astype(np.float32)
    noisy = degrade.mix(english.audio, noise, 5.0)
    found = align_text(noisy, english.sample_rate, text, "en", encoder=encoder, max_mismatch=None)
    assert encoder.calls == 2 and [p.phone for p in found.phonemes] == [p.phone for p in clean.phonemes]
    starts = np.array([p.start for p in found.phonemes])
    assert np.all(np.diff(starts) >= 0) and starts[-1] <= len(noisy) / english.sample_rate


def test_a_wide_encoder_is_cut_to_its_principal_components():
    """100 columns, only 3 independent: ENCODER_DIMS columns come back, holding all the variance
    in their first 3 (the rest near 0)."""
    from tts.encoded import ENCODER_DIMS

    class Wide:
        hop_s, first_centre_s = 0.02, 0.005

        def encode(self, audio, sample_rate):
            n = int(len(audio) / sample_rate / self.hop_s)
            t = np.arange(n)[:, None]
            basis = np.concatenate([np.sin(t / 7.0), np.cos(t / 3.0), np.sin(t / 11.0)], axis=1)
            return (basis @ np.random.default_rng(4).normal(size=(3, 100))).astype(np.float32)

    x = _bursts(2.0)
    a, b, silence = encoded_columns(Wide(), x, RATE, 200, np.zeros(200, bool), x, RATE, 200, 81, HOP_S)
    assert a.shape == b.shape == (200, ENCODER_DIMS) and silence.shape == (ENCODER_DIMS,)
    share = np.sum(a[:, :3] ** 2) / np.sum(a ** 2)
    assert share > 0.999


class _Unrelated:
    """Frames that hold nothing of the audio: seeded noise, different for each call."""

    hop_s, first_centre_s = 0.02, 0.005

    def __init__(self):
        self.rng = np.random.default_rng(5)

    def encode(self, audio, sample_rate):
        return self.rng.normal(size=(int(len(audio) / sample_rate / self.hop_s), 16)).astype(np.float32)


def test_the_match_is_judged_on_the_encoder_frames_where_they_are_added(english):
    """Under white noise at 5 dB SNR the right text is measured on the encoder's frames: an
    encoder whose frames follow the sound (the tiny log-mel one) keeps it under
    MAX_ENCODED_MISMATCH; one whose frames hold nothing of it (negative control) measures it
    near chance and refuses it, though the spectra and the warp are the same."""
    from tts.forced import MAX_ENCODED_MISMATCH

    text = ["Switch off the machine.", "Wait five minutes."]
    noise = np.random.default_rng(3).normal(size=len(english.audio)).astype(np.float32)
    noisy = degrade.mix(english.audio, noise, 5.0)
    clean = align_text(english.audio, english.sample_rate, text, "en", encoder=_Counting())
    assert not clean.encoded
    found = align_text(noisy, english.sample_rate, text, "en", encoder=_Counting())
    assert found.encoded and found.mismatch < MAX_ENCODED_MISMATCH
    unrelated = align_text(noisy, english.sample_rate, text, "en", encoder=_Unrelated(), max_mismatch=None)
    assert unrelated.encoded and unrelated.mismatch > MAX_ENCODED_MISMATCH
    with pytest.raises(AlignmentError, match="does not match") as caught:
        align_text(noisy, english.sample_rate, text, "en", encoder=_Unrelated())
    assert "\n" not in str(caught.value)


def test_a_clean_recording_is_judged_on_the_encoder_frames_only_in_the_grey_zone(english, monkeypatch):
    """A clean copy: where the spectra's measure falls in GREY_ZONE (here widened to take every
    measure) the encoder encodes both sides and the match is judged on its frames (an encoder
    whose frames hold nothing of the sound refuses the right text: the judgement is theirs);
    outside it (the zone emptied) the encoder is never called and the spectra judge."""
    import tts.forced

    text = ["Switch off the machine.", "Wait five minutes."]
    monkeypatch.setattr(tts.forced, "GREY_ZONE", (0.0, 10.0))
    follows = _Counting()
    found = align_text(english.audio, english.sample_rate, text, "en", encoder=follows)
    assert found.encoded and follows.calls == 2 and found.mismatch < tts.forced.MAX_ENCODED_MISMATCH
    with pytest.raises(AlignmentError, match="does not match") as caught:
        align_text(english.audio, english.sample_rate, text, "en", encoder=_Unrelated())
    assert "\n" not in str(caught.value)
    monkeypatch.setattr(tts.forced, "GREY_ZONE", (10.0, 10.0))
    idle = _Counting()
    plain = align_text(english.audio, english.sample_rate, text, "en", encoder=idle)
    assert not plain.encoded and idle.calls == 0 and plain.mismatch < tts.forced.MAX_MISMATCH
