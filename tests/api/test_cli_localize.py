"""`polydub localize` on the job graph, with the fake step runner (no model loads): packs copied
to --out, a re-run resumes and reuses, a killed run resumes, partial batches and their exit
status, the review gate. The real steps' options are in tests/api/test_cli_options.py."""

from __future__ import annotations

import json
import socket
import subprocess
from collections import Counter

import pytest
from tests.helpers.runners import runs
from tests.helpers.service import FAKE_RUNNER, NOZZLE_SCRIPT

from api.cli import main
from pipeline.jobs.plan import presenter_label
from pipeline.jobs.store import JobStore


def localize(cli_env, cli_videos, *extra, langs="pt,es"):
    quiet = ["-q"] if "-q" in extra else []
    extra = tuple(x for x in extra if x != "-q")
    return main([*quiet, "localize", "--text", str(cli_env / "script.md"), "--lang", langs, "--presenter",
                 *map(str, cli_videos), "--out", str(cli_env / "out"), "--runner", FAKE_RUNNER, *extra])


def ran(cli_env, before: int) -> Counter:
    return Counter(kind for kind, _ in runs(cli_env)[before:])


def test_packs_land_in_out_and_a_rerun_reuses_everything(cli_env, cli_videos, capsys):
    assert localize(cli_env, cli_videos) == 0
    first = capsys.readouterr()
    assert ran(cli_env, 0) == {"analyse": 2, "source": 1, "translate": 2, "speak": 2, "render": 4, "pack": 2}
    for lang in ("pt", "es"):
        folder = cli_env / "out" / lang
        assert sorted(p.name for p in (folder / "videos").iterdir()) == ["ana0.mp4", "ana1.mp4"]
        assert (folder / "manifest.json").exists() and (cli_env / "out" / f"{lang}.zip").exists()
        assert f"{lang}: 2 video(s) in {folder}" in first.out
    assert "render:pt:" in first.err and "(reused)" not in first.err

    before = len(runs(cli_env))
    assert localize(cli_env, cli_videos) == 0
    again = capsys.readouterr()
    assert ran(cli_env, before) == {}
    assert "(resumed)" in again.err and "pack:es done (reused)" in again.err
    # steps finished before are listed without the job's percentage, not each at the same one (fresh3 finding 19)
    reused = [line for line in again.err.splitlines() if line.endswith("done (reused)")]
    assert len(reused) >= 12 and all(line.startswith(" " * 9) for line in reused), reused
    # the command's jobs are in the data folder `polydub gc` cleans
    assert main(["gc", "--dry-run"]) == 0
    assert "would remove 0 job(s)" in capsys.readouterr().out


def test_a_killed_run_resumes_without_redoing_finished_steps(cli_env, cli_videos, capsys):
    assert localize(cli_env, cli_videos, langs="pt") == 0
    capsys.readouterr()
    # As a kill leaves it: a render still `running` under an inline worker whose process is gone.
    dead = subprocess.Popen(["true"])
    dead.wait()
    store = JobStore(cli_env / "data" / "jobs.sqlite")
    job = store.jobs()[0][0]["id"]
    render = next(t["name"] for t in store.tasks(job) if t["kind"] == "render")
    store._db().execute("UPDATE tasks SET state='running', worker=? WHERE job_id=? AND name=?",
                        (f"inline:{socket.gethostname()}:{dead.pid}", job, render))
    store._db().execute("UPDATE tasks SET state='queued' WHERE job_id=? AND name='pack:pt'", (job,))
    store.refresh_job(job)
    before = len(runs(cli_env))
    assert localize(cli_env, cli_videos, langs="pt") == 0
    err = capsys.readouterr().err
    # the interrupted render runs again (its artifact existed, so it is reused), nothing else is redone
    assert ran(cli_env, before) == {}
    assert f"{render} done (reused)" in err and "analyse:" in err
    assert store.job(job)["state"] == "done"


