"""Speech reports its progress sentence by sentence (a job's voicing task is not 0 % until done)."""

import tts


def test_progress_is_reported_after_each_sentence():
    calls: list[tuple[int, int]] = []
    speech = tts.Synthesizer().synthesize(["Open the valve.", "Wait.", "Close it."], "de", voice="espeak:de",
                                          progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 3), (2, 3), (3, 3)]
    assert len(speech.sentences) == 3
