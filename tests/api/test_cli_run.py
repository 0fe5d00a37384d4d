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


def test_a_job_file_naming_a_missing_file_says_the_field_and_the_path_looked_at(capsys, tmp_path, monkeypatch):
    """fresh3 finding 12: "'nozzle.pt-BR.xlf' is neither an uploaded presenter/file nor a file on
    disk": no field, no path, and uploads mentioned on the command line."""
    from tests.helpers.media import flat_videos
    from tests.helpers.service import FAKE_RUNNER

    monkeypatch.setenv("POLYDUB_FAKE_DIR", str(tmp_path))
    monkeypatch.setenv("POLYDUB_MIN_FREE_GB", "0")
    course = tmp_path / "course"
    course.mkdir()
    (video,) = flat_videos(course, 1, name="ana.mp4")
    job = course / "job.yaml"
    job.write_text("text: Clean the nozzle.\nlanguages: [pt]\npresenters: [ana.mp4]\n"
                   "translations: nozzle.pt-BR.xlf\n")
    monkeypatch.chdir(tmp_path)  # run from elsewhere: the path is the job folder's
    common = ["--executor", "inline", "--data-dir", str(tmp_path / "data"), "--runner", FAKE_RUNNER]
    assert main(["-q", "run", str(job), *common]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"polydub: error: translations: no such file {course / 'nozzle.pt-BR.xlf'} "), err
    assert "upload" not in err and len(err.splitlines()) == 1
    job.write_text(f"text: Clean the nozzle.\nlanguages: [pt]\npresenters: [ana.mp4, {tmp_path / 'bo.mov'}]\n")
    assert main(["-q", "run", str(job), *common]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"polydub: error: presenters: no such file {tmp_path / 'bo.mov'} "), err



@pytest.fixture
def course(tmp_path, monkeypatch):
    """A course folder with one tiny presenter video; the fake step runner; (folder, common options)."""
    from tests.helpers.media import flat_videos
    from tests.helpers.service import FAKE_RUNNER

    monkeypatch.setenv("POLYDUB_FAKE_DIR", str(tmp_path))
    monkeypatch.setenv("POLYDUB_MIN_FREE_GB", "0")
    folder = tmp_path / "course"
    folder.mkdir()
    flat_videos(folder, 1, name="ana.mp4")
    return folder, ["--executor", "inline", "--data-dir", str(tmp_path / "data"), "--runner", FAKE_RUNNER]


def test_the_same_job_file_goes_on_with_the_approved_job(capsys, course):
    """fresh4 finding 1: after `polydub review JOB pt --approve`, the same `polydub run job.yaml`
    made a new job waiting for review again, and never a pack."""
    folder, common = course
    job = folder / "job.yaml"
    job.write_text("text: Clean the nozzle.\nlanguages: [pt]\npresenters: [ana.mp4]\nreview: true\n")
    out = folder / "out"
    assert main(["-q", "run", str(job), "--out", str(out), *common]) == 0
    said = capsys.readouterr().out
    assert "waits for review of pt: no video is made until it is approved (exit status 0)" in said, said
    assert "run this command again to go on" in said and not out.exists()
    job_id = said.split()[1]
    assert main(["review", job_id, "pt", "--approve", *common[2:]]) == 0
    capsys.readouterr()
    assert main(["-q", "run", str(job), "--out", str(out), *common]) == 0
    err = capsys.readouterr().err
    assert f"job {job_id} (resumed)" in err, err
    assert (out / "pt" / "manifest.json").exists() and (out / "pt.zip").exists()  # the fake runner packs pt


def test_a_wav2lip_checkpoint_in_a_job_file_is_checked_when_the_job_is_read(capsys, course, monkeypatch, tmp_path):
    """fresh4 finding 6: a missing `renderer_options.checkpoint` ran to the renders, then failed
    with a relative path and "pass --checkpoint PATH", an option no job file has."""
    folder, common = course
    monkeypatch.setenv("POLYDUB_MODELS", str(tmp_path / "models-store"))  # an empty model store
    monkeypatch.chdir(tmp_path)  # run from elsewhere: the path is the job folder's
    job = folder / "job.yaml"
    base = "text: Clean the nozzle.\nlanguages: [pt]\npresenters: [ana.mp4]\nrenderer: wav2lip\n"
    job.write_text(base + "renderer_options: {checkpoint: models/wav2lip_gan.pth}\n")
    assert main(["-q", "run", str(job), *common]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("polydub: error: renderer_options.checkpoint: no such file "
                          f"{folder / 'models' / 'wav2lip_gan.pth'} "), err
    assert "--checkpoint" not in err and len(err.splitlines()) == 1

    job.write_text(base)  # no checkpoint, none in the model store
    assert main(["-q", "run", str(job), *common]) == 1
    err = capsys.readouterr().err.strip()
    assert "renderer_options: {checkpoint: PATH} in job.yaml" in err and "--checkpoint" not in err, err
    assert str(tmp_path / "models-store" / "wav2lip" / "wav2lip_gan.pth") in err

    from pipeline.jobs.spec import JobSpec

    (folder / "models").mkdir()
    (folder / "models" / "wav2lip_gan.pth").write_bytes(b"weights")
    job.write_text(base + "renderer_options: {checkpoint: models/wav2lip_gan.pth}\n")
    spec = JobSpec.from_yaml(job)  # read from the job file's folder, wherever the command runs
    assert spec.renderer_options["checkpoint"] == str(folder / "models" / "wav2lip_gan.pth")


def test_an_unknown_job_field_lists_the_fields_a_job_file_takes(capsys, course):
    """fresh4 finding 7: the list left out text_file and transcript_file (documented, working)
    and offered analyse_only and preview (set by commands and uploads)."""
    folder, common = course
    job = folder / "job.yaml"
    job.write_text("text: Clean the nozzle.\nlanguages: [pt]\npresenters: [ana.mp4]\nlanguage: pt\n")
    assert main(["-q", "run", str(job), *common]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("polydub: error: unknown job field(s) language; known: "), err
    known = err.split("known: ", 1)[1].split(", ")
    assert "text_file" in known and "transcript_file" in known and "languages" in known
    assert "analyse_only" not in known and "preview" not in known