def test_one_failed_presenter_still_packs_the_rest(cli_env, cli_videos, capsys):
    bad = presenter_label(_key(cli_videos[1]))
    (cli_env / f"fail-{bad}").touch()
    # packs made, renders failed: 3, never a count that reads as "nothing made" (1) or "wrong option" (2)
    assert localize(cli_env, cli_videos, "-q") == 3  # one failed render per language
    out, err = capsys.readouterr()
    for lang in ("pt", "es"):
        manifest = json.loads((cli_env / "out" / lang / "manifest.json").read_text())
        assert [f["presenter"] for f in manifest["failures"]] == ["ana1"]
        assert [p.name for p in (cli_env / "out" / lang / "videos").iterdir()] == ["ana0.mp4"]
    assert f"polydub: error: ana1 (pt): ana1.mp4: no face found" in err
    assert "2 task(s) failed" in err

    # fixed: the same command retries only the failed renders and rebuilds the packs
    (cli_env / f"fail-{bad}").unlink()
    before = len(runs(cli_env))
    assert localize(cli_env, cli_videos, "-q") == 0
    assert ran(cli_env, before) == {"render": 2, "pack": 2}
    assert len(list((cli_env / "out" / "pt" / "videos").iterdir())) == 2


def test_every_presenter_failing_is_one_error_and_no_pack(cli_env, cli_videos, capsys):
    bad = presenter_label(_key(cli_videos[0]))
    (cli_env / f"fail-{bad}").touch()
    assert localize(cli_env, cli_videos[:1], "-q", langs="pt") == 1
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("polydub: error:") and "no face found" in lines[0]
    assert not (cli_env / "out").exists()


def test_review_stops_after_translation_and_the_same_command_goes_on(cli_env, cli_videos, capsys):
    assert localize(cli_env, cli_videos[:1], "-q", "--review", langs="pt") == 0
    out = capsys.readouterr().out
    assert "waits for review of pt" in out and not (cli_env / "out").exists()
    job = out.split()[1]
    common = ["--runner", FAKE_RUNNER]
    assert main(["review", job, "--lang", "pt", *common]) == 0
    assert "[pt] Clean the nozzle." in capsys.readouterr().out
    assert main(["review", job, "--lang", "pt", "--edit", "s1=Limpe o bico.", "--approve", *common]) == 0
    capsys.readouterr()
    before = len(runs(cli_env))
    assert localize(cli_env, cli_videos[:1], "-q", "--review", langs="pt") == 0
    assert ran(cli_env, before) == {"speak": 1, "render": 1, "pack": 1}
    assert "Limpe o bico." in (cli_env / "out" / "pt" / "subtitles.srt").read_text()


def test_the_same_command_with_another_executor_gives_the_same_packs(cli_env, cli_videos, capsys):
    assert localize(cli_env, cli_videos[:1], "-q", "--executor", "local", langs="pt") == 0
    assert ran(cli_env, 0)["render"] == 1
    local_manifest = (cli_env / "out" / "pt" / "manifest.json").read_bytes()
    before = len(runs(cli_env))
    assert localize(cli_env, cli_videos[:1], "-q", langs="pt") == 0
    assert ran(cli_env, before) == {}
    assert (cli_env / "out" / "pt" / "manifest.json").read_bytes() == local_manifest


def _key(path) -> str:
    from pipeline.models.files import sha256_file

    return sha256_file(path)


def test_a_job_file_runs_inline_too(cli_env, cli_videos, capsys):
    job = cli_env / "job.yaml"
    job.write_text(f"text_file: script.md\nlanguages: [pt]\npresenters: [{cli_videos[0]}]\n"
                   "glossary: {keep: [nozzle]}\n")
    assert main(["run", str(job), "--executor", "inline", "--runner", FAKE_RUNNER, "--out", str(cli_env / "zips")]) == 0
    assert (cli_env / "zips" / "pt.zip").exists()
    assert ran(cli_env, 0)["pack"] == 1


