"""Cloned voices in jobs (issue 16 item 4): with a cloning model installed, each presenter with
usable speech gets `clone:<backend>@<reference clip>` in the languages the model speaks; the clip
is a stored input of that presenter's speech task; a user's voice still wins; without a model
nothing changes.

Fast tests stub the presenters' profiles and references and run the fake `CountingRunner`. The
slow test runs a real job (service, planner, scheduler, the real speech and pack steps) on two
presenters whose speech is synthesized here, with a tiny random torch model as the cloner."""

from __future__ import annotations

import json

import numpy as np
import pytest

import tts
from pipeline.cloning import CloningVoices, display_voice, reference_inputs
from pipeline.errors import InputError
from pipeline.jobs import JobSpec
from pipeline.voicing import PresenterVoices
from tests.helpers.cloning import TinyCloner
from tests.helpers.jobs import Harness
from tts.reference import NoReferenceError, ReferenceStretch

TEXT = "# Nozzle\n\nClean the nozzle. Wear gloves."
REGISTERS = {"presenter0": "female", "presenter1": "male", "presenter2": "female"}


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    from tests.helpers.media import flat_videos

    return flat_videos(tmp_path_factory.mktemp("videos"), 3)


class Setup:
    """A job service whose voices clone with `TinyCloner` (or nothing, with `cloners={}`); the
    presenters' profiles and references are stubbed and counted. `silent`: stems without speech."""

    def __init__(self, root, cloners=None, silent=()):
        self.referenced: list[str] = []
        self.model = TinyCloner(("en", "pt"))

        def profile(path):
            return tts.declared_profile(REGISTERS[path.stem])

        def reference(path):
            self.referenced.append(path.name)
            if path.stem in silent:
                raise NoReferenceError(f"no speech heard in {path}: no voice to clone")
            seed = int(path.stem[-1])
            clip = (0.1 * np.random.default_rng(seed).standard_normal(24000 * 7)).astype(np.float32)
            return ReferenceStretch(1.0 + seed, 8.0 + seed, 40.0, 6.5), clip, 24000

        registry = {"tiny": lambda paths: self.model} if cloners is None else cloners
        self.inner = PresenterVoices(root / "voices", profile_fn=profile)
        self.h = Harness(root)
        self.voices = CloningVoices(self.inner, self.h.artifacts, registry=registry, model_paths={},
                                    reference_fn=reference)
        self.h.service.voices = self.voices

    def submit(self, videos, languages=("pt",), **kw) -> str:
        return self.h.service.submit(JobSpec.from_dict({"text": TEXT, "languages": list(languages),
                                                        "presenters": [str(v) for v in videos], **kw}))

    def tasks(self, job, kind):
        return {t["name"]: t for t in self.h.store.tasks(job) if t["kind"] == kind}


def test_each_presenter_gets_a_cloned_voice_with_their_own_reference_as_the_speech_tasks_input(tmp_path, videos):
    s = Setup(tmp_path)
    job = s.submit(videos[:2], ("pt", "es"))
    spec_voices = s.h.service.job_spec(job)["voices"]
    speak = s.tasks(job, "speak")
    clips = set()
    for key, by_lang in spec_voices.items():
        voice = by_lang["pt"]
        assert voice.startswith("clone:tiny@") and s.h.artifacts.has(voice.split("@")[1])
        clips.add(voice.split("@")[1])
        task = speak[f"speak:pt:{voice}"]
        assert task["inputs"] == reference_inputs(voice) == {"reference": voice.split("@")[1]}
        assert not by_lang["es"].startswith("clone:")  # the model does not speak Spanish
    assert len(clips) == 2  # one reference per presenter, so one speech task each
    for r in s.tasks(job, "render").values():
        if r["language"] == "pt":
            assert r["deps"]["speech"] == f"speak:pt:{spec_voices[r['inputs']['video']]['pt']}"
    records = s.tasks(job, "pack")["pack:pt"]["params"]["voices"]
    for stem, seed in (("presenter0", 0), ("presenter1", 1)):
        rec = records[stem]
        assert rec["voice"] == display_voice(spec_voices[[k for k in spec_voices][seed]]["pt"])
        assert rec["voice"].startswith("clone:tiny@") and len(rec["voice"]) == len("clone:tiny@") + 12
        assert f"cloned from {stem}.mp4's own speech, {1.0 + seed:.2f}-{8.0 + seed:.2f} s" in rec["reason"]
        assert rec["reference"]["sha256"] in clips and rec["register"] == REGISTERS[stem]
        assert rec["licence"] == TinyCloner.licence  # the model's licence travels with its output
    es = s.tasks(job, "pack")["pack:es"]["params"]["voices"]["presenter0"]
    assert "not cloned: no installed cloning model speaks es (installed: clone:tiny)" in es["reason"]
    assert s.h.run()["speak"] == 4 and s.h.store.job(job)["state"] == "done"


