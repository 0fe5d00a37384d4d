import numpy as np

from tts.warping import WarpPath, banded_path


def test_banded_path_follows_a_slowed_down_copy_and_crosses_a_pause():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(60, 12))
    # b: a played at half speed, with 80 frames of near-silence after frame 30 of a.
    slow = np.repeat(a, 2, axis=0)
    pause = 0.01 * rng.normal(size=(80, 12)) + a[30]
    b = np.vstack([slow[:60], pause, slow[60:]])
    truth = np.where(np.arange(60) < 30, np.arange(60) * 2.0, np.arange(60) * 2.0 + 80) + 0.5
    rough = np.where(np.arange(60) < 30, np.arange(60) * 2.0, np.arange(60) * 2.0 + 80) + 6  # 6 frames off
    matched = banded_path(a, b, rough, radius=10).mean
    assert np.median(np.abs(matched - truth)[np.r_[0:29, 31:60]]) <= 1.0
    # Negative control: the rough map alone is off by the full error.
    assert np.median(np.abs(rough - truth)) > 5


def test_banded_path_never_fails_when_the_band_misses_the_end():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(20, 4)), rng.normal(size=(50, 4))
    matched = banded_path(a, b, np.zeros(20), radius=2).mean  # the band never reaches b's end
    assert len(matched) == 20 and np.all(np.isfinite(matched)) and np.all(np.diff(matched) >= 0)
    assert matched[-1] > 20  # the last frame of a runs on to the end of b


def test_a_position_just_after_a_pause_lands_after_it():
    # b holds a pause that a lacks: a's frame 9 is matched to b's frames 9..38.
    first = np.r_[np.arange(10), np.arange(39, 49)].astype(float)
    last = first.copy()
    last[9] = 38
    path = WarpPath(first, last)
    assert path.position(9.6) > 38  # a phone starting just after frame 9 starts after the pause
    assert abs(path.position(5.0) - 5.0) < 1e-9  # one-to-one frames map to themselves
    # Negative control: interpolating mean matched frames puts it inside the pause.
    assert np.interp(9.6, np.arange(20), path.mean) < 38


def test_multiscale_path_follows_a_long_slowed_copy_with_a_pause(monkeypatch):
    from tts import warping

    monkeypatch.setattr(warping, "_WHOLE_FRAMES", 100)  # force two coarse levels
    rng = np.random.default_rng(2)
    a = np.repeat(rng.normal(size=(150, 12)), 4, axis=0)  # 600 frames, features held 4 frames
    slow = np.repeat(a, 2, axis=0)
    pause = 0.01 * rng.normal(size=(150, 12)) + a[300]
    b = np.vstack([slow[:600], pause, slow[600:]])
    truth = np.where(np.arange(600) < 300, np.arange(600) * 2.0, np.arange(600) * 2.0 + 150) + 0.5
    path, cost = warping.multiscale_path(a, b, radius=10)
    assert np.median(np.abs(path.mean - truth)) <= 2.0
    assert cost.shape == (len(b),) and np.nanmedian(cost) < 0.1
    # Negative control: the same search against unrelated features matches far worse.
    _, unrelated = warping.multiscale_path(a, rng.normal(size=b.shape), radius=10)
    assert np.nanmedian(unrelated) > 0.5


def _phones_then_noise():
    """a: two rows each of three phones p1, p2, p3 with two pause rows z before p3; b: the
    same phones with six frames of noise n where the pause is. n is closer to p2 (cosine
    distance 0.22) than to z (0.38): stretching p2 over it is the cheaper match."""
    p1, p2, p3, z = np.eye(4)
    n = p2 + 0.8 * z
    a = np.stack([p1, p1, p2, p2, z, z, p3, p3])
    b = np.stack([p1, p1, p2, p2] + [n] * 6 + [p3, p3])
    stretch = np.array([0.2, 0.2, 0.2, 0.2, 0.0, 0.0, 0.2, 0.2])
    return a, b, stretch


def test_a_stretch_cost_sends_extra_frames_to_the_free_rows():
    from tts.warping import _banded

    a, b, stretch = _phones_then_noise()
    path, _ = _banded(a, b, np.zeros(len(a)), len(b), stretch)
    assert path.last[3] <= 4 and path.first[4] <= 4 and path.last[5] >= 9  # the pause rows take the noise
    # Negative control: without the cost p2 is stretched over the noise.
    plain, _ = _banded(a, b, np.zeros(len(a)), len(b))
    assert plain.last[2] >= 6