def test_decode_options_reach_the_presenter_tasks(cli_env, cli_videos, capsys):
    assert localize(cli_env, cli_videos[:1], "--accept-truncated", "--background", "#808080", langs="pt") == 0
    store = JobStore(cli_env / "data" / "jobs.sqlite")
    job = store.jobs()[0][0]["id"]
    decode = {t["kind"]: t["params"].get("decode") for t in store.tasks(job)}
    assert decode["analyse"] == decode["render"] == {"accept_truncated": True, "background": "#808080"}
    assert localize(cli_env, cli_videos[:1], "--background", "not-a-colour", langs="pt") == 1
    assert "background: 'not-a-colour' is not a colour" in capsys.readouterr().err


def test_voice_per_language_and_per_presenter(cli_env, cli_videos, capsys):
    from api.cli.localize import parse_voices
    from pipeline.errors import InputError

    assert parse_voices(["pt=kokoro:jm_kumo", "ana0.mp4:pt=kokoro:jf_alpha", "ana1:es=female"]) == {
        "pt": "kokoro:jm_kumo", "ana0.mp4": {"pt": "kokoro:jf_alpha"}, "ana1": {"es": "female"}}
    for bad in ("pt", "=kokoro:jm_kumo", ":pt=kokoro:jm_kumo", "ana0.mp4:pt="):
        with pytest.raises(InputError, match="PRESENTER:LANG=VOICE"):
            parse_voices([bad])

    assert localize(cli_env, cli_videos, "--voice", "ana0.mp4:pt=kokoro:jf_nezumi", "--voice", "pt=kokoro:jm_kumo") == 0
    # pt: two voices, two speech tasks; es: both presenters get the same chosen voice, one task
    assert ran(cli_env, 0)["speak"] == 3
    (job,) = JobStore(cli_env / "data" / "jobs.sqlite").jobs()[0]
    tasks = JobStore(cli_env / "data" / "jobs.sqlite").tasks(job["id"])
    speak = sorted(t["name"] for t in tasks if t["kind"] == "speak")
    assert [n for n in speak if n.startswith("speak:pt:")] == ["speak:pt:kokoro:jf_nezumi", "speak:pt:kokoro:jm_kumo"]
    capsys.readouterr()

    assert localize(cli_env, cli_videos, "--voice", "ana1.mp4:pt=kokoro:nobody") == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "kokoro:nobody" in err[0] and "kokoro:jf_alpha" in err[0]


def test_sentences_to_check_are_listed_after_their_language_with_what_to_do(cli_env, cli_videos, capsys):
    """A lost £ was only a log warning (naming "s1") glued to a progress bar; the end of the job
    said nothing of it."""
    (cli_env / "script.md").write_text("Set it to 6 bar and pay £5. Wear gloves.\n", encoding="utf-8")
    assert localize(cli_env, cli_videos[:1], "-q", langs="pt,es") == 0
    out = capsys.readouterr().out.splitlines()
    for lang in ("pt", "es"):
        at = out.index(f"{lang}: 1 sentence(s) to check:")
        assert out[at - 1].startswith(f"{lang}: 1 video(s) in ")
        assert out[at + 1] == (f'  s0 "Set it to 6 bar and pay £5." -> "[{lang}] Set it to 6 bar and pay 5.": '
                               "the currency sign £ is missing from the translation")
        assert f"--lang {lang}" in out[at + 2] and "--edit ID=TEXT" in out[at + 2] and "glossary" in out[at + 2]
    # control: nothing to check, nothing said
    (cli_env / "script.md").write_text(NOZZLE_SCRIPT, encoding="utf-8")
    assert localize(cli_env, cli_videos[:1], "-q", langs="pt") == 0
    assert "to check" not in capsys.readouterr().out