def test_without_a_cloning_model_nothing_changes(tmp_path, videos):
    s = Setup(tmp_path, cloners={})
    plain = PresenterVoices(tmp_path / "plain", profile_fn=s.inner.profile_fn)
    presenters = [((str(v),), k, v) for v, k in zip(videos[:2], ("a" * 64, "b" * 64))]
    assert s.voices.resolve(presenters, ["pt", "es"], {}) == plain.resolve(presenters, ["pt", "es"], {})
    assert s.referenced == [] and not (tmp_path / "voices" / "references").exists()
    job = s.submit(videos[:2])
    assert all(t["inputs"] == {} for t in s.tasks(job, "speak").values())
    with pytest.raises(InputError, match=r"clone:tiny is not installed here \(cloning models: none\)"):
        s.submit(videos[:1], voices={"presenter0": {"pt": "clone:tiny"}})


def test_the_users_voice_wins_and_an_asked_clone_that_cannot_be_is_one_line(tmp_path, videos):
    s = Setup(tmp_path, silent=("presenter2",))
    job = s.submit(videos, voices={"presenter0.mp4": {"pt": "kokoro:jm_kumo"}})
    voices = list(s.h.service.job_spec(job)["voices"].values())
    assert voices[0]["pt"] == "kokoro:jm_kumo" and voices[1]["pt"].startswith("clone:tiny@")
    assert not voices[2]["pt"].startswith("clone:")  # no speech: the chosen voice, and a note why
    records = s.tasks(job, "pack")["pack:pt"]["params"]["voices"]
    assert "chosen by the user" in records["presenter0"]["reason"]
    assert "not cloned: no speech heard in presenter2.mp4" in records["presenter2"]["reason"]
    job = s.submit(videos[:2], voices={"pt": "kokoro:jf_nezumi"})  # a per-language voice wins too
    assert all(v["pt"] == "kokoro:jf_nezumi" for v in s.h.service.job_spec(job)["voices"].values())
    job = s.submit(videos[:2], voices={"pt": "clone:tiny"})  # cloning asked for every presenter (`--voice pt=...`)
    assert all(v["pt"].startswith("clone:tiny@") for v in s.h.service.job_spec(job)["voices"].values())
    for voices, match in (({"presenter2": {"pt": "clone:tiny"}}, "presenter2.mp4 pt: cannot clone: no speech heard"),
                          ({"pt": "clone:tiny"}, "presenter2.mp4 pt: cannot clone: no speech heard"),
                          ({"presenter0": {"pt": "clone:other"}}, "clone:other is not installed here"),
                          ({"presenter0": {"es": "clone:tiny"}}, "cannot clone: no installed cloning model speaks es")):
        with pytest.raises(InputError, match=match) as err:
            s.submit(videos, ("pt", "es"), voices=voices)
        assert "\n" not in str(err.value)


def test_references_are_chosen_once_per_file_and_resubmitting_resumes_the_same_job(tmp_path, videos):
    s = Setup(tmp_path)
    spec = JobSpec.from_dict({"text": TEXT, "languages": ["pt"], "presenters": [str(v) for v in videos[:2]]})
    job, resumed = s.h.service.submit_or_resume(spec)
    assert not resumed and sorted(s.referenced) == ["presenter0.mp4", "presenter1.mp4"]
    again, resumed = s.h.service.submit_or_resume(spec)
    assert (again, resumed) == (job, True) and len(s.referenced) == 2
    rerun = s.h.service.rerun(job)  # the resolved spec (clone:tiny@<clip>) keeps its voices and reasons
    assert s.h.service.job_spec(rerun)["voices"] == s.h.service.job_spec(job)["voices"]
    assert s.tasks(rerun, "pack")["pack:pt"]["params"] == s.tasks(job, "pack")["pack:pt"]["params"]
    cached = json.loads(next((tmp_path / "voices" / "references").glob("*.json")).read_text())
    assert cached["version"] == 1 and s.h.artifacts.has(cached["clip"])


# ---------------------------------------------------------------------- a real job


SPOKEN = {"ana": ("kokoro:jf_alpha", ("Clean the filling nozzle at the end of every shift.",
                                      "Then switch off the machine.", "Wait five minutes before you open the cover.",
                                      "Dry every part with a clean cloth.")),
          "bruno": ("kokoro:jm_kumo", ("Check the pressure gauge before you start the pump.",
                                       "Open the valve slowly.", "Close it again when the tank is full.",
                                       "Write the reading in the log book."))}
LEAD_S = 1.0  # silence before each presenter speaks


