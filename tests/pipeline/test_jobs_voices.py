"""A voice per presenter in the job graph (issue 16 items 2 and 5): voices resolved when a job is
submitted (overrides per language or per presenter, else chosen from the presenter's profile,
cached by file content), one speech task per language and voice, renders reading their
presenter's voice, packs recording each presenter's voice and why.

Fast tests stub the profile (a register per file name) and run the fake `CountingRunner`; the
voice catalog is the real one. The slow test runs the real speech and pack steps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import tts
from pipeline.errors import InputError
from pipeline.jobs import ArtifactStore, JobSpec, JobStore
from pipeline.jobs.executor import TaskCall
from pipeline.jobs.plan import presenter_label
from pipeline.jobs.service import JobService
from pipeline.jobs.spec import SpecError
from pipeline.voicing import PresenterVoices
from tests.helpers.jobs import Harness as JobsHarness

TEXT = "# Nozzle\n\nClean the nozzle. Wear gloves."
#: the register each test presenter "has" (the stub profile reads it from the file name)
REGISTERS = {"presenter0": "female", "presenter1": "male", "presenter2": "female"}


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    from tests.helpers.media import flat_videos

    return flat_videos(tmp_path_factory.mktemp("videos"), 3)


class Harness(JobsHarness):
    """A service whose presenter profiles are stubbed (and counted); `run()` drains inline."""

    def __init__(self, root):
        self.profiled: list[str] = []

        def profile(path):
            self.profiled.append(path.name)
            return tts.declared_profile(REGISTERS[path.stem])

        self.voices = PresenterVoices(root / "voices", profile_fn=profile)
        super().__init__(root, voices=self.voices)

    def submit(self, videos, languages=("pt",), **kw) -> str:
        return self.service.submit(JobSpec.from_dict({"text": TEXT, "languages": list(languages),
                                                      "presenters": [str(v) for v in videos], **kw}))

    def tasks(self, job, kind=None) -> dict[str, dict]:
        return {t["name"]: t for t in self.store.tasks(job) if kind is None or t["kind"] == kind}


@pytest.fixture
def h(tmp_path):
    return Harness(tmp_path)



def test_presenters_with_different_voices_get_a_speech_task_each_and_renders_read_their_own(h, videos):
    job = h.submit(videos[:2])  # a woman and a man
    speak = h.tasks(job, "speak")
    assert len(speak) == 2 and all(name.startswith("speak:pt:kokoro:") for name in speak)
    voices = h.service.job_spec(job)["voices"]
    renders = h.tasks(job, "render")
    for r in renders.values():
        key = r["inputs"]["video"]
        assert r["deps"]["speech"] == f"speak:pt:{voices[key]['pt']}"
    assert len({r["deps"]["speech"] for r in renders.values()}) == 2
    pack = h.tasks(job, "pack")["pack:pt"]
    assert set(speak) <= set(pack["deps"].values())  # the pack waits for every voice of its language
    assert h.run() == {"analyse": 2, "source": 1, "translate": 1, "speak": 2, "render": 2, "pack": 1}
    assert h.store.job(job)["state"] == "done"
    registers = {stem: rec["register"] for stem, rec in pack["params"]["voices"].items()}
    assert registers == {"presenter0": "female", "presenter1": "male"}
    assert all(rec["reason"] for rec in pack["params"]["voices"].values())


def test_presenters_with_the_same_voice_share_one_speech_task(h, videos):
    job = h.submit([videos[0], videos[2]], ("pt", "es"))  # two women
    speak = h.tasks(job, "speak")
    assert sorted(t["language"] for t in speak.values()) == ["es", "pt"]  # one per language, shared
    for r in h.tasks(job, "render").values():
        assert r["deps"]["speech"] in speak and speak[r["deps"]["speech"]]["language"] == r["language"]
    assert h.run()["speak"] == 2


def test_per_presenter_overrides_by_file_name_and_per_language_ones(h, videos):
    job = h.submit(videos[:2], ("pt", "es"), voices={"presenter0.mp4": {"pt": "kokoro:jm_kumo"},
                                                     "presenter1": {"pt": "female"}, "es": "kokoro:jf_nezumi"})
    spec = h.service.job_spec(job)
    keys = [h.store.tasks(job)[i]["inputs"]["video"] for i in (0, 1)]
    assert spec["voices"][keys[0]] == {"pt": "kokoro:jm_kumo", "es": "kokoro:jf_nezumi"}
    records = h.tasks(job, "pack")["pack:pt"]["params"]["voices"]
    assert records["presenter0"]["voice"] == "kokoro:jm_kumo" and "chosen by the user" in records["presenter0"]["reason"]
    assert records["presenter1"]["register"] == "female"  # declared female for pt only
    assert h.tasks(job, "pack")["pack:es"]["params"]["voices"]["presenter1"]["voice"] == "kokoro:jf_nezumi"
    assert len([n for n in h.tasks(job, "speak") if n.startswith("speak:es:")]) == 1  # one es voice for both


def test_an_unknown_voice_is_one_line_naming_the_installed_ones(h, videos):
    with pytest.raises(InputError) as err:
        h.submit(videos[:1], voices={"presenter0.mp4": {"pt": "kokoro:nobody"}})
    message = str(err.value)
    assert "\n" not in message and "presenter0.mp4" in message and "kokoro:nobody" in message
    assert "kokoro:jf_alpha" in message  # an installed voice, named
    with pytest.raises(InputError, match="kokoro:jf_tebukuro does not speak pt; it speaks ja, en") as err:
        h.submit(videos[:1], voices={"presenter0": {"pt": "kokoro:jf_tebukuro"}})
    assert "\n" not in str(err.value)
    with pytest.raises(SpecError, match="none of the job's presenters"):
        h.submit(videos[:1], voices={"bruno.mp4": {"pt": "kokoro:jm_kumo"}})


def test_profiles_are_computed_once_per_file_content_and_resubmitting_resumes(h, videos):
    spec = JobSpec.from_dict({"text": TEXT, "languages": ["pt"], "presenters": [str(v) for v in videos[:2]]})
    job, resumed = h.service.submit_or_resume(spec)
    assert not resumed and sorted(h.profiled) == ["presenter0.mp4", "presenter1.mp4"]
    assert len(list((h.root / "voices").glob("*.json"))) == 2
    again, resumed = h.service.submit_or_resume(spec)
    assert (again, resumed) == (job, True) and len(h.profiled) == 2  # same identity, profiles read back
    rerun = h.service.rerun(job)  # the resolved spec submitted again keeps its voices and reasons
    assert h.service.job_spec(rerun)["voices"] == h.service.job_spec(job)["voices"]
    assert h.tasks(rerun, "pack")["pack:pt"]["params"] == h.tasks(job, "pack")["pack:pt"]["params"]


def test_a_voice_the_user_gives_is_recorded_as_theirs_even_when_it_is_the_one_that_fits(h, videos):
    """`--voice pt=<the voice the profile would get anyway>` was recorded with the automatic
    reason ("the closest female voice ..."), not as the user's choice; a rerun says the same."""
    auto = h.tasks(h.submit(videos[:1]), "pack")["pack:pt"]["params"]["voices"]["presenter0"]
    assert "chosen by the user" not in auto["reason"]
    job = h.submit(videos[:1], voices={"pt": auto["voice"]})
    record = h.tasks(job, "pack")["pack:pt"]["params"]["voices"]["presenter0"]
    assert record["voice"] == auto["voice"]
    # fresh4 finding 11: it said "(--voice pt=...)" for a voice a job file gave
    assert record["reason"].startswith(f"{auto['voice']}: chosen by the user (pt={auto['voice']} in the job's voices: "
                                       "--voice on the command line, the voices field of a job file or API job)")
    assert record["reason"].endswith(f"also the automatic choice: {auto['reason']}")
    rerun = h.service.rerun(job)
    assert h.tasks(rerun, "pack")["pack:pt"]["params"] == h.tasks(job, "pack")["pack:pt"]["params"]
    before = h.tasks(job, "pack")["pack:pt"]["params"]
    h.service.extend(job, languages=["es"])  # the stored spec carries the voice: still the user's
    assert h.tasks(job, "pack")["pack:pt"]["params"] == before