def test_review_shows_each_flagged_sentences_checks_and_a_correcting_edit_clears_them(cli_env, cli_videos, capsys):
    (cli_env / "script.md").write_text("Set it to 6 bar and pay £5. Wear gloves.\n", encoding="utf-8")
    assert localize(cli_env, cli_videos[:1], "-q", "--review", langs="pt") == 0
    out = capsys.readouterr().out
    assert "1 sentence(s) to check (s0)" in out
    job = out.split()[1]
    common = ["--runner", FAKE_RUNNER]
    assert main(["review", job, "--lang", "pt", *common]) == 0
    shown = capsys.readouterr()
    lines = shown.out.splitlines()
    at = lines.index("s0\tSet it to 6 bar and pay £5.")
    assert lines[at + 2] == "\tcheck: the currency sign £ is missing from the translation (currency-changed:£)"
    assert lines[at + 3] == "s1\tWear gloves."  # no check line for a sentence with none
    assert "1 sentence(s) to check (s0)" in shown.err
    assert main(["review", job, "--lang", "pt", "--edit", "s0=Ajuste para 6 bar e pague £5.", *common]) == 0
    assert capsys.readouterr().err == "saved; to redo: nothing\n"  # waiting for review: nothing voiced yet
    assert main(["review", job, "--lang", "pt", *common]) == 0
    shown = capsys.readouterr()
    # the edit keeps the £: checked again, nothing left to check
    assert "check:" not in shown.out and "to check" not in shown.err


def test_an_edit_after_the_job_ran_says_what_is_redone_in_words_and_how(cli_env, cli_videos, capsys):
    (cli_env / "script.md").write_text("Wear gloves.\n", encoding="utf-8")
    assert localize(cli_env, cli_videos[:1], "-q", langs="pt") == 0
    capsys.readouterr()
    job = JobStore(cli_env / "data" / "jobs.sqlite").jobs()[0][0]["id"]
    assert main(["review", job, "--lang", "pt", "--edit", "s0=Use luvas.", "--runner", FAKE_RUNNER]) == 0
    said = capsys.readouterr().err
    assert said.startswith("saved; to redo: ") and "Portuguese" in said and "run the job's command again" in said
    assert "speak:" not in said and "render:" not in said  # the tasks in words, not their keys


def test_two_tags_of_one_language_are_refused_before_any_work(cli_env, cli_videos, capsys):
    """fresh3 finding 2: `--lang pt,pt-BR` (and a job file's [pt, pt-BR]) ran twice into one folder."""
    assert localize(cli_env, cli_videos[:1], "-q", langs="pt,pt-BR") == 1
    assert capsys.readouterr().err.strip() == ("polydub: error: languages: pt and pt-BR are both Portuguese "
                                               "(Brazil): list it once")
    job = cli_env / "dup.yaml"
    job.write_text(f"text_file: script.md\nlanguages: [pt, pt-BR]\npresenters: [{cli_videos[0]}]\n")
    assert main(["-q", "run", str(job), "--executor", "inline", "--runner", FAKE_RUNNER]) == 1
    assert "pt and pt-BR are both Portuguese (Brazil): list it once" in capsys.readouterr().err
    assert runs(cli_env) == []


def test_ctrl_c_says_the_same_command_resumes(cli_env, cli_videos, capsys, monkeypatch):
    """fresh3 finding 3: Ctrl-C said only "polydub: interrupted"."""
    import api.cli.localize

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(api.cli.localize, "run_spec", interrupted)
    assert localize(cli_env, cli_videos[:1], "-q") == 130
    assert capsys.readouterr().err.strip() == ("polydub: interrupted; run the same command again to resume "
                                               "(finished steps are kept)")
    import api.cli.gc

    monkeypatch.setattr(api.cli.gc, "run", interrupted)  # a command that keeps no steps says nothing of resuming
    assert main(["gc"]) == 130
    assert capsys.readouterr().err.strip() == "polydub: interrupted"