def _presenter(folder, name: str, synth):
    """A flat-colour video whose sound is LEAD_S of a quiet room, then the presenter's speech,
    then a second of room; returns (path, (speech start, speech end) in seconds)."""
    from fractions import Fraction

    from lipsync.media import VideoWriter

    voice, sentences = SPOKEN[name]
    speech = synth.synthesize(list(sentences), "en", voice=voice)
    rate = speech.sample_rate
    audio = np.concatenate([np.zeros(int(LEAD_S * rate), np.float32), speech.audio, np.zeros(rate, np.float32)])
    audio = audio + (1e-3 * np.random.default_rng(0).standard_normal(len(audio))).astype(np.float32)
    path = folder / f"{name}.mp4"
    with VideoWriter(path, 32, 32, Fraction(10), audio=(audio, rate), comment=None) as w:
        for i in range(int(len(audio) / rate * 10)):
            w.write(np.full((32, 32, 3), 60 + (i % 20), np.uint8))
    return path, (LEAD_S, LEAD_S + speech.duration)


def _speech_only_runner(data_dir):
    """The real runner (source, translate, speak, pack), except that presenters are neither
    analysed nor lip-synced: the test's presenters are flat colour, with no face."""
    import shutil

    from pipeline.jobs.runner import PipelineRunner

    class SpeechOnlyRunner(PipelineRunner):
        def _analyse(self, call, inputs, out, progress):
            (out / "report.json").write_text("{}")
            return {}

        def _render(self, call, inputs, out, progress):
            meta = json.loads((inputs["video"] / "meta.json").read_text())
            shutil.copyfile(inputs["video"] / meta["name"], out / "video.mp4")
            summary = {"renderer": "copy", "frames": 1, "fps": "10", "width": 32, "height": 32, "duration": 1.0,
                       "frames_without_face": 0, "file": meta["name"], "conversions": []}
            (out / "result.json").write_text(json.dumps(summary))
            return summary

    return SpeechOnlyRunner(data_dir)


@pytest.mark.slow
def test_a_real_job_speaks_each_presenter_in_a_clone_of_their_own_speech(tmp_path, monkeypatch):
    """Two presenters whose speech is made here; the service as the CLI builds it (its default
    voices: cloning where a model is installed), the tiny torch cloner registered for the test."""
    import zipfile

    from lipsync.media import read_audio
    from pipeline.jobs import ArtifactStore, JobStore, Scheduler
    from pipeline.jobs.executor import drain
    from pipeline.jobs.service import JobService
    from tts.cloning import CLONING_REGISTRY
    from tts.reference import MAX_REFERENCE_S, MIN_REFERENCE_S

    model = TinyCloner(("en",))
    monkeypatch.setitem(CLONING_REGISTRY, "tiny", lambda paths: model)
    monkeypatch.setenv("POLYDUB_MODELS", str(tmp_path / "models"))
    synth = tts.Synthesizer()
    made = {name: _presenter(tmp_path, name, synth) for name in SPOKEN}
    store, artifacts = JobStore(tmp_path / "jobs.sqlite"), ArtifactStore(tmp_path / "artifacts")
    service = JobService(store, artifacts, None, data_dir=tmp_path / "data", min_free_bytes=0, allow_paths=True)
    job = service.submit(JobSpec.from_dict({"text": "Wear your helmet. Check the valve.", "languages": ["en"],
                                            "source_language": "en",
                                            "presenters": [str(path) for path, _ in made.values()]}))
    runner = _speech_only_runner(tmp_path / "data")
    drain(Scheduler(store, artifacts, runner.versions()), runner)
    assert store.job(job)["state"] == "done"

    spec_voices = service.job_spec(job)["voices"]
    clips = {by_lang["en"].split("@")[1] for by_lang in spec_voices.values()}
    assert all(v["en"].startswith("clone:tiny@") for v in spec_voices.values()) and len(clips) == 2
    pack = next(t for t in store.tasks(job) if t["kind"] == "pack")
    with zipfile.ZipFile(artifacts.path(pack["output"]) / "pack.zip") as z:
        manifest = json.loads(z.read(next(n for n in z.namelist() if n.endswith("manifest.json"))))
    assert {c.digest for c in model.calls} == clips  # each speech task got one presenter's clip
    for name, (path, (start, end)) in made.items():
        record = manifest["voices"][name]
        ref = record["reference"]
        assert record["voice"] == f"clone:tiny@{ref['sha256'][:12]}" and f"cloned from {name}.mp4" in record["reason"]
        assert start - 0.05 <= ref["start_s"] < ref["end_s"] <= end + 0.05, (name, ref, start, end)
        assert MIN_REFERENCE_S <= ref["end_s"] - ref["start_s"] <= MAX_REFERENCE_S
        received = next(c for c in model.calls if c.digest == ref["sha256"])
        track, rate = read_audio(path, received.sample_rate)
        own = track[int(round(ref["start_s"] * rate)):][: len(received.audio)]
        assert abs(len(received.audio) / rate - (ref["end_s"] - ref["start_s"])) < 0.02
        assert np.corrcoef(own, received.audio)[0, 1] > 0.99  # that presenter's own speech, no one else's
    assert {n["voice"] for n in manifest["narrations"]} == {r["voice"] for r in manifest["voices"].values()}
