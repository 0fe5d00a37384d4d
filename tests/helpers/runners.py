"""Test runners. `CountingRunner`: a cheap `StepRunner` with the real artifact layout, for tests
and benchmarks of the job machinery (store, scheduler, executors, API) without loading any
model; the service takes it as `--runner tests.helpers.runners:CountingRunner`.

It "translates" by tagging each sentence with the language, "speaks" a tone of one second per
sentence, "renders" by re-encoding the presenter file's first seconds, and packs like the real
pack. Every run appends one line to `$POLYDUB_FAKE_DIR/runs.log` so tests can count what ran.
Switches, as files in `$POLYDUB_FAKE_DIR`: `fail-analyse-<presenter label>` makes that presenter's
analysis fail with an input error; `fail-<presenter label>` makes that presenter's
renders fail with an input error; `hold-render` makes renders wait (polling) until it is
removed, so a test can stop the service in the middle of a render; `crash-render` kills the
worker process in the middle of the next render (once).

`ModelCheckedRunner`: the same cheap steps, but the service refuses at job creation what the
model store and the installed voices cannot do, and inputs that fail the real runner's
pre-flight check (its own `preflight`, called), as it does for the real runner.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.errors import InputError
from pipeline.jobs.capabilities import ModelCapabilities
from pipeline.jobs.executor import ProgressFn, TaskCall

VERSION = "fake-1"


def runs(fake_dir: str | Path) -> list[tuple[str, str]]:
    """(kind, task) of every run recorded so far."""
    path = Path(fake_dir) / "runs.log"
    if not path.exists():
        return []
    return [tuple(line.split("\t")[:2]) for line in path.read_text().splitlines() if line]


class CountingRunner:
    def __init__(self, fake_dir: str | Path | None = None, version: str = VERSION, data_dir: str | None = None):
        self.dir = Path(fake_dir or os.environ.get("POLYDUB_FAKE_DIR") or ".")
        self.version = os.environ.get("POLYDUB_FAKE_VERSION", version)
        self.pid = os.getpid()

    def versions(self) -> Mapping[str, str]:
        return {k: f"{k}-{self.version}" for k in ("analyse", "source", "translate", "narrate", "speak", "render", "pack")}

    def _record(self, call: TaskCall) -> None:
        with open(self.dir / "runs.log", "a") as f:
            f.write(f"{call.kind}\t{call.task}\t{call.job_id}\t{self.pid}\n")

    def run(self, call: TaskCall, out: Path, progress: ProgressFn) -> Mapping[str, Any]:
        self._record(call)
        return getattr(self, f"_{call.kind}")(call, {k: Path(v) for k, v in call.inputs.items()}, out, progress)

    # ------------------------------------------------------------------ kinds
    def _analyse(self, call, inputs, out, progress):
        meta = json.loads((inputs["video"] / "meta.json").read_text())
        if (self.dir / f"fail-analyse-{call.task.rsplit(':', 1)[-1]}").exists():
            # As a leaf says it: the path it was given, the store's copy of the input.
            raise InputError(f"{inputs['video'] / meta['name']}: the face is only 20 px wide (simulated)")
        report = {"frames": 10, "frames_with_face": 10, "file": meta["name"], "probe": meta.get("probe", {})}
        (out / "report.json").write_text(json.dumps(report))
        progress(1.0, meta["name"])
        return {"frames": 10}

    def _source(self, call, inputs, out, progress):
        # like the real runner: a recording's given transcript is its words (no recogniser runs)
        text = call.params.get("text") or call.params.get("transcript") or "a recorded narration."
        sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip().strip("#").strip()]
        doc = {"language": call.params.get("language", "en"),
               "sentences": [{"id": f"s{i}", "text": s.lstrip("# ")} for i, s in enumerate(sentences)]}
        (out / "document.json").write_text(json.dumps(doc))
        return {"sentences": len(sentences)}

    def _translate(self, call, inputs, out, progress):
        doc = json.loads((inputs["source"] / "document.json").read_text())
        lang = call.params["language"]
        # like the bundled en->pt model: a pound sign is lost (and flagged for a check)
        sentences = [{"id": s["id"], "source": s["text"], "text": f"[{lang}] {s['text'].replace('£', '')}",
                      "flags": ["currency-changed:£"] if "£" in s["text"] else []} for s in doc["sentences"]]
        (out / "translation.json").write_text(json.dumps(
            {"source_language": doc["language"], "target_language": lang, "backend": "fake", "model": "tag",
             "sentences": sentences}, ensure_ascii=False))
        return {"sentences": len(sentences)}

    def _speak(self, call, inputs, out, progress):
        doc = json.loads((inputs["translation"] / "translation.json").read_text())
        sr = 16000
        n = len(doc["sentences"])
        t = np.arange(n * sr) / sr
        audio = (0.2 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
        np.savez(out / "speech.npz", audio=audio, sample_rate=sr)
        sentences = [[i, i + 0.9, s["text"]] for i, s in enumerate(doc["sentences"])]
        (out / "speech.json").write_text(json.dumps({"language": call.params["language"], "sentences": sentences,
                                                     "words": [], "phonemes": [], "voice": "tone"}))
        return {"seconds": n}

    def _narrate(self, call, inputs, out, progress):
        meta = json.loads((inputs["audio"] / "meta.json").read_text())
        if (self.dir / "fail-narrate").exists():
            raise InputError("the transcript does not match the recording (simulated)")
        shutil.copyfile(inputs["audio"] / meta["name"], out / "narration")
        (out / "speech.json").write_text(json.dumps({"language": call.params["language"], "sentences": [],
                                                     "words": [], "phonemes": [], "voice": "recording"}))
        (out / "transcript.txt").write_text("narration")
        # like the real runner: the language heard ("en" stands for a detected one)
        return {"language": call.params["language"] or "en"}

    def _render(self, call, inputs, out, progress):
        meta = json.loads((inputs["video"] / "meta.json").read_text())
        label = call.task.rsplit(":", 1)[-1]
        if (self.dir / f"fail-{label}").exists():
            raise InputError(f"{meta['name']}: no face found in any frame (simulated)")
        crash = self.dir / "crash-render"
        if crash.exists():  # the worker process dies in the middle of a task, once
            crash.unlink()
            os._exit(3)
        steps = 20
        for i in range(steps):
            progress(i / steps, meta["name"])
            while (self.dir / "hold-render").exists():
                time.sleep(0.05)
        shutil.copyfile(inputs["video"] / meta["name"], out / "video.mp4")
        (out / "result.json").write_text(json.dumps({"renderer": "fake", "file": meta["name"]}))
        progress(1.0, meta["name"])
        return {"renderer": "fake"}

    def _pack(self, call, inputs, out, progress):
        from pipeline.pack import zip_folder

        folder = out / "pack"
        (folder / "videos").mkdir(parents=True)
        names = call.params.get("names") or {}
        for role, path in inputs.items():
            if role.startswith("render:"):
                label = role.split(":", 1)[1]
                shutil.copyfile(path / "video.mp4", folder / "videos" / f"{names.get(label, label)}.mp4")
        speech = json.loads((inputs["speech"] / "speech.json").read_text())
        srt = "".join(f"{i + 1}\n00:00:0{int(s)},000 --> 00:00:0{int(s)},900\n{t}\n\n"
                      for i, (s, e, t) in enumerate(speech["sentences"]))
        (folder / "subtitles.srt").write_text(srt)
        (folder / "subtitles.vtt").write_text("WEBVTT\n\n" + srt.replace(",", "."))
        # it names its files as the real manifest does (api.cli.outfolder.foreign_files reads them)
        videos = [{"file": f"videos/{p.name}"} for p in sorted((folder / "videos").iterdir())]
        (folder / "manifest.json").write_text(json.dumps({"language": call.params["language"], "synthetic_media": True,
                                                          "subtitles": ["subtitles.srt", "subtitles.vtt"],
                                                          "videos": videos,
                                                          "failures": list(call.params.get("failures") or ())}))
        zip_folder(folder, out / "pack.zip")
        return {"videos": len(list((folder / "videos").iterdir()))}


class ModelCheckedRunner(CountingRunner):
    """Runs cheap steps, but the service refuses what the model store ($POLYDUB_MODELS) and the
    installed voices cannot do, and inputs the real runner's pre-flight check refuses, as it does
    for `pipeline.jobs.runner.PipelineRunner`."""

    capabilities = staticmethod(ModelCapabilities)
    _checker = None

    def preflight(self, spec, *, paths: bool = True) -> None:
        """`PipelineRunner.preflight` (on $POLYDUB_MODELS): the check itself, not a copy of it."""
        from pipeline.jobs.runner import PipelineRunner

        self._checker = self._checker or PipelineRunner()
        self._checker.preflight(spec, paths=paths)