def test_analyses_and_narrations_get_no_voice(h, videos, tmp_path):
    job = h.service.submit(JobSpec.from_dict({"presenters": [str(videos[0])], "analyse_only": True}))
    assert h.service.job_spec(job)["voices"] == {} and h.profiled == []


def test_a_photo_or_a_silent_clip_gets_the_language_default_and_the_record_says_why(tmp_path, videos):
    from PIL import Image

    photo = tmp_path / "ana.png"
    Image.new("RGB", (64, 64), "gray").save(photo)
    voices = PresenterVoices(tmp_path / "voices")  # the real profile: no audio stream in either
    chosen, records = voices.resolve([((str(photo),), "a" * 64, photo), ((str(videos[1]),), "b" * 64, videos[1])],
                                     ["pt"], {})
    default = tts.VoiceCatalog().default_voice("pt").id
    assert chosen == {"a" * 64: {"pt": default}, "b" * 64: {"pt": default}}
    for key, name in (("a" * 64, "ana.png"), ("b" * 64, "presenter1.mp4")):
        record = records[key]["pt"]
        assert record["profile"]["source"] == "default" and "default" in record["reason"]
        assert (tmp_path / "voices" / f"{key}.json").is_file()
    # a video without sound is noted; a photo has no sound by nature (fresh3 finding 19: it got the same note)
    assert records["b" * 64]["pt"]["profile"]["notes"][0] == \
        "presenter1.mp4: has no audio stream; give a file with speech in it"
    assert not any("audio" in note for note in records["a" * 64]["pt"]["profile"]["notes"])


