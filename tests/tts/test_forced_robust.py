"""The given-words timeline does not move with the recording's condition (issue 18 item 2).

Clean TTS speech (Piper in English, Kokoro in Portuguese) is degraded in code
(tests/helpers/degrade.py: rooms of RT60 0.3 and 0.8 s, babble of three other installed
voices at 10 and 5 dB SNR, AAC and MP3 at 32 kbit/s through PyAV, the 8 kHz telephone band,
2 s of silence each side, a music-like bed 12 dB down); each copy is aligned with its text
and its phone starts are compared with the clean copy's: mean within 30 ms, 95th percentile
within 60 ms. Negative control on every copy: another text of about the same length is
refused; the right one is not. Aligned as the narration step aligns: with Whisper base's
encoder frames (pipeline.speech_encoder), which join the warp where a copy is noisy or
reverberant (tts.encoded), and on which the match is then judged (tts.forced.MAX_ENCODED_MISMATCH).
"""

import difflib

import numpy as np
import pytest

from tests.helpers import degrade
from tests.helpers.degrade import SPOKEN_TEXT as TEXT
from tts.errors import AlignmentError
from tts.forced import MAX_ENCODED_MISMATCH, align_text

pytestmark = pytest.mark.slow

CONDITIONS = ["reverb RT60 0.3 s", "reverb RT60 0.8 s", "babble 10 dB SNR", "babble 5 dB SNR", "AAC 32 kbit/s",
              "MP3 32 kbit/s", "telephone 8 kHz", "2 s silence each side", "music bed -12 dB"]
#: Measured with bench/bench_align.py --degraded (mean / p95 ms): not yet within the bounds. The
#: speech is the same in every run (Piper seeds its noise per call, the espeak-ng talker of the
#: babble is read in a fresh process), so a row has one figure and fails for certain. None
#: since Whisper's encoder frames joined the warp (before: babble 5 dB pt 29 / 155, en 17 / 68:
#: the words beside sentence pauses that the babble fills were stretched over them).
NOT_YET: dict[tuple[str, str], str] = {}


@pytest.fixture(scope="module")
def encoder():
    """The narration step's encoder frames (Whisper base); skipped without the model."""
    import translate
    from pipeline.models import ModelStore
    from pipeline.speech_encoder import WhisperEncoderFrames

    try:
        transcriber = translate.Transcriber(ModelStore().path("whisper-base"))
    except Exception as exc:  # the model store has no Whisper: nothing to measure
        pytest.skip(f"Whisper base is not in the model store: {exc}")
    return WhisperEncoderFrames(lambda: transcriber.model)


@pytest.fixture(scope="module")
def copies(synth, encoder):
    """language -> (clean speech, its timeline, {condition: (copy, shift_s)})."""
    talkers = degrade.talkers(synth)
    out = {}
    for language, text in TEXT.items():
        clean = synth.synthesize(text, language)
        others = [(t.audio, t.sample_rate) for lang, t in talkers.items() if lang != language][:3]
        babble = degrade.babble(others, clean.sample_rate, len(clean.audio))
        timeline = align_text(clean.audio, clean.sample_rate, text, language, encoder=encoder).phonemes
        out[language] = (clean, timeline, degrade.conditions(clean.audio, clean.sample_rate, babble))
    return out


def _start_errors(truth, test) -> np.ndarray:
    """Start of each phone of `test` minus that of the same phone of `truth` (matched in order)."""
    sm = difflib.SequenceMatcher(a=[p[2] for p in truth], b=[p[2] for p in test], autojunk=False)
    return np.array([test[j + k][0] - truth[i + k][0] for i, j, n in sm.get_matching_blocks() for k in range(n)])


@pytest.mark.parametrize("language", ["en", "pt"])
@pytest.mark.parametrize("condition", CONDITIONS)
def test_phone_starts_stay_with_the_clean_copy(copies, encoder, language, condition, request):
    if (language, condition) in NOT_YET:
        request.applymarker(pytest.mark.xfail(reason=f"measured {NOT_YET[language, condition]}", strict=True))
    clean, timeline, conditions = copies[language]
    audio, shift = conditions[condition]
    found = align_text(audio, clean.sample_rate, TEXT[language], language, encoder=encoder).phonemes
    errors = np.abs(_start_errors(timeline, found) - shift)
    assert len(errors) > 0.9 * len(timeline)
    assert errors.mean() <= 0.030 and np.percentile(errors, 95) <= 0.060, \
        f"mean {errors.mean() * 1000:.0f} ms, p95 {np.percentile(errors, 95) * 1000:.0f} ms"


@pytest.mark.parametrize("language", ["en", "pt"])
@pytest.mark.parametrize("condition", CONDITIONS)
def test_another_text_is_still_refused(copies, encoder, language, condition):
    clean, _, conditions = copies[language]
    audio, _ = conditions[condition]
    with pytest.raises(AlignmentError, match="does not match|speech that the transcript") as caught:
        align_text(audio, clean.sample_rate, degrade.OTHER_TEXT[language], language, encoder=encoder)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("language", ["en", "pt"])
@pytest.mark.parametrize("condition", CONDITIONS)
def test_the_right_text_is_not_refused(copies, encoder, language, condition):
    clean, _, conditions = copies[language]
    audio, _ = conditions[condition]
    align_text(audio, clean.sample_rate, TEXT[language], language, encoder=encoder)


