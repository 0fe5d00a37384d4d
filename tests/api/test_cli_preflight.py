"""Bad inputs are refused before any task runs: `polydub localize` / `lipsync` with the real
step runner probe the presenters and audio and check the script's languages first (no model
loads, no job is even created), and say what is wrong in one line."""

from __future__ import annotations

import time

import pytest

from api.cli import main
from pipeline.jobs.store import JobStore
from tests.helpers.media import clip_with_audio, cut_off, write_wav

MIXED = ("Wear your helmet before entering the site.\n\n"
         "ارتدِ خوذتك دائماً عند العمل في الموقع.\n\n"
         "Check the straps before you start work.\n")


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("POLYDUB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("POLYDUB_MIN_FREE_GB", "0")
    (tmp_path / "models").mkdir()
    return tmp_path


@pytest.fixture(scope="module")
def presenter(tmp_path_factory):
    from tests.helpers.media import flat_videos

    return flat_videos(tmp_path_factory.mktemp("videos"), 1, name="ana.mp4")[0]


def _localize(env, script: str, presenter, *extra) -> int:
    (env / "script.md").write_text(script, encoding="utf-8")
    return main(["-q", "localize", "--text", str(env / "script.md"), "--lang", "pt", "--presenter",
                 str(presenter), "--out", str(env / "out"), "--models", str(env / "models"), *extra])


def _refused(env, capsys, rc: int, *words: str) -> str:
    err = capsys.readouterr().err.strip()
    assert rc == 1
    assert len(err.splitlines()) == 1 and err.startswith("polydub: error: "), err
    for word in words:
        assert word in err
    # Refused before the job existed: no task (analysis, model load) ran.
    assert JobStore(env / "data" / "jobs.sqlite").jobs()[1] == 0
    assert not (env / "out").exists()
    return err


def test_a_line_in_a_language_no_model_translates_stops_the_job_first(env, presenter, capsys):
    t0 = time.perf_counter()
    rc = _localize(env, MIXED, presenter)
    seconds = time.perf_counter() - t0
    _refused(env, capsys, rc, "line 3", "Arabic (ar)", "pt")
    assert seconds < 30  # reading the script and the translator's routes, never a model


def test_a_wav_given_as_a_presenter_is_refused(env, capsys):
    wav = write_wav(env / "voice.wav")
    _refused(env, capsys, _localize(env, "Clean the nozzle.", wav), "voice.wav", "no picture")


def test_a_broken_mp4_is_refused(env, capsys):
    broken = env / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8)
    _refused(env, capsys, _localize(env, "Clean the nozzle.", broken), "broken.mp4")


def test_a_cut_off_presenter_is_refused_naming_both_durations(env, capsys):
    cut = cut_off(clip_with_audio(env / "whole.mkv"), env / "cut.mkv")
    err = _refused(env, capsys, _localize(env, "Clean the nozzle.", cut), "cut.mkv", "4.00 s declared")
    assert "--accept-truncated" in err


def test_a_cut_off_narration_is_refused(env, presenter, capsys):
    cut = cut_off(clip_with_audio(env / "talk.mkv"), env / "talk-cut.mkv")
    rc = main(["-q", "lipsync", "--audio", str(cut), "--presenter", str(presenter), "--out", str(env / "out"),
               "--models", str(env / "models")])
    _refused(env, capsys, rc, "talk-cut.mkv", "declared")


def test_a_missing_audio_track_is_refused(env, presenter, capsys):
    talk = clip_with_audio(env / "talk.mkv")
    rc = main(["-q", "lipsync", "--audio", str(talk), "--audio-track", "3", "--presenter", str(presenter),
               "--out", str(env / "out"), "--models", str(env / "models")])
    _refused(env, capsys, rc, "talk.mkv", "no track 3")


FRENCH_LINE = ("Wear your helmet before entering the site.\n\n"
               "Portez toujours vos gants avant de démarrer la machine.\n\n"
               "Check the straps before you start work.\n")


def test_a_french_line_with_a_given_source_language_stops_unless_accepted(env, presenter, capsys):
    """--source-lang en reads every line as English: a French line would be spoken untranslated,
    so the job stops naming it; --accept-mixed-language lets it through."""
    err = _refused(env, capsys, _localize(env, FRENCH_LINE, presenter, "--source-lang", "en"),
                   "line 3 reads as French (fr)", "--accept-mixed-language")
    assert "no --source-lang" in err
    from api.cli.localize import build_spec, register
    import argparse

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    (env / "script.md").write_text(FRENCH_LINE, encoding="utf-8")
    args = parser.parse_args(["localize", "--text", str(env / "script.md"), "--lang", "pt", "--presenter",
                              str(presenter), "--out", str(env / "out"), "--source-lang", "en",
                              "--accept-mixed-language"])
    spec = build_spec(args)
    assert spec.accept_mixed_language and spec.source_language == "en"
    from pipeline import steps
    from pipeline.models import ModelStore
    from pipeline.preflight import check_inputs

    check_inputs(spec, steps.Toolkit(store=ModelStore(env / "models"), cache_dir=env / "cache"))  # accepted


def test_a_language_no_registry_knows_and_a_fetchable_model_are_said_before_any_work(env, presenter, capsys):
    """fresh3 finding 16: `--lang xx` taken for a language; en->es suggested only `models import`."""
    (env / "script.md").write_text("Close the lid.\n", encoding="utf-8")
    common = ["--text", str(env / "script.md"), "--source-lang", "en", "--presenter", str(presenter),
              "--out", str(env / "out"), "--models", str(env / "models")]
    err = _refused(env, capsys, main(["-q", "localize", "--lang", "xx", *common]))
    assert err == ("polydub: error: languages: 'xx' is not a known language (not in the IANA language subtag "
                   "registry); give a BCP-47 tag such as pt, es or pt-BR")
    err = _refused(env, capsys, main(["-q", "localize", "--lang", "es", *common]), "polydub models import")
    assert err.endswith("; or fetch one: `polydub models fetch opus-mt-en-es`")