@pytest.mark.slow
def test_real_speech_and_pack_voice_a_declared_woman_with_a_womans_voice(tmp_path):
    """The demo presenter (no sound) declared female for pt: the real speech step speaks with a
    female-register voice and the real pack's manifest records her voice and why."""
    from pipeline.demo import make_demo_presenter
    from pipeline.jobs.executor import TaskCall
    from pipeline.jobs.runner import PipelineRunner
    from tts.voices import voice_register

    video = make_demo_presenter(tmp_path / "ana.mp4", seconds=0.4, size=96)
    service = JobService(JobStore(tmp_path / "jobs.sqlite"), ArtifactStore(tmp_path / "artifacts"), None,
                         data_dir=tmp_path, min_free_bytes=0, allow_paths=True)
    job = service.submit(JobSpec.from_dict({"text": "Wear your helmet.", "languages": ["pt"], "source_language": "en",
                                            "presenters": [str(video)], "voices": {"ana.mp4": {"pt": "female"}}}))
    tasks = {t["name"]: t for t in service.store.tasks(job)}
    (speak,) = [t for t in tasks.values() if t["kind"] == "speak"]
    record = tasks["pack:pt"]["params"]["voices"]["ana"]
    assert record["register"] == "female" and record["voice"] == speak["params"]["voice"]
    assert "no audio stream" in record["profile"]["notes"][0] and str(tmp_path) not in json.dumps(record)

    runner = PipelineRunner(tmp_path / "data")
    translation = tmp_path / "translation"
    translation.mkdir()
    (translation / "translation.json").write_text(json.dumps({
        "source_language": "en", "target_language": "pt", "backend": "fake", "model": "m",
        "sentences": [{"id": "s1", "source": "Wear your helmet.", "text": "Use o capacete.", "flags": []}]}))
    speech_out = tmp_path / "speech"
    speech_out.mkdir()
    said = runner.run(TaskCall(job, speak["name"], "speak", "k" * 64, {"translation": str(translation)},
                               speak["params"]), speech_out, lambda f, m=None: None)
    assert said["voice"] == record["voice"] and voice_register(tts.VoiceCatalog().find(said["voice"])) == "female"

    render = tmp_path / "render"
    render.mkdir()
    (render / "video.mp4").write_bytes(b"video")
    (render / "result.json").write_text(json.dumps({"renderer": "warp", "duration": 1.0, "fps": "25", "width": 96,
                                                    "height": 96, "frames_without_face": 0}))
    pack = tasks["pack:pt"]
    label = next(role for role in pack["deps"] if role.startswith("render:"))
    out = tmp_path / "pack"
    out.mkdir()
    runner.run(TaskCall(job, "pack:pt", "pack", "p" * 64, {"translation": str(translation), "speech": str(speech_out),
                                                           label: str(render)}, pack["params"]),
               out, lambda f, m=None: None)
    manifest = json.loads((out / "pack" / "manifest.json").read_text())
    assert manifest["voices"]["ana"]["voice"] == said["voice"] and manifest["voices"]["ana"]["register"] == "female"
    assert manifest["narration"]["voice"] == said["voice"] and manifest["narration_voice"]["presenter"] == "ana"



