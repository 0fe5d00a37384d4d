"""What `api.cli.jobrun` says after a run: what decoding did to each presenter, once."""

from __future__ import annotations

import json

from api.cli.jobrun import _say_conversions


def test_conversions_are_said_once_per_presenter_whatever_the_languages(tmp_path, capsys):
    turned = "turned 90 degrees counter-clockwise to 48x64, as its display matrix says"
    for lang in ("pt", "es"):
        (tmp_path / lang).mkdir()
        (tmp_path / lang / "manifest.json").write_text(json.dumps({"videos": [
            {"presenter": "ana", "conversions": [turned, "HDR (PQ) tone-mapped to SDR BT.709 with the BT.2390 EETF"]},
            {"presenter": "bo", "conversions": []}]}))
    said: set[str] = set()
    for lang in ("pt", "es"):
        _say_conversions(tmp_path / lang, said)
    err = capsys.readouterr().err.splitlines()
    assert err == [f"ana: {turned}; HDR (PQ) tone-mapped to SDR BT.709 with the BT.2390 EETF"]
