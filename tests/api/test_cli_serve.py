"""`polydub serve`'s options reach the app's settings, and a bad setting is one line; the
server itself is not started (uvicorn.run is replaced)."""

from __future__ import annotations

import pytest

from api.cli import main


@pytest.fixture
def served(monkeypatch):
    import uvicorn

    seen = {}

    def run(app, **options):
        seen.update(app=app, **options)

    monkeypatch.setattr(uvicorn, "run", run)
    monkeypatch.setenv("POLYDUB_MIN_FREE_GB", "0")
    monkeypatch.delenv("POLYDUB_TOKEN", raising=False)
    monkeypatch.delenv("POLYDUB_ALLOWED_HOSTS", raising=False)
    return seen


def test_allowed_host_is_repeatable_and_reaches_the_settings(served, tmp_path):
    assert main(["serve", "--data-dir", str(tmp_path), "--allowed-host", "polydub.lan",
                 "--allowed-host", "Studio.Local"]) == 0
    settings = served["app"].state.settings
    assert settings.allowed_hosts == ["polydub.lan", "Studio.Local"]
    from api.security import allowed_hosts

    assert allowed_hosts(settings) == {"polydub.lan", "studio.local"}


def test_a_blank_token_is_one_line(served, tmp_path, capsys):
    assert main(["serve", "--data-dir", str(tmp_path), "--token", "   "]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("polydub: error: bad setting: token:") and "blank" in err and "\n" not in err
    assert "app" not in served


def test_a_bad_variable_is_one_line(served, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("POLYDUB_PORT", "99999")
    assert main(["serve", "--data-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("polydub: error: bad setting: port:") and "POLYDUB_" in err and "\n" not in err


def test_the_app_and_the_command_line_share_one_service_mapping(tmp_path):
    from api.settings import Settings

    settings = Settings(data_dir=tmp_path, executor="local", cpu_workers=3, device_slots=2, min_free_gb=0.5,
                        free_space_probe="tests.helpers.disk:free_from_file")
    config = settings.service_config()
    assert (config.data_dir, config.executor, config.cpu_workers, config.device_slots) == (tmp_path, "local", 3, 2)
    assert config.min_free_bytes == 500_000_000 and config.free_space_probe == "tests.helpers.disk:free_from_file"
    assert not config.allow_paths and not config.only_own_jobs  # HTTP takes uploads, runs every job
    assert settings.service_config(allow_paths=True).allow_paths


def test_the_wired_service_uses_the_settings_free_space_probe(tmp_path):
    from api.settings import Settings
    from pipeline.jobs.wiring import open_service
    from tests.helpers.disk import free_from_file

    service = open_service(Settings(data_dir=tmp_path, free_space_probe="tests.helpers.disk:free_from_file")
                           .service_config(), with_executor=False)
    assert service.free_space is free_from_file
