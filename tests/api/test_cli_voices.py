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
