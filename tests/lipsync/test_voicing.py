import numpy as np

from lipsync.voicing import HOP_S, share_per_frame, speech_activity
from tests.helpers.signals import voice


def test_speech_activity_finds_speech_over_room_noise_and_bridges_stop_gaps():
    sr = 16000
    audio = np.concatenate([np.zeros(sr // 2, np.float32), voice(1.0, sr), np.zeros(sr // 2, np.float32)])
    audio[int(0.9 * sr):int(0.95 * sr)] = 0.0  # a 50 ms stop closure inside the speech
    audio += np.random.default_rng(0).normal(0, 2e-3, len(audio)).astype(np.float32)
    active = speech_activity(audio, sr)
    t = np.arange(len(active)) * HOP_S
    assert not active[t < 0.45].any() and not active[t > 1.56].any()  # room noise is silence
    assert active[(t > 0.88) & (t < 0.97)].all()  # the stop closure is bridged
    # Negative control: a long pause inside the speech is not bridged.
    audio[int(0.7 * sr):int(1.1 * sr)] = np.random.default_rng(1).normal(0, 2e-3, int(0.4 * sr))
    assert not speech_activity(audio, sr)[int(0.8 / HOP_S):int(1.0 / HOP_S)].any()


def test_silence_only_audio_is_never_speech():
    assert not speech_activity(np.zeros(16000, np.float32), 16000).any()
    assert speech_activity(np.zeros(10, np.float32), 16000).size == 0


def test_share_per_frame_averages_each_frame_and_ends_with_the_audio():
    active = np.zeros(200, bool)  # 1 s
    active[50:150] = True
    share = share_per_frame(active, 10.0, 15)
    assert share[:2].tolist() == [0.0, 0.0] and share[3:7].min() == 1.0
    assert share[2] == 0.5  # frame 0.2-0.3 s is half speech
    assert not share[10:].any()  # past the audio's end: silent
