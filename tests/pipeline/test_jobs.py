"""The job layer on cheap steps: spec, plan, artifact cache, store, scheduler (inline)."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter

import pytest

from pipeline.errors import DiskFullError, InputError, JobError
from pipeline.jobs import ArtifactStore, JobSpec, JobStore, plan
from pipeline.jobs.artifacts import safe_arcname, safe_name
from pipeline.jobs.plan import check_graph, presenter_label
from tests.helpers.jobs import Harness

TEXT = "# Nozzle\n\nClean the nozzle. Wear gloves.\n\nDry it with a cloth."


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    """Three tiny, different presenter videos."""
    from tests.helpers.media import flat_videos

    return flat_videos(tmp_path_factory.mktemp("videos"), 3)


@pytest.fixture
def h(tmp_path):
    return Harness(tmp_path)


def spec(videos, languages=("pt",), n=2, **kw) -> JobSpec:
    return JobSpec.from_dict({"text": TEXT, "languages": list(languages),
                              "presenters": [str(v) for v in videos[:n]], **kw})


def test_plan_shares_analysis_and_speech(videos):
    s = spec(videos, ("pt", "es", "de"), n=3)
    s = JobSpec.from_dict({**s.to_dict(), "presenters": ["a" * 64, "b" * 64, "c" * 64]})
    tasks = plan(s)
    check_graph(tasks)
    kinds = Counter(t.kind for t in tasks)
    assert kinds == {"analyse": 3, "source": 1, "translate": 3, "speak": 3, "render": 9, "pack": 3}
    render = next(t for t in tasks if t.name == f"render:es:{presenter_label('b' * 64)}")
    assert render.deps == {"speech": "speak:es", "analysis": f"analyse:{presenter_label('b' * 64)}"}


@pytest.mark.parametrize("data, message", [
    ({"languages": ["pt"], "presenters": ["x"]}, "exactly one source"),
    ({"text": "Hi.", "languages": ["pt"], "presenters": ["x"], "colour": 1}, "unknown job field"),
    ({"text": "Hi.", "languages": ["p t"], "presenters": ["x"]}, "BCP-47"),
    ({"text": "Hi.", "languages": ["pt"], "presenters": []}, "at least one presenter"),
    ({"text": "Hi.", "languages": ["pt"], "presenters": ["x"], "renderer": "magic"}, "unknown renderer"),
])
def test_spec_errors_name_the_field(data, message):
    with pytest.raises(JobError, match=message):
        JobSpec.from_dict(data)


def test_spec_from_yaml_resolves_relative_files(tmp_path, videos):
    (tmp_path / "script.md").write_text(TEXT)
    job = tmp_path / "job.yaml"
    job.write_text(f"text_file: script.md\nlanguages: pt, es\npresenters: [{videos[0]}]\nreview: true\n")
    s = JobSpec.from_yaml(job)
    assert s.text == TEXT and s.languages == ("pt", "es") and s.review
    assert s.as_preview().languages == ("pt",) and s.as_preview().preview.height == 240


def test_artifact_names_cannot_escape(tmp_path):
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("..") == "file"
    assert safe_name("a\\b:c.mp4") == "b_c.mp4"
    with pytest.raises(JobError):
        safe_arcname("pt/../../x")
    assert safe_arcname("pt/videos/a.mp4") == "pt/videos/a.mp4"
    store = ArtifactStore(tmp_path)
    f = tmp_path / "x.bin"
    f.write_bytes(b"same bytes")
    assert store.put_file(f, "../a.bin") == store.put_file(f, "b.bin")
    with pytest.raises(JobError):
        store.path("../../etc")


def test_adding_a_language_or_presenter_reuses_work(h, videos):
    job = h.service.submit(spec(videos, ("pt",), n=2))
    first = h.run()
    assert first == {"analyse": 2, "source": 1, "translate": 1, "speak": 1, "render": 2, "pack": 1}
    assert h.store.job(job)["state"] == "done"

    h.service.extend(job, languages=["es"])
    assert h.run() == {"translate": 1, "speak": 1, "render": 2, "pack": 1}  # nothing of pt is redone

    h.service.extend(job, presenters=[str(videos[2])])
    assert h.run() == {"analyse": 1, "render": 2, "pack": 2}
    assert h.store.job(job)["state"] == "done"

    again = h.service.submit(spec(videos, ("pt", "es"), n=3))
    assert h.run() == {}  # everything is a cache hit
    assert all(t["cached"] for t in h.store.tasks(again))
    assert h.store.job(again)["state"] == "done"


def test_review_gate_and_editing_one_sentence(h, videos):
    job = h.service.submit(spec(videos, ("pt", "es"), n=2, review=True))
    assert h.run() == {"analyse": 2, "source": 1, "translate": 2}
    assert h.store.job(job)["state"] == "waiting-review"
    review = h.service.review(job, "pt")
    assert [s["text"] for s in review["sentences"]][0] == "[pt] Nozzle"

    h.service.approve(job, "pt", "ana")
    assert h.run() == {"speak": 1, "render": 2, "pack": 1}
    assert h.store.job(job)["state"] == "waiting-review"  # es still waits
    h.service.approve(job, "es", "ana")
    h.run()
    assert h.store.job(job)["state"] == "done"

    redo = h.service.edit(job, "pt", {"s1": "Limpe o bico."})
    # the speech task is named by the voice every presenter of this job got in pt (one voice: one task)
    speak_pt = [t["name"] for t in h.store.tasks(job) if t["kind"] == "speak" and t["language"] == "pt"]
    assert len(speak_pt) == 1 and speak_pt[0].startswith("speak:pt:")
    assert redo == sorted([*speak_pt, f"render:pt:{presenter_label(h.store.tasks(job)[0]['inputs']['video'])}",
                           f"render:pt:{presenter_label(h.store.tasks(job)[1]['inputs']['video'])}", "pack:pt"])
    assert h.run() == {"speak": 1, "render": 2, "pack": 1}  # es, analysis and translation untouched
    assert h.service.review(job, "pt")["sentences"][1]["text"] == "Limpe o bico."
    assert h.service.edit(job, "pt", {"s1": "Limpe o bico."}) == []  # no change, nothing redone
    with pytest.raises(InputError, match="no sentence"):
        h.service.edit(job, "pt", {"s99": "x"})


def test_new_engine_version_invalidates_renders(tmp_path, videos):
    h1 = Harness(tmp_path)
    h1.service.submit(spec(videos, ("pt",), n=1))
    h1.run()
    h2 = Harness(tmp_path)
    h2.scheduler.versions["render"] = "render-engine-2"
    h2.service.submit(spec(videos, ("pt",), n=1))
    assert h2.run() == {"render": 1, "pack": 1}


def test_one_failed_render_does_not_stop_the_others_and_retry(h, videos):
    job = h.service.submit(spec(videos, ("pt", "es"), n=2))
    bad = presenter_label(h.store.tasks(job)[1]["inputs"]["video"])
    (h.root / f"fail-{bad}").touch()
    h.run()
    states = {t["name"]: t["state"] for t in h.store.tasks(job)}
    assert states[f"render:pt:{bad}"] == "failed" and states[f"render:es:{bad}"] == "failed"
    assert sum(s == "done" for n, s in states.items() if n.startswith("render")) == 2
    # Each pack is built from the render that succeeded and lists the one that failed.
    assert states["pack:pt"] == "done" and states["pack:es"] == "done"
    manifest = json.loads((h.service.pack_zip(job, "pt").parent / "pack" / "manifest.json").read_text())
    assert [f["presenter"] for f in manifest["failures"]] == [h.store.job(job)["labels"][bad]]
    assert "no face found" in manifest["failures"][0]["error"]
    assert h.store.job(job)["state"] == "failed"
    assert "no face found" in h.store.job(job)["error"]
    # Input errors are not retried automatically: one attempt each.
    assert all(t["attempts"] == 1 for t in h.store.tasks(job) if t["state"] == "failed")

    (h.root / f"fail-{bad}").unlink()
    assert sorted(h.service.retry(job)) == [f"render:es:{bad}", f"render:pt:{bad}"]
    # The retried renders succeed, so the packs that did without them are built again.
    assert h.run() == {"render": 2, "pack": 2}
    assert h.store.job(job)["state"] == "done"


def test_a_failed_analysis_fails_its_renders_and_the_pack_does_without_them(h, videos):
    job = h.service.submit(spec(videos, ("pt",), n=2))
    bad = presenter_label(h.store.tasks(job)[1]["inputs"]["video"])
    (h.root / f"fail-analyse-{bad}").touch()
    h.run()
    states = {t["name"]: t["state"] for t in h.store.tasks(job)}
    # The render that could never start is failed with the analysis's error, not left queued.
    assert states[f"analyse:{bad}"] == "failed" and states[f"render:pt:{bad}"] == "failed"
    error = h.store.task(job, f"analyse:{bad}")["error"]
    assert error.startswith("presenter1.mp4: the face is only 20 px wide")  # the file, not the store's copy
    assert h.store.task(job, f"render:pt:{bad}")["error"] == error
    assert states["pack:pt"] == "done"
    manifest = json.loads((h.service.pack_zip(job, "pt").parent / "pack" / "manifest.json").read_text())
    assert [f["presenter"] for f in manifest["failures"]] == [h.store.job(job)["labels"][bad]]
    assert len(list((h.service.pack_zip(job, "pt").parent / "pack" / "videos").iterdir())) == 1
    assert h.store.job(job)["state"] == "failed"

    (h.root / f"fail-analyse-{bad}").unlink()
    assert sorted(h.service.retry(job)) == [f"analyse:{bad}", f"render:pt:{bad}"]
    h.run()
    assert h.store.job(job)["state"] == "done"


def test_no_pack_when_every_render_failed(h, videos):
    job = h.service.submit(spec(videos, ("pt",), n=1))
    bad = presenter_label(h.store.tasks(job)[0]["inputs"]["video"])
    (h.root / f"fail-{bad}").touch()
    assert h.run() == {"analyse": 1, "source": 1, "translate": 1, "speak": 1, "render": 1}
    pack = h.store.task(job, "pack:pt")
    assert pack["state"] == "failed" and "no presenter could be rendered" in pack["error"]
    assert not h.service.snapshot(job)["outputs"]["packs"]


def test_restart_requeues_running_tasks(tmp_path, videos):
    h = Harness(tmp_path)
    job = h.service.submit(spec(videos, ("pt",), n=1))
    call = next(c for c in h.scheduler.ready_calls() if c.kind == "analyse")
    assert h.scheduler.claim(call, "w1")
    assert h.store.job(job)["state"] == "running"
    # A new process opens the same file: the running task goes back to the queue.
    store2 = JobStore(tmp_path / "jobs.sqlite")
    assert store2.requeue_interrupted() == 1
    assert store2.task(job, call.task)["state"] == "queued"
    with sqlite3.connect(tmp_path / "jobs.sqlite") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_cancel_and_history(h, videos):
    a = h.service.submit(spec(videos, ("pt",), n=1))
    b = h.service.submit(spec(videos, ("es",), n=1))
    h.service.cancel(a)
    h.run()
    assert h.store.job(a)["state"] == "cancelled"
    assert h.store.job(b)["state"] == "done"
    rows, total = h.service.jobs(0, 1)
    assert total == 2 and rows[0]["id"] == b  # newest first
    h.service.delete(a)
    with pytest.raises(JobError, match="no job"):
        h.store.job(a)


def test_disk_threshold_refuses_new_jobs(h, videos):
    h.service.min_free_bytes = 1 << 60
    with pytest.raises(DiskFullError, match="polydub gc"):
        h.service.submit(spec(videos))


def test_gc_keeps_what_jobs_use(h, videos):
    job = h.service.submit(spec(videos, ("pt",), n=1))
    h.run()
    kept = set(h.artifacts.keys())
    assert h.service.gc(grace_s=0)["artifacts"] == 0
    h.service.delete(job)
    assert set(h.artifacts.keys()) < kept
    assert h.service.gc()["artifacts"] == 0  # too recent: an upload may be waiting for its job
    h.service.gc(grace_s=0)
    assert list(h.artifacts.keys()) == []


def test_job_zip_has_a_folder_per_language(h, videos):
    import zipfile

    job = h.service.submit(spec(videos, ("pt", "es"), n=1))
    h.run()
    with zipfile.ZipFile(h.service.job_zip(job)) as zf:
        names = zf.namelist()
    assert "job.json" in names and "pt/subtitles.srt" in names and "es/manifest.json" in names
    assert sum(n.endswith(".mp4") for n in names) == 2


def _write_media(path, video_codec=None, audio_codec=None):
    """A 0.3 s file in any container, written with PyAV."""
    import av
    import numpy as np

    with av.open(str(path), "w") as out:
        vs = as_ = None
        if video_codec:
            vs = out.add_stream(video_codec, rate=10)
            vs.width, vs.height, vs.pix_fmt = 32, 32, "yuv420p"
        if audio_codec:
            as_ = out.add_stream(audio_codec, rate=16000 if audio_codec != "libopus" else 48000)
            as_.layout = "mono"
        if vs:
            for i in range(3):
                frame = av.VideoFrame.from_ndarray(np.full((32, 32, 3), 20 * i, np.uint8), format="rgb24")
                out.mux(vs.encode(frame))
            out.mux(vs.encode())
        if as_:
            rate = as_.rate
            samples = (0.1 * np.sin(np.arange(int(0.3 * rate)) / 5)).astype(np.float32)[None, :]
            frame = av.AudioFrame.from_ndarray(samples, format="flt", layout="mono")
            frame.sample_rate = rate
            for packet in as_.encode(frame):
                out.mux(packet)
            out.mux(as_.encode())
    return path


@pytest.mark.parametrize("name, video, audio, want", [
    ("a.mp4", "libx264", "aac", "video"), ("a.mov", "libx264", None, "video"), ("a.mkv", "libx264", None, "video"),
    ("a.avi", "mpeg4", None, "video"), ("a.webm", "libvpx", None, "video"),
    ("a.wav", None, "pcm_s16le", "audio"), ("a.mp3", None, "mp3", "audio"), ("a.m4a", None, "aac", "audio"),
    ("a.flac", None, "flac", "audio"),
])
def test_seed_formats_are_probed_by_content(h, tmp_path, name, video, audio, want):
    path = _write_media(tmp_path / name, video, audio)
    # The stored name keeps the client's name, but nothing is judged by it: a renamed copy probes the same.
    renamed = tmp_path / "upload.bin"
    renamed.write_bytes(path.read_bytes())
    key, info = h.service.add_input(renamed, name, want=want)
    assert info[f"has_{want}"] and h.artifacts.input_file(key).name == name


def test_wrong_content_is_refused_whatever_the_name(h, tmp_path, videos):
    fake = tmp_path / "clip.mp4"
    fake.write_text("not a video at all")
    with pytest.raises(InputError):
        h.service.add_input(fake, "clip.mp4", want="video")
    with pytest.raises(InputError, match="no audio stream"):
        h.service.add_input(videos[0], "narration.wav", want="audio")


def test_log_lines_carry_job_and_task_and_follow_reads_new_lines(tmp_path):
    import logging

    from pipeline.jobs.logs import file_handler, follow, log_path, task_context

    handler = file_handler(tmp_path, "service")
    log = logging.getLogger("polydub.test.jobs")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        log.info("outside")
        with task_context("j1", "render:pt:abc"):
            log.info("inside")
        log.info("explicit", extra={"job_id": "j2", "task": "pack:es"})
    finally:
        log.removeHandler(handler)
        handler.close()
    path = log_path(tmp_path, "service")
    lines = path.read_text().splitlines()
    assert "job=- task=-" in lines[0] and "job=j1 task=render:pt:abc" in lines[1] and "job=j2 task=pack:es" in lines[2]

    polls = []

    def stop():
        if len(polls) == 1:  # after the first wait, a new line arrives; after the second, stop
            with open(path, "a") as f:
                f.write("new line\n")
        polls.append(1)
        return len(polls) > 3

    got = list(follow(path, lines=1, poll=0.01, stop=stop))
    assert got[0].endswith("explicit") and got[-1] == "new line"


def test_a_changed_checkpoint_file_gives_new_render_keys(h, videos, tmp_path):
    weights = tmp_path / "w.pth"
    weights.write_bytes(b"one")
    job = h.service.submit(spec(videos, ("pt",), n=1, renderer="wav2lip", renderer_options={"checkpoint": str(weights)}))
    h.run()
    weights.write_bytes(b"two")
    h.service.submit(spec(videos, ("pt",), n=1, renderer="wav2lip", renderer_options={"checkpoint": str(weights)}))
    assert h.run() == {"render": 1, "pack": 1}
    options = h.store.job(job)["spec"]["renderer_options"]
    assert options["checkpoint"] == str(weights) and len(options["checkpoint_sha256"]) == 64


def test_a_detected_narration_whose_renders_all_failed_says_so_without_und(h, videos, tmp_path):
    from tests.helpers.media import write_wav

    narration = write_wav(tmp_path / "talk.wav")
    job = h.service.submit(JobSpec.from_dict({"narrations": {"und": str(narration)}, "presenters": [str(videos[0])]}))
    bad = presenter_label(next(t for t in h.store.tasks(job) if t["kind"] == "render")["inputs"]["video"])
    (h.root / f"fail-{bad}").touch()
    h.run()
    pack = h.store.task(job, "pack:und")
    assert pack["state"] == "failed"
    assert "no presenter could be rendered for the narration, so there is no pack" in pack["error"]


def test_the_log_names_the_job_it_created_or_resumed(h, videos, caplog):
    """`-v` said "created job job with 4 tasks": the id is in an `extra` field the terminal's
    format does not show."""
    import logging

    with caplog.at_level(logging.INFO, logger="pipeline.jobs.service"):
        job, _ = h.service.submit_or_resume(spec(videos, n=1))
        again, resumed = h.service.submit_or_resume(spec(videos, n=1))
    messages = [r.getMessage() for r in caplog.records if r.name == "pipeline.jobs.service"]
    assert resumed and again == job
    assert f"created job {job} with {len(h.store.tasks(job))} tasks" in messages
    assert f"resuming job {job}" in messages