def test_a_job_file_without_out_lands_where_a_user_finds_it_as_localize_lays_it_out(cli_env, cli_videos, capsys,
                                                                                     monkeypatch):
    """fresh3 finding 13: `polydub run job.yaml` without --out printed packs inside the store
    (.../artifacts/objects/ec/.../pack.zip)."""
    job = cli_env / "job.yaml"
    job.write_text(f"text_file: script.md\nlanguages: [pt]\npresenters: [{cli_videos[0]}]\n")
    work = cli_env / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    assert main(["-q", "run", str(job), "--executor", "inline", "--runner", FAKE_RUNNER]) == 0
    out = capsys.readouterr().out
    folder = work / "polydub-out" / "job" / "pt"
    assert sorted(p.name for p in (folder / "videos").iterdir()) == ["ana0.mp4"]
    assert (folder / "manifest.json").exists() and (folder.parent / "pt.zip").exists()
    assert "pt: 1 video(s) in polydub-out/job/pt" in out and "artifacts" not in out


def test_one_failed_render_exits_apart_from_nothing_made(cli_env, cli_videos, capsys):
    """fresh3 finding 20: one failed render exited 1, as a batch that made nothing does."""
    (cli_env / f"fail-{presenter_label(_key(cli_videos[1]))}").touch()
    assert localize(cli_env, cli_videos, "-q", langs="pt") == 3
    assert (cli_env / "out" / "pt" / "videos" / "ana0.mp4").exists()
    assert localize(cli_env, cli_videos[1:], "-q", langs="es") == 1  # nothing made: the one error line
    assert "--help" not in capsys.readouterr().err


def test_help_states_every_exit_status(capsys):
    for command in ("localize", "lipsync", "run"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        text = " ".join(capsys.readouterr().out.split())
        assert "3 when language packs were made but some renders failed" in text, command
        assert "1 with one error line when nothing was made" in text and "130 when interrupted" in text


def test_tasks_another_process_took_are_waited_for_and_the_packs_copied(cli_env, cli_videos, capsys, monkeypatch):
    """fresh4 finding 2: with `polydub serve` on the same data folder, its workers took the
    command's tasks and localize ended "made no language pack: running", exit 1, while the
    service finished the pack. Here a live process's worker holds the source task; the "service"
    runs the job while the command waits."""
    import socket

    import api.cli.jobrun
    from api.cli import build_parser
    from api.cli.localize import build_spec
    from pipeline.jobs.executor import Scheduler
    from pipeline.jobs.inline import InlineExecutor
    from pipeline.jobs.wiring import ServiceConfig, open_service, runner_factory

    argv = ["localize", "--text", str(cli_env / "script.md"), "--lang", "pt", "--presenter", str(cli_videos[0]),
            "--out", str(cli_env / "out"), "--runner", FAKE_RUNNER]
    config = ServiceConfig(data_dir=cli_env / "data", executor="inline", runner=FAKE_RUNNER, allow_paths=True)
    service = open_service(config)
    job, _ = service.submit_or_resume(build_spec(build_parser().parse_args(argv)))
    runner = runner_factory(config)()
    scheduler = Scheduler(service.store, service.artifacts, runner.versions())
    (source,) = [c for c in scheduler.ready_calls() if c.task == "source"]
    other = f"local:{socket.gethostname()}:1:w0"  # pid 1 lives: never judged a dead process's
    assert scheduler.claim(source, other)
    waits = []

    def the_service_works(seconds):  # instead of waiting: the other process finishes the job
        waits.append(seconds)
        service.store.requeue_tasks(job, [other])
        InlineExecutor(service.store, service.artifacts, runner_factory(config)).run()

    monkeypatch.setattr(api.cli.jobrun, "sleep", the_service_works)
    assert main(["-q", *argv]) == 0
    out, err = capsys.readouterr()
    assert f"job {job}: 1 task(s) taken by another process on this data folder ({other}; a polydub serve?); " \
           "waiting for them" in err, err
    assert len(waits) == 1 and (cli_env / "out" / "pt" / "manifest.json").exists() and "pt: 1 video(s)" in out
