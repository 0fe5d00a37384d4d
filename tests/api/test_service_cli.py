"""The service's command line (run, preview, review, gc, logs, serve's bind check) and the
API token, on cheap steps."""

from __future__ import annotations

import threading
import zipfile

import httpx
import pytest
import uvicorn
from tests.helpers.service import FAKE_RUNNER, free_port

from api.cli import main
from api.settings import Settings

pytestmark = pytest.mark.slow


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("POLYDUB_FAKE_DIR", str(tmp_path))
    monkeypatch.setenv("POLYDUB_MIN_FREE_GB", "0")
    return tmp_path


def test_run_review_gc_and_logs(env, tiny_videos, capsys, monkeypatch):
    monkeypatch.chdir(env)  # `polydub preview` writes polydub-out/ in the current folder, not the checkout's
    data = env / "data"
    (env / "script.md").write_text("# Nozzle\n\nClean the nozzle.\n")
    job = env / "job.yaml"
    job.write_text(f"text_file: script.md\nlanguages: [pt]\npresenters: [{tiny_videos[0]}]\nreview: true\n")
    common = ["--data-dir", str(data), "--runner", FAKE_RUNNER]
    assert main(["run", str(job), *common]) == 0
    out = capsys.readouterr().out
    job_id = out.split()[1]
    assert "waits for review" in out

    assert main(["review", job_id, *common]) == 0
    assert "pt: waiting" in capsys.readouterr().out
    assert main(["review", job_id, "pt", *common]) == 0
    assert "[pt] Clean the nozzle." in capsys.readouterr().out
    assert main(["review", job_id, "pt", "--edit", "s1=Limpe o bico.", "--approve", "--by", "ana", *common]) == 0
    assert main(["review", job_id, "pt", "--edit", "nonsense", *common]) == 1
    assert "ID=new text" in capsys.readouterr().err

    # Approved: a second run of the same file reuses everything up to translation.
    job.write_text(job.read_text().replace("review: true", "review: false"))
    capsys.readouterr()
    assert main(["run", str(job), *common, "--out", str(env / "out")]) == 0
    second = capsys.readouterr()
    job2 = second.err.split()[1].rstrip(":")
    assert "translate:pt done (reused)" in second.err and "render:pt:" in second.err
    with zipfile.ZipFile(env / "out" / "pt.zip") as zf:
        assert "manifest.json" in zf.namelist()
    assert main(["preview", str(job), *common, "--seconds", "1"]) == 0

    assert main(["gc", "--dry-run", *common]) == 0
    assert "would remove 0 job(s)" in capsys.readouterr().out
    assert main(["logs", "--service", "run", "-n", "500", *common]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(f"job={job2} task=render:pt:" in line for line in lines)
    assert all(" job=" in line and " task=" in line for line in lines)


def test_bad_job_file_is_one_line(env, capsys):
    bad = env / "bad.yaml"
    bad.write_text("languages: [pt]\npresenters: [nowhere.mp4]\ntext: Hi.\n")
    assert main(["run", str(bad), "--data-dir", str(env / "d"), "--runner", FAKE_RUNNER]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("polydub: error:") and "nowhere.mp4" in err and "\n" not in err


def test_serve_refuses_open_bind_without_token(env, capsys):
    assert main(["serve", "--host", "0.0.0.0", "--data-dir", str(env)]) == 2
    assert "token" in capsys.readouterr().err


def test_token_guards_the_api(env):
    from api.app import create_app
    from pipeline.jobs.wiring import open_service

    settings = Settings(data_dir=env, token="s3cret", min_free_gb=0)
    app = create_app(settings, service=open_service(settings.service_config(), with_executor=False))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=url, timeout=10) as c:
            for _ in range(200):
                if server.started:
                    break
                threading.Event().wait(0.05)
            assert c.get("/health").status_code == 200
            assert c.get("/jobs").status_code == 401
            assert c.get("/jobs", headers={"Authorization": "Bearer wrong"}).status_code == 401
            assert c.get("/jobs", headers={"Authorization": "Bearer s3cret"}).status_code == 200
            # Never the token in a query string (logs, history, Referer); a signed link instead.
            assert c.get("/jobs", params={"token": "s3cret"}).status_code == 401
            assert c.get(app.state.links.sign("/jobs")).status_code == 200
            assert c.get(app.state.links.sign("/jobs").replace("/jobs", "/presenters")).status_code == 401
            assert "access-control-allow-origin" not in c.get("/health", headers={"Origin": "http://x"}).headers
    finally:
        server.should_exit = True
        thread.join(10)
