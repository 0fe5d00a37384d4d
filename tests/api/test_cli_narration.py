"""`polydub lipsync` with a narration Whisper is too unsure of: the narration step's refusal
(pipeline.steps.MIN_LOG_PROBABILITY) is shown as any other bad input, in one line."""

from __future__ import annotations

import pytest

from api.cli import main


@pytest.mark.slow
def test_a_narration_too_noisy_to_recognise_is_one_line_asking_for_its_transcript(
        tmp_path, monkeypatch, capsys, demo_presenter):
    from lipsync.media import write_audio
    from pipeline.models import ModelStore
    from tests.helpers.narrations import portuguese_under_babble

    monkeypatch.setenv("POLYDUB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("POLYDUB_MIN_FREE_GB", "0")
    monkeypatch.setenv("POLYDUB_MODELS", str(tmp_path / "models"))
    try:
        ModelStore(tmp_path / "models").path("whisper-base")
    except Exception as exc:  # the model store has no Whisper: nothing to recognise with
        pytest.skip(f"Whisper base is not in the model store: {exc}")
    noisy = write_audio(tmp_path / "noisy.wav", *portuguese_under_babble(5))
    rc = main(["-q", "lipsync", "--audio", str(noisy), "--presenter", str(demo_presenter), "--language", "pt",
               "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip()
    assert rc == 1 and len(err.splitlines()) == 1, err
    # Said once (the tasks that needed the narration failed with the same error, not repeated).
    assert err.startswith("polydub: error: ") and err.count("too noisy") == 1, err
    assert "the narration is too noisy to recognise reliably (Whisper's mean log-probability per token -0." in err
    assert "give its transcript (--transcript)" in err and err.endswith("use a cleaner recording")
    assert not (tmp_path / "out" / "videos").exists()