@pytest.fixture(scope="module")
def adapted_job(tmp_path_factory):
    """Two presenters whose own voices are the English default pitched 8 semitones down ("low")
    and up ("high"), made here with Praat, in one job that gives both that voice: the job, its
    tasks by name, the runner, the shared speech task's folder and each render's (output folder,
    result, speech handed to the renderer) by presenter label. The renderer is a stub that keeps
    the speech it is given."""
    from types import SimpleNamespace

    from pipeline import steps
    from pipeline.jobs.runner import PipelineRunner
    from tests.helpers.voices import SENTENCES, pitched

    tmp = tmp_path_factory.mktemp("adapted")
    voice = tts.VoiceCatalog().default_voice("en").id
    own = tts.Synthesizer().synthesize([*SENTENCES, "Wait five minutes for it to cool down."], "en", voice=voice)
    clips = [_clip(tmp / f"{name}.mp4", pitched(own.audio, own.sample_rate, st), own.sample_rate)
             for name, st in (("low", -8), ("high", 8))]
    service = JobService(JobStore(tmp / "jobs.sqlite"), ArtifactStore(tmp / "artifacts"), None,
                         data_dir=tmp, min_free_bytes=0, allow_paths=True)
    job = service.submit(JobSpec.from_dict({"text": "Switch off the machine.", "languages": ["en"],
                                            "presenters": [str(c) for c in clips], "voices": {"en": voice}}))
    tasks = {t["name"]: t for t in service.store.tasks(job)}
    runner = PipelineRunner(tmp / "data")
    speech = _run_speak(runner, job, tasks, tmp)
    handed = {}

    def fake_render(presenter, speech, out, toolkit, **kw):
        from fractions import Fraction

        import numpy as np

        from lipsync.media import VideoWriter

        handed[Path(presenter).stem] = speech
        with VideoWriter(out, 8, 8, Fraction(25), comment=None) as w:  # the runner probes the file's size
            w.write(np.zeros((8, 8, 3), np.uint8))
        return SimpleNamespace(renderer="fake", frames=1, fps="25", width=8, height=8, duration=speech.duration,
                               frames_without_face=0, options={})

    renders = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(steps, "render", fake_render)
        for task in (t for t in tasks.values() if t["kind"] == "render"):
            out = tmp / task["name"].replace(":", "_")
            out.mkdir()
            result = runner.run(TaskCall(job, task["name"], "render", "r" * 64, {
                "video": str(service.artifacts.path(task["inputs"]["video"])), "speech": str(speech),
                "analysis": str(tmp)}, task["params"]), out, lambda f, m=None: None)
            (out / "video.mp4").write_bytes(b"video")
            stem = service.artifacts.input_file(task["inputs"]["video"]).stem
            renders[task["presenter"]] = SimpleNamespace(out=out, result=result, speech=handed[stem], stem=stem,
                                                         params=task["params"])
    return SimpleNamespace(job=job, tasks=tasks, runner=runner, speech=speech, renders=renders, tmp=tmp)


def _clip(path: Path, audio, sample_rate: int) -> Path:
    """A 10-frame video with `audio` as its sound track."""
    from fractions import Fraction

    import numpy as np

    from lipsync.media import VideoWriter

    with VideoWriter(path, 32, 32, Fraction(25), audio=(audio, sample_rate), comment=None) as writer:
        for _ in range(10):
            writer.write(np.full((32, 32, 3), 128, np.uint8))
    return path


