"""`api.cli.run.add_service_options`: what each command's --help says of where its tasks run is true."""

from __future__ import annotations

import pytest

from api.cli import build_parser, main
from api.cli.jobrun import config_from
from api.cli.run import settings_from


def _help(capsys, command: str) -> str:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    return " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize("command", ["review", "gc", "logs"])
def test_commands_that_run_no_task_offer_no_executor(capsys, command):
    """Before: `polydub review --help` said "local (default)" though review runs nothing, while
    `polydub localize --help` said inline is the default."""
    text = _help(capsys, command)
    assert "--executor" not in text and "--workers" not in text and "--data-dir" in text


def test_each_default_executor_said_is_the_one_used(capsys, tmp_path, monkeypatch):
    assert "inline: in this process (the default, whatever POLYDUB_EXECUTOR says)" in _help(capsys, "localize")
    assert "local: worker processes (the default, or POLYDUB_EXECUTOR)" in _help(capsys, "run")
    monkeypatch.delenv("POLYDUB_EXECUTOR", raising=False)
    run = build_parser().parse_args(["run", "job.yaml", "--data-dir", str(tmp_path)])
    assert settings_from(run).executor == "local"
    monkeypatch.setenv("POLYDUB_EXECUTOR", "ray")
    assert settings_from(run).executor == "ray"
    localize = build_parser().parse_args(["localize", "--text", "s.md", "--lang", "pt", "--presenter", "a.mp4",
                                          "--out", "o", "--data-dir", str(tmp_path)])
    assert config_from(localize).executor == "inline"