def test_multiscale_path_carries_the_stretch_cost_through_the_coarse_levels(monkeypatch):
    from tts import warping

    monkeypatch.setattr(warping, "_WHOLE_FRAMES", 100)  # force coarse levels
    a, b, stretch = _phones_then_noise()
    a, b = np.repeat(np.tile(a, (20, 1)), 4, axis=0), np.repeat(np.tile(b, (20, 1)), 4, axis=0)
    stretch = np.repeat(np.tile(stretch, 20), 4)
    pause_rows = np.flatnonzero(stretch == 0)
    path, _ = warping.multiscale_path(a, b, radius=10, stretch=stretch)
    noise_frames = np.flatnonzero(np.repeat(np.tile(np.r_[np.zeros(4), np.ones(6), np.zeros(2)], 20), 4))
    covered = np.zeros(len(b), bool)
    for i in pause_rows:
        covered[int(path.first[i]):int(path.last[i]) + 1] = True
    assert covered[noise_frames].mean() > 0.9
    # Negative control: without the cost the pause rows take hardly any of the noise.
    plain, _ = warping.multiscale_path(a, b, radius=10)
    covered[:] = False
    for i in pause_rows:
        covered[int(plain.first[i]):int(plain.last[i]) + 1] = True
    assert covered[noise_frames].mean() < 0.5


def test_log_mel_is_librosas_mel_spectrogram_without_importing_it():
    import librosa

    from tts.warping import log_mel

    rng = np.random.default_rng(3)
    t = np.arange(22050 * 2) / 22050
    audio = (0.2 * np.sin(2 * np.pi * 220 * t) * (t > 0.4) + 0.01 * rng.normal(size=t.size)).astype(np.float32)
    mine = log_mel(audio, 22050)
    from math import gcd

    from scipy.signal import resample_poly

    g = gcd(22050, 16000)
    at16k = resample_poly(audio, 16000 // g, 22050 // g).astype(np.float32)
    power = librosa.feature.melspectrogram(y=at16k, sr=16000, hop_length=160, n_fft=512, n_mels=40)
    feats = np.log(power + 1e-6).T
    theirs = (feats - feats.mean(0)) / (feats.std(0) + 1e-6)
    assert mine.shape == theirs.shape and mine.dtype == np.float32
    assert np.abs(mine - theirs).max() < 1e-3
    # Negative control: the same audio a few samples later is measurably different.
    assert np.abs(log_mel(np.roll(audio, 80), 22050) - theirs).max() > 0.05


def test_paired_features_look_alike_under_a_noise_bed_and_differ_for_other_sound():
    """The floor is the recording's noise depth, applied to both: a noisy copy's features stay
    closer to the clean reading's frame by frame than plain log-mel ones (measured: mean
    cosine 0.58 against 0.50 at this noise level, 0.82 against 0.75 at a fifth of it)."""
    from tts.warping import log_mel, paired_features

    rate = 16000
    rng = np.random.default_rng(0)
    t = np.arange(rate * 3) / rate
    # Speech-like: harmonic bursts of changing pitch with quiet gaps between them.
    on = (np.sin(2 * np.pi * 2.5 * t) > 0).astype(np.float32)
    clean = (on * np.sin(2 * np.pi * (150 + 60 * np.sin(2 * np.pi * 0.7 * t)) * t * 3)).astype(np.float32) * 0.5
    noisy = clean + 0.05 * rng.normal(size=len(t)).astype(np.float32)

    def mean_cosine(a, b):
        n = min(len(a), len(b))
        a, b = a[:n], b[:n]
        return float(np.mean((a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1) + 1e-9)))

    reading, copy = paired_features(clean, rate, noisy, rate)
    # 40 band levels, their 40 slopes and the loudness column (no room here).
    assert reading.shape == copy.shape and reading.shape[1] == 81 and reading.dtype == np.float32
    assert mean_cosine(reading, copy) > mean_cosine(log_mel(clean, rate), log_mel(noisy, rate)) + 0.05
    # Negative control: another sound (the bursts moved by a quarter period) is not alike.
    other = np.roll(clean, rate // 10)
    reading, moved = paired_features(clean, rate, other, rate)
    assert mean_cosine(reading, moved) < mean_cosine(*paired_features(clean, rate, noisy, rate)) - 0.2