def _run_speak(runner, job: str, tasks, tmp: Path) -> Path:
    """Run the job's one speech task on a four-sentence English text; returns its folder."""
    from tests.helpers.voices import SENTENCES

    (speak,) = [t for t in tasks.values() if t["kind"] == "speak"]
    translation = tmp / "translation"
    translation.mkdir()
    lines = [*SENTENCES, "Dry the nozzle with a clean cloth.", "Fit it back in place."]
    (translation / "translation.json").write_text(json.dumps({
        "source_language": "en", "target_language": "en", "backend": "fake", "model": "m",
        "sentences": [{"id": f"s{i}", "source": t, "text": t, "flags": []} for i, t in enumerate(lines)]}))
    out = tmp / "speech"
    out.mkdir()
    runner.run(TaskCall(job, speak["name"], "speak", "k" * 64, {"translation": str(translation)}, speak["params"]),
               out, lambda f, m=None: None)
    return out


@pytest.mark.slow
def test_presenters_sharing_a_voice_get_it_moved_toward_each_of_them(adapted_job):
    """One speech task for both; each render moves that speech toward its presenter (F0 measured by
    Praat's own tracker), with the phoneme timeline scaled with the audio."""
    import math

    import numpy as np

    from pipeline.jobs.speech_files import load_speech
    from tests.helpers.voices import median_f0, voiced_times

    assert len([t for t in adapted_job.tasks.values() if t["kind"] == "speak"]) == 1
    shared = load_speech(adapted_job.speech)
    voice_f0 = median_f0(shared.audio, shared.sample_rate)
    for render in adapted_job.renders.values():
        target_f0, adapted = render.params["adapt"]["f0_median_hz"], render.speech
        heard = median_f0(adapted.audio, adapted.sample_rate)
        before, after = (abs(12 * math.log2(f / target_f0)) for f in (voice_f0, heard))
        assert after < before - 1.0, (render.stem, voice_f0, heard, target_f0)  # at least a semitone closer
        plan = render.result["adaptation"]
        assert (plan["pitch_shift_st"] < 0) == (render.stem == "low") and (target_f0 < voice_f0) == (render.stem == "low")
        # the timeline is the shared one scaled by the measured length change, and ends with the audio
        factor = len(adapted.audio) / len(shared.audio)
        assert plan["duration_factor"] == pytest.approx(factor, abs=1e-3)
        assert np.allclose([p.start for p in adapted.phonemes], [p.start * factor for p in shared.phonemes])
        tts.check_timeline(adapted.phonemes, adapted.duration)
        assert adapted.phonemes[-1].end == pytest.approx(shared.phonemes[-1].end * factor, abs=1e-6)
        # and the voice is where the timeline says words are: voiced frames fall inside the words
        times = voiced_times(adapted.audio, adapted.sample_rate)
        assert np.mean([any(w.start - 0.03 <= t <= w.end + 0.03 for w in adapted.words) for t in times]) > 0.95
        assert (render.out / "speech.json").is_file()  # the adapted speech, for the pack


@pytest.mark.slow
def test_the_pack_records_each_adaptation_and_narrates_the_first_presenters_speech(adapted_job):
    import parselmouth

    pack = adapted_job.tasks["pack:en"]
    assert all("embedding" not in json.dumps(r) and "adapt_target" not in r for r in pack["params"]["voices"].values())
    roles = {role: str(adapted_job.renders[role.split(":", 1)[1]].out) for role in pack["deps"]
             if role.startswith("render:")}
    folder = adapted_job.tmp / "pack"
    folder.mkdir()
    adapted_job.runner.run(TaskCall(adapted_job.job, "pack:en", "pack", "p" * 64, {
        "translation": str(adapted_job.tmp / "translation"), "speech": str(adapted_job.speech), **roles},
        pack["params"]), folder, lambda f, m=None: None)
    manifest = json.loads((folder / "pack" / "manifest.json").read_text())
    assert manifest["voices"]["low"]["adaptation"]["pitch_shift_st"] < 0 < \
        manifest["voices"]["high"]["adaptation"]["pitch_shift_st"]
    first = adapted_job.renders[next(iter(pack["params"]["names"]))].speech
    narration = parselmouth.Sound(str(folder / "pack" / "narration.wav"))
    assert narration.duration == pytest.approx(first.duration, abs=0.01)  # the first presenter's adapted speech
