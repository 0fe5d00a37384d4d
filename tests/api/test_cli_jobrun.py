"""What `api.cli.jobrun` says after a run: what decoding did to each presenter, once."""

from __future__ import annotations

import json
from pathlib import Path

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


def test_a_lipsync_without_a_language_labels_its_tasks_with_the_language_heard(tmp_path, monkeypatch, capsys):
    from api.cli import main
    from api.cli.jobrun import labeller
    from pipeline.models.files import sha256_file as file_digest
    from pipeline.jobs.plan import presenter_label
    from pipeline.jobs.wiring import ServiceConfig, open_service
    from tests.helpers.service import FAKE_RUNNER
    from tests.helpers.media import flat_videos
    from tests.helpers.media import write_wav

    monkeypatch.setenv("POLYDUB_FAKE_DIR", str(tmp_path))
    monkeypatch.setenv("POLYDUB_MIN_FREE_GB", "0")
    video, failing = flat_videos(tmp_path, 2, name="ana{k}.mp4")
    (tmp_path / f"fail-{presenter_label(file_digest(failing))}").touch()  # the fake runner fails its render
    narration = write_wav(tmp_path / "talk.wav")
    assert main(["-q", "lipsync", "--audio", str(narration), "--presenter", str(video), str(failing),
                 "--out", str(tmp_path / "out"), "--data-dir", str(tmp_path / "data"), "--runner", FAKE_RUNNER]) == 3  # a pack made
    assert "polydub: error: ana1 (en): " in capsys.readouterr().err  # not "(und)"
    service = open_service(ServiceConfig(data_dir=tmp_path / "data", runner=FAKE_RUNNER), with_executor=False)
    job_id = service.store.jobs()[0][0]["id"]
    rows = {t["kind"]: t["label"] for t in service.snapshot(job_id)["tasks"] if t["state"] == "done"}
    assert rows["narrate"] == "Timing the English narration" and rows["pack"] == "Packing English"
    assert rows["render"] == "Rendering ana0 — English" and "und" not in " ".join(rows.values())
    label = labeller(service, job_id)  # the progress bars' labels
    assert label("narrate:und") == "Timing the English narration"  # timed (here: reused), so known
    render = next(t["name"] for t in service.store.tasks(job_id) if t["kind"] == "render" and t["state"] == "done")
    assert render.startswith("render:und:") and label(render) == "Rendering ana0 — English"


def test_log_lines_name_the_users_file_not_the_stores_copy(tmp_path):
    import io
    import logging

    from api.cli.jobrun import store_paths_hidden

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    stored = tmp_path / "data" / "artifacts" / "objects" / "97" / ("97e6" * 16) / "cut.wav"
    try:
        with store_paths_hidden(tmp_path / "data"):
            logging.getLogger("lipsync.tracks").warning("%s: the audio is cut off (accepted)", stored)
        logging.getLogger("lipsync.tracks").warning("%s: after the run", stored)  # the filter is gone
    finally:
        root.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert lines == ["cut.wav: the audio is cut off (accepted)", f"{stored}: after the run"]


class _Bars:
    """Records the progress bars a run opens and closes, and its lines."""

    def __init__(self, enabled: bool = True):
        self.opened, self.finished, self.lines = [], [], []

    def __call__(self, task, done, total):
        if task not in self.opened:
            self.opened.append(task)

    def finish(self, task, *, failed=False):
        self.finished.append(task)

    def write(self, line):
        self.lines.append(line)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass


def test_every_bar_is_closed_by_the_name_it_was_opened_with(tmp_path, monkeypatch):
    """The bars were opened as "Translating into pt" and closed as "... Portuguese", so they
    were left hanging; a detected narration's lines say its language too."""
    import api.cli.jobrun as jobrun
    from api.cli import main
    from tests.helpers.service import FAKE_RUNNER
    from tests.helpers.media import flat_videos
    from tests.helpers.media import write_wav

    monkeypatch.setenv("POLYDUB_FAKE_DIR", str(tmp_path))
    monkeypatch.setenv("POLYDUB_MIN_FREE_GB", "0")
    runs = []
    monkeypatch.setattr(jobrun, "ProgressBars", lambda enabled=True: runs.append(_Bars()) or runs[-1])
    video = flat_videos(tmp_path, 1, name="ana.mp4")[0]
    (tmp_path / "script.md").write_text("Clean the nozzle.\n", encoding="utf-8")
    common = ["--presenter", str(video), "--data-dir", str(tmp_path / "data"), "--runner", FAKE_RUNNER]
    assert main(["localize", "--text", str(tmp_path / "script.md"), "--lang", "pt", "--out", str(tmp_path / "o1"),
                 *common]) == 0
    assert main(["lipsync", "--audio", str(write_wav(tmp_path / "talk.wav")), "--out", str(tmp_path / "o2"),
                 *common]) == 0
    localize, lipsync = runs
    # it was opened as "Rendering ana — pt" and closed as "Rendering ana — Portuguese"
    assert "Rendering ana — Portuguese" in localize.opened
    for run in runs:
        assert run.opened and set(run.opened) <= set(run.finished), (run.opened, run.finished)
    # before: "narrate:und (Timing the English narration) done"; the language heard instead of `und`
    assert any(" render:en:" in line and line.endswith(" done") for line in lipsync.lines), lipsync.lines
    assert any(line.endswith(" pack:en done") for line in lipsync.lines)
    assert any(line.endswith(" narrate:en done") for line in lipsync.lines)
    assert not any("und" in line for line in lipsync.lines), lipsync.lines
    assert not any("und" in line for line in localize.lines)