@pytest.mark.parametrize("language", ["en", "pt"])
def test_another_text_under_loud_babble_is_refused_on_the_encoder_frames(copies, encoder, language):
    """Negative control for the encoder's judgement: under 5 dB babble the other text's speech
    ratio is in range, so the refusal is the distance on the encoder's frames alone; the right
    text's (pt: 0.65 on the spectra, refused before) is under the bar."""
    clean, _, conditions = copies[language]
    audio, _ = conditions["babble 5 dB SNR"]
    other = align_text(audio, clean.sample_rate, degrade.OTHER_TEXT[language], language, encoder=encoder,
                       max_mismatch=None)
    right = align_text(audio, clean.sample_rate, TEXT[language], language, encoder=encoder, max_mismatch=None)
    assert other.encoded and right.encoded
    assert right.mismatch < MAX_ENCODED_MISMATCH < other.mismatch
    with pytest.raises(AlignmentError, match="does not match"):
        align_text(audio, clean.sample_rate, degrade.OTHER_TEXT[language], language, encoder=encoder)


def test_a_timeline_shifted_by_100_ms_fails_the_bounds(copies, encoder):
    """Negative control for the bounds themselves: the same copy, its timeline 100 ms late."""
    clean, timeline, conditions = copies["en"]
    audio, _ = conditions["MP3 32 kbit/s"]
    found = align_text(audio, clean.sample_rate, TEXT["en"], "en", encoder=encoder).phonemes
    errors = np.abs(_start_errors(timeline, [(s + 0.1, e + 0.1, p) for s, e, p in found]))
    assert errors.mean() > 0.030


#: A new user's case (2026-11-30): Piper reads TALK cleanly; WEBINAR, another text of about its
#: length, measured 0.63 on the spectra (under MAX_MISMATCH 0.64) and was accepted.
TALK = ["Switch the printer off and let the nozzle cool for ten minutes. Remove the nozzle with the wrench."]
WEBINAR = ["Welcome to the webinar. Today we clean the nozzle."]


def test_another_text_in_the_grey_zone_of_a_clean_recording_is_refused_on_the_encoder_frames(synth, encoder):
    """The spectra put the other text in GREY_ZONE, so the encoder's frames judge it (0.95,
    refused); the right text (0.43 on the spectra, negative control) is accepted without them."""
    from tts.forced import GREY_ZONE, MAX_MISMATCH

    talk = synth.synthesize(TALK, "en")
    spectra = align_text(talk.audio, talk.sample_rate, WEBINAR, "en", max_mismatch=None)
    assert GREY_ZONE[0] <= spectra.mismatch <= GREY_ZONE[1] and not spectra.encoded
    # bars out of reach: measured on the encoder's frames, not refused (max_mismatch=None measures
    # without any judgement, so the grey zone's encoding is skipped then)
    judged = align_text(talk.audio, talk.sample_rate, WEBINAR, "en", encoder=encoder, max_mismatch=1.0,
                        max_encoded_mismatch=2.0)
    assert judged.encoded and judged.mismatch > MAX_ENCODED_MISMATCH
    with pytest.raises(AlignmentError, match="does not match") as caught:
        align_text(talk.audio, talk.sample_rate, WEBINAR, "en", encoder=encoder)
    assert "\n" not in str(caught.value)
    right = align_text(talk.audio, talk.sample_rate, TALK, "en", encoder=encoder)
    assert not right.encoded and right.mismatch < min(MAX_MISMATCH, GREY_ZONE[0])


#: Held-out texts whose path ends the warp pinned to 2 s of silence each side before
#: tts.pauses.sounding_span (en: "Switch" at 0.00-0.03 s, "do" zero-length; de: "ab" 2.9 s late).
HELD_OUT_PADDED = {
    "en": degrade.OTHER_TEXT["en"],
    "de": ["Prüfen Sie das Manometer, bevor Sie das Hauptventil öffnen.",  # bench/bench_align.py HELD_OUT
           "Melden Sie beschädigte Geräte Ihrem Vorgesetzten und schließen Sie den Schrank ab."],
}


@pytest.mark.parametrize("language", ["en", "de"])
def test_long_silence_at_both_ends_does_not_pull_the_end_words_into_it(synth, language):
    text = HELD_OUT_PADDED[language]
    clean = synth.synthesize(text, language)
    truth = align_text(clean.audio, clean.sample_rate, text, language)
    found = align_text(degrade.padded(clean.audio, clean.sample_rate, 2.0), clean.sample_rate, text, language)
    errors = np.abs(_start_errors(truth.phonemes, found.phonemes) - 2.0)
    assert len(errors) == len(truth.phonemes)
    assert errors.mean() <= 0.030 and np.percentile(errors, 95) <= 0.060, \
        f"{language}: mean {errors.mean() * 1000:.0f} ms, p95 {np.percentile(errors, 95) * 1000:.0f} ms"
    assert [b.text for a, b in zip(truth.words, found.words) if a.end > a.start and b.end <= b.start] == []
    assert found.words[0].start >= 2.0 and found.words[-1].end <= 2.0 + len(clean.audio) / clean.sample_rate
