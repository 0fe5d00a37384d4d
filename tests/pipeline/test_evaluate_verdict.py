"""The sync report in words: the verdict on the measured scale, the lag's direction, audio and
video lengths that differ, and heard text cut at a phrase."""

from __future__ import annotations

import math

import numpy as np

from pipeline.evaluate import LagCorrelation, SyncReport
from pipeline.evaluate.verdict import heard_excerpt, lag_words, length_note, words_verdict


def test_the_words_measure_is_judged_on_the_measured_scale():
    assert words_verdict(0.76).startswith(
        "words r 0.76 (best within ±2 frames): in sync (real footage with its own audio reads 0.30-0.57")
    assert "probably in sync" in words_verdict(0.38)
    assert "not in sync with this audio" in words_verdict(0.05) and "up to 0.26" in words_verdict(0.05)
    assert "no verdict" in words_verdict(math.nan)


def test_the_lag_says_which_way_it_runs():
    assert lag_words(1, 25.0) == "the mouth follows the sound by 1 frame (40 ms)"
    assert lag_words(-3, 30.0) == "the mouth leads the sound by 3 frames (100 ms)"
    assert lag_words(0, 25.0) == "mouth and sound together"


def test_audio_of_another_length_is_said():
    assert length_note(5.02, 5.0) is None
    assert "only the first 3.0 s are judged" in length_note(3.0, 5.0)
    assert "past the video's end is not judged" in length_note(12.3, 5.0)
    assert length_note(None, 5.0) is None


def test_heard_text_is_cut_at_a_phrase_not_mid_word():
    text = ("Before you start the machine you must check that the guard is closed, that the emergency stop "
            "button is released, that nobody is standing inside the yellow line.")
    assert heard_excerpt("Wear gloves.") == "Wear gloves."
    cut = heard_excerpt(text, width=120)
    assert cut == "Before you start the machine you must check that the guard is closed, that the emergency stop " \
        "button is released, …"
    assert heard_excerpt("word " * 40, width=50).endswith("word …")  # no phrase end: at a word


def _report(best: float, lag: int, audio_s: float) -> SyncReport:
    lags = tuple(range(-4, 5))
    values = tuple(best if k == lag else best - 0.2 for k in lags)  # lag within ±2: the verdict's r is `best`
    curve = LagCorrelation(lags, values)
    return SyncReport(video="render.mp4", audio="other.wav", fps=25.0, frames=125, frames_without_face=(),
                      words=curve, envelope=curve, opening_std=0.1, mouth_change=1.0,
                      heard_text="Switch the printer off, and let the nozzle cool for ten minutes before you "
                                 "touch it, then remove the filament from the spool holder carefully.",
                      language="en", audio_seconds=audio_s, opening=np.zeros(125))


def test_the_cli_report_leads_with_the_verdict_and_says_lag_and_length():
    from api.cli.eval import format_report

    text = format_report(_report(0.76, 1, 5.0))
    first = text.splitlines()[0]
    assert first.startswith("verdict:  words r 0.76 (best within ±2 frames): in sync (")
    assert "the mouth follows the sound by 1 frame (40 ms)" in text and "length:" not in text
    assert "then remove the filament from the spool holder carefully." in text  # whole, not cut at 70
    wrong = format_report(_report(0.05, -2, 12.0))
    assert "not in sync" in wrong.splitlines()[0]
    assert "length:   the audio lasts 12.0 s, the video 5.0 s" in wrong
    assert "the mouth leads the sound by 2 frames (80 ms)" in wrong


def test_the_verdict_takes_the_best_within_two_frames_as_its_scale_was_measured():
    from api.cli.eval import format_report

    far = _report(0.50, -4, 5.0)  # 0.50 only at lag -4; 0.30 within ±2
    first = format_report(far).splitlines()[0]
    assert first.startswith("verdict:  words r 0.30 (best within ±2 frames): probably in sync")
