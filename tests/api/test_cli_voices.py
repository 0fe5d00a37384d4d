"""`polydub voices`: installed voices per language, the default marked."""

import json

from api.cli import main


def test_voices_lists_a_language_with_its_default_first(capsys):
    assert main(["voices", "pt"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["pt-BR", "*", "kokoro:jm_kumo"]
    assert any("espeak:pt-br" in line for line in lines)
    assert sum("*" in line.split()[1:2] for line in lines) == 1


def test_voices_json_and_unknown_language(capsys):
    assert main(["voices", "en", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {"language": "en-US", "voice": "piper:en_US-joe-medium"}.items() <= next(r for r in rows if r["default"]).items()
    assert main(["voices", "xx"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("polydub: error: no installed voice speaks 'xx'") and err.count("\n") == 1


def test_voices_without_a_language_lists_every_voice(capsys):
    import tts

    assert main(["voices", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    listed = {(r["language"], r["voice"]) for r in rows}
    assert listed == {(lang, v.id) for v in tts.list_voices() for lang in v.languages}
    # At most one default per language; a language with no default (espeak-ng's "sh") is still listed.
    defaults = [r["language"] for r in rows if r["default"]]
    assert len(defaults) == len(set(defaults)) and {"pt-BR", "en-US"} <= set(defaults)
    assert main(["voices"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == len(rows)


def test_voices_warm_prepares_each_sample_once_with_a_progress_bar(tmp_path, monkeypatch, capsys):
    """`polydub voices warm fr ja`: French's voices sampled and profiled into the data folder the
    jobs use (a stand-in synthesizer and encoder: tests.helpers.voices), Japanese said to have no
    sample text; a second run makes nothing."""
    import tts
    import tts.samples
    from tests.helpers.voices import CountingSynth, OneSpeakerEncoder

    synth = CountingSynth()
    monkeypatch.setattr(tts, "Synthesizer", lambda **_: synth)
    monkeypatch.setattr(tts.samples, "SpeakerEncoder", OneSpeakerEncoder)
    monkeypatch.setenv("POLYDUB_MIN_FREE_GB", "0")
    data = tmp_path / "data"
    assert main(["voices", "warm", "fr", "ja", "--data-dir", str(data)]) == 0
    err = capsys.readouterr().err
    french = {v.id for v, _ in tts.intelligible_voices("fr", tts.VoiceCatalog())}
    assert {voice for _, _, voice in synth.calls} == french and len(synth.calls) == len(french)
    assert "Voice samples" in err and f"{len(french)} voice sample(s) ready in {data / 'voices' / 'samples'}" in err
    assert "ja: no sample text" in err
    assert len(list((data / "voices" / "samples").glob("voice-*.json"))) == len(french)
    assert main(["-q", "voices", "warm", "fr", "--data-dir", str(data)]) == 0
    assert len(synth.calls) == len(french)  # kept: nothing made again


def test_voices_warm_and_list_refuse_in_one_line(tmp_path, capsys):
    assert main(["voices", "warm", "xx", "--data-dir", str(tmp_path)]) == 1
    assert "no installed voice speaks 'xx'" in capsys.readouterr().err
    assert main(["voices", "pt", "es"]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "polydub voices warm pt es" in err