def test_two_commands_copying_one_pack_file_at_once_each_land_whole(tmp_path, monkeypatch):
    """Two `polydub localize` runs of one job into the same --out copy the same files: the first
    copy is held half-way while the second runs whole; a shared temporary name would have the
    second's copy renamed away under the first (FileNotFoundError) or a mixed file."""
    import shutil
    import threading

    from api.cli import jobrun
    from tests.helpers.waiting import held_in_background

    big, small = tmp_path / "big.mp4", tmp_path / "small.mp4"
    big.write_bytes(b"a" * 200_000)
    small.write_bytes(b"b" * 1_000)
    dest = tmp_path / "out" / "pt" / "videos" / "ana.mp4"
    halfway, second_done = threading.Event(), threading.Event()
    real = shutil.copyfile

    def slow_copy(src, dst):
        if Path(src) != big:
            return real(src, dst)
        data = Path(src).read_bytes()
        with open(dst, "wb") as out:
            out.write(data[: len(data) // 2])
            out.flush()
            halfway.set()
            second_done.wait(10)
            out.write(data[len(data) // 2:])
        return dst

    monkeypatch.setattr(shutil, "copyfile", slow_copy)
    with held_in_background(lambda: jobrun._copy(big, dest), halfway, second_done):
        jobrun._copy(small, dest)
        assert dest.read_bytes() == small.read_bytes()  # a reader sees a whole file meanwhile
    assert dest.read_bytes() == big.read_bytes()
    assert sorted(p.name for p in dest.parent.iterdir()) == ["ana.mp4"]


def test_a_failed_narration_is_said_once_not_again_by_each_task_that_needed_it(tmp_path, monkeypatch, capsys):
    """The narrate task's refusal was copied to the render and the pack that need it, and the
    one-line error said it three times ("...; ...; ...")."""
    from api.cli import main
    from tests.helpers.media import flat_videos, write_wav
    from tests.helpers.service import FAKE_RUNNER

    monkeypatch.setenv("POLYDUB_FAKE_DIR", str(tmp_path))
    monkeypatch.setenv("POLYDUB_MIN_FREE_GB", "0")
    (tmp_path / "fail-narrate").touch()
    videos = flat_videos(tmp_path, 2, name="ana{k}.mp4")
    status = main(["-q", "lipsync", "--audio", str(write_wav(tmp_path / "talk.wav")), "--presenter", *map(str, videos),
                   "--out", str(tmp_path / "out"), "--data-dir", str(tmp_path / "data"), "--runner", FAKE_RUNNER])
    err = capsys.readouterr().err
    assert status == 1
    assert err.count("does not match the recording") == 1, err
    assert err.strip() == "polydub: error: the transcript does not match the recording (simulated)"


def test_the_check_advice_names_the_language_as_review_takes_it(capsys):
    """The pack says pt-BR, but `polydub review JOB --lang pt-BR` finds no translation: the job's tag is pt."""
    from api.cli.jobrun import _say_checks

    flagged = [{"id": "s1", "source": "Pay £5.", "text": "Pague 5 euros.", "flags": ["currency-changed:£"],
                "words": ["the currency sign £ is missing from the translation"]}]
    _say_checks("j1", flagged, "pt-BR", "pt")
    _say_checks("j1", [], "es", "es")  # nothing to check: nothing said
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == ["pt-BR: 1 sentence(s) to check:",
                       '  s1 "Pay £5." -> "Pague 5 euros.": the currency sign £ is missing from the translation']
    assert "`polydub review j1 --lang pt`" in out[2] and len(out) == 3


def test_a_narration_not_heard_yet_is_named_in_words_not_und(tmp_path):
    """Before: "narrate:und running" while the language was still to be detected."""
    from api.cli.jobrun import shown_name
    from pipeline.jobs import JobSpec
    from tests.helpers.jobs import Harness
    from tests.helpers.media import flat_videos, write_wav

    h = Harness(tmp_path)
    video = flat_videos(tmp_path, 1)[0]
    job = h.service.submit(JobSpec.from_dict({"narrations": {"und": str(write_wav(tmp_path / "talk.wav"))},
                                              "presenters": [str(video)]}))
    assert shown_name(h.service, job, "narrate:und") == "narrate (language detected from the recording)"
    render = next(t["name"] for t in h.store.tasks(job) if t["kind"] == "render")
    assert shown_name(h.service, job, render) == f"render:{render.split(':')[2]} (language detected from the recording)"
    h.run()
    assert shown_name(h.service, job, "narrate:und") == "narrate:en"  # the fake runner hears "en"
    assert shown_name(h.service, job, "analyse:abc") == "analyse:abc"


def test_polydub_runs_lines_name_a_detected_narration_by_the_language_heard(tmp_path, capsys):
    """`polydub run` of a job file with narrations {und: ...} printed "narrate:und done"."""
    from api.cli.run import watch
    from pipeline.jobs import JobSpec
    from tests.helpers.jobs import Harness
    from tests.helpers.media import flat_videos, write_wav

    h = Harness(tmp_path)
    job = h.service.submit(JobSpec.from_dict({"narrations": {"und": str(write_wav(tmp_path / "talk.wav"))},
                                              "presenters": [str(flat_videos(tmp_path, 1)[0])]}))
    h.run()
    assert watch(h.service, job) == "done"
    err = capsys.readouterr().err
    assert "narrate:en done" in err and "pack:en done" in err and "und" not in err, err


class _Voices:
    """PresenterVoices stand-in: every video speaks (a profile with an embedding)."""

    def __init__(self):
        self.profiled = []

    def profile(self, path, key):
        from types import SimpleNamespace

        self.profiled.append(Path(path).name)
        return SimpleNamespace(embedding=[0.1])

    def samples(self):
        return None


def test_voice_samples_made_before_a_job_show_a_bar_with_count_and_time_left(tmp_path, monkeypatch, capsys):
    """fresh3 finding 4: the first localize with video presenters printed nothing for over a
    minute while 16 voice samples were made."""
    from types import SimpleNamespace

    import pipeline.voicing_samples
    from api.cli.jobrun import prepare_voice_samples
    from pipeline.jobs.spec import JobSpec

    warmed = []

    def fake_warm(voices, languages, *, progress):
        warmed.append(list(languages))
        for done in range(1, 4):
            progress(done, 3, f"voice{done} (pt-BR)")

    monkeypatch.setattr(pipeline.voicing_samples, "warm_samples", fake_warm)
    to_make = [3]
    monkeypatch.setattr(pipeline.voicing_samples, "samples_to_make", lambda voices, languages: to_make[0])
    video, photo = tmp_path / "ana.mp4", tmp_path / "bo.png"
    video.write_bytes(b"v")
    photo.write_bytes(b"p")
    service = SimpleNamespace(voices=_Voices())
    prepare_voice_samples(service, JobSpec(languages=("pt", "es"), presenters=(str(video), str(photo)), text="Hi."))
    err = capsys.readouterr().err
    assert warmed == [["pt-BR", "es"]] and service.voices.profiled == ["ana.mp4"]
    assert "preparing voice samples" in err and "3/3" in err and "sample" in err
    assert err.count("3/3") == 1, err  # the full bar is drawn once

    # nothing to prepare: photos only, every voice given, or quiet (no bar, samples still made)
    prepare_voice_samples(service, JobSpec(languages=("pt",), presenters=(str(photo),), text="Hi."))
    prepare_voice_samples(service, JobSpec(languages=("pt",), presenters=(str(video),), text="Hi.",
                                           voices={"pt": "kokoro:pf_dora"}))
    assert len(warmed) == 1 and capsys.readouterr().err == ""
    prepare_voice_samples(service, JobSpec(languages=("es",), presenters=(str(video),), text="Hi."), quiet=True)
    assert warmed[-1] == ["es"] and capsys.readouterr().err == ""
    # fresh4 finding 11: the bar was shown when every sample was already made
    to_make[0] = 0
    prepare_voice_samples(service, JobSpec(languages=("pt",), presenters=(str(video),), text="Hi."))
    assert len(warmed) == 2 and capsys.readouterr().err == ""


def test_a_percentage_bar_shows_no_rate_and_a_full_bar_is_drawn_once(capsys):
    """fresh3 finding 19: "3106891.85%/s" for a step reused at once; the 100% bar printed twice."""
    from api.cli.progress import ProgressBars

    with ProgressBars() as bars:
        bars("Translating into Portuguese", 0, 100)
        bars("Translating into Portuguese", 100, 100)
        bars("Translating into Portuguese", 100, 100)  # the step's own last report, then the task's end
        bars.finish("Translating into Portuguese")
    err = capsys.readouterr().err
    assert "%/s" not in err and "it/s" not in err
    assert err.count("100/100") == 1, err
