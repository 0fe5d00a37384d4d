from pipeline.subtitles import Cue, cues_from_timings, to_srt, to_vtt


def test_one_cue_per_short_sentence_with_its_times():
    cues = cues_from_timings([(0.0, 1.5, "Wear gloves."), (2.0, 3.0, "Start.")])
    assert cues == [Cue(0.0, 1.5, "Wear gloves."), Cue(2.0, 3.0, "Start.")]


def test_long_sentence_splits_at_word_times():
    words = [(i * 0.5, i * 0.5 + 0.4, f"word{i:02d}") for i in range(30)]
    text = " ".join(w[2] for w in words)
    cues = cues_from_timings([(0.0, 15.0, text)], words)
    assert len(cues) == 3
    assert all(len(line) <= 42 for c in cues for line in c.text.split("\n"))
    assert all(len(c.text.split("\n")) <= 2 for c in cues)
    # Boundaries fall on word times, in order, covering the sentence.
    assert cues[0].start == 0.0 and cues[-1].end == 15.0
    assert cues[1].start in {w[0] for w in words}
    assert all(a.end <= b.start for a, b in zip(cues, cues[1:]))
    assert " ".join(c.text.replace("\n", " ") for c in cues) == text


def test_srt_and_vtt_formats():
    cues = [Cue(0.0, 1.25, "Olá."), Cue(3661.5, 3662.0, "Fim.")]
    srt = to_srt(cues)
    assert srt.startswith("1\n00:00:00,000 --> 00:00:01,250\nOlá.\n")
    assert "2\n01:01:01,500 --> 01:01:02,000\nFim.\n" in srt
    vtt = to_vtt(cues)
    assert vtt.startswith("WEBVTT\n\n00:00:00.000 --> 00:00:01.250\nOlá.\n")


def test_empty_or_zero_length_sentences_make_no_cue():
    assert cues_from_timings([(1.0, 1.0, "x"), (0.0, 1.0, "  ")]) == []
