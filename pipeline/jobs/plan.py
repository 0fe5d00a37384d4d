"""Planning: a job spec becomes a graph of tasks (DESIGN.md, "The flow of data").

    source ─> translate(lang) ─> speak(lang) ─┬─> render(lang, presenter) ─┬─> pack(lang)
    presenter ─> analyse(presenter) ──────────┘                             │
                                                                            ┘
Presenter analysis is one task per presenter, shared by every language; translation is one task
per language; speech is one task per language and voice, shared by every presenter with that
voice (the service resolves a voice per presenter and language at submission), and each render
reads the speech of its presenter's voice and, when its params carry an `adapt` target, moves it
toward its presenter's own voice first (a second or two of Praat: the speech stays shared, the
target is part of the render's key). With narrations, `narrate(lang)` turns each recording into a
timed speech and takes the place of translate and speak.

A pack depends on every speech task of its language: `speech` is the first presenter's voice
(narration.wav and the subtitles, taken from the first presenter's render instead when it adapted
the speech), `speech:<voice>` the others'.

A pack waits for each of its language's renders to finish or fail: it is built from the
renders that succeeded and lists the failed presenters in its manifest; when every render
failed there is no pack (the scheduler fails the pack task with one line).

Tasks are named, not keyed: a task's key (its content address) is computed when its inputs
exist, from their keys (see `artifacts.task_key`), so an edited translation changes the keys
of that language's downstream tasks only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pipeline.cloning import reference_inputs
from pipeline.jobs.keys import TaskKey, review_gate
from pipeline.jobs.spec import UNDETERMINED, JobSpec
from pipeline.voicing import ADAPT_TARGET

#: The kinds of task, in the order a job runs them.
KINDS = ("analyse", "source", "translate", "narrate", "speak", "render", "pack")
#: Kinds that need a device slot (one at a time per slot); the rest run on the CPU pool.
DEVICE_KINDS = frozenset({"render"})


@dataclass(frozen=True)
class TaskNode:
    name: str
    kind: str
    #: role -> name of the task whose output this task reads
    deps: Mapping[str, str] = field(default_factory=dict)
    #: role -> key of a stored input (an uploaded file)
    inputs: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)
    language: str | None = None
    presenter: str | None = None
    #: "review:<lang>": the task waits until that language's translation is approved
    gate: str | None = None


def presenter_label(key: str) -> str:
    return key[:10]


def plan(spec: JobSpec, names: Mapping[str, str] | None = None,
         voice_records: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None) -> list[TaskNode]:
    """The task graph of a resolved spec (presenters, recording and narrations are input keys).
    `names` maps presenter labels to the file names their videos get in the language packs;
    `voice_records` ({presenter key: {language: pipeline.voicing.voice_record}}) go to the packs'
    manifests."""
    names = names or {}
    voice_records = voice_records or {}
    tasks: list[TaskNode] = []
    decode = decode_params(spec)
    for p in spec.presenters:
        tasks.append(TaskNode(str(TaskKey("analyse", presenter=presenter_label(p))), "analyse", inputs={"video": p},
                              params=decode, presenter=presenter_label(p)))
    if spec.analyse_only:
        return tasks
    max_seconds = spec.preview.seconds if spec.preview else None
    max_height = spec.preview.height if spec.preview else None
    if spec.text is not None:
        # the flag only when set, so jobs without it keep their task keys
        accept = {"accept_mixed_language": True} if spec.accept_mixed_language else {}
        tasks.append(TaskNode("source", "source", params={"text": spec.text, "language": spec.source_language,
                                                          **accept}))
    elif spec.recording:
        tasks.append(TaskNode("source", "source", inputs={"recording": spec.recording},
                              params={"language": spec.source_language, "transcript": spec.transcript,
                                      "audio_track": spec.audio_track, **_truncated(spec)}))
    glossary = spec.glossary if isinstance(spec.glossary, Mapping) else {}
    for lang in spec.languages:
        speech_tasks, speeches, speech, text_deps = _speech_tasks(spec, lang, glossary)
        tasks.extend(speech_tasks)
        renders = {}
        for p in spec.presenters:
            label = presenter_label(p)
            name = str(TaskKey("render", lang, label))
            renders[f"render:{label}"] = name
            analysis = str(TaskKey("analyse", presenter=label))
            target = voice_records.get(p, {}).get(lang, {}).get(ADAPT_TARGET)
            tasks.append(TaskNode(name, "render", deps={"speech": speeches[p], "analysis": analysis},
                                  inputs={"video": p},
                                  params={"renderer": spec.renderer, "max_seconds": max_seconds,
                                          "max_height": max_height,
                                          "renderer_options": dict(spec.renderer_options), **decode,
                                          **({"adapt": target} if target else {})},
                                  language=lang, presenter=label))
        stems = _unique_names(spec.presenters, names)
        records = {stems[presenter_label(p)]: {k: v for k, v in voice_records[p][lang].items() if k != ADAPT_TARGET}
                   for p in spec.presenters if lang in voice_records.get(p, {})}
        tasks.append(TaskNode(str(TaskKey("pack", lang)), "pack", deps={**text_deps, "speech": speech, **renders},
                              params={"language": lang, "names": stems,
                                      **({"voices": records} if records else {})},
                              language=lang))
    return tasks


def decode_params(spec: JobSpec) -> dict[str, Any]:
    """{"decode": {accept_truncated, background}} for analyse and render tasks, or {} when the
    spec keeps the decoder's defaults (so default jobs keep their task keys)."""
    decode: dict[str, Any] = {}
    if spec.accept_truncated:
        decode["accept_truncated"] = True
    if spec.background:
        decode["background"] = spec.background
    return {"decode": decode} if decode else {}


def _truncated(spec: JobSpec) -> dict[str, Any]:
    return {"accept_truncated": True} if spec.accept_truncated else {}


def _speech_tasks(spec: JobSpec, lang: str, glossary: Mapping[str, Any]
                  ) -> tuple[list[TaskNode], dict[str, str], str, dict[str, str]]:
    """One language's speech: a `narrate` task for its recording, or `translate` then one `speak`
    task per voice its presenters use (the first presenter's voice first). Returns the tasks, each
    presenter's speech task, the language's main speech task (the pack's narration and
    subtitles) and the pack's other dependencies."""
    if spec.narrations:
        speech = str(TaskKey("narrate", lang))
        task = TaskNode(speech, "narrate", inputs={"audio": spec.narrations[lang]},
                        params={"language": None if lang == UNDETERMINED else lang,
                                "transcript": spec.transcript, "audio_track": spec.audio_track, **_truncated(spec)},
                        language=lang)
        return [task], {p: speech for p in spec.presenters}, speech, {}
    translation = str(TaskKey("translate", lang))
    tasks = [TaskNode(translation, "translate", deps={"source": "source"},
                      inputs={"translations": spec.translations} if spec.translations else {},
                      params={"language": lang, "source_language": spec.source_language,
                              "glossary": dict(glossary)}, language=lang)]
    voices = {p: spec.presenter_voice(p, lang) for p in spec.presenters}
    by_voice: dict[str | None, str] = {}
    for voice in dict.fromkeys(voices.values()):  # the first presenter's voice first
        by_voice[voice] = str(TaskKey("speak", lang, voice=voice))
        tasks.append(TaskNode(by_voice[voice], "speak", deps={"translation": translation, "source": "source"},
                              inputs=reference_inputs(voice),  # a cloned voice's speaker reference
                              params={"language": lang, "voice": voice, "rate": spec.rate},
                              language=lang, gate=review_gate(lang) if spec.review else None))
    speech = next(iter(by_voice.values()))
    text_deps = {"translation": translation, "source": "source",
                 **{f"speech:{v or 'default'}": name for v, name in by_voice.items() if name != speech}}
    return tasks, {p: by_voice[v] for p, v in voices.items()}, speech, text_deps


def _unique_names(presenters, names: Mapping[str, str]) -> dict[str, str]:
    """Presenter label -> file stem in the packs: the file's own stem, "-2", "-3" on repeats."""
    from pipeline.jobs.artifacts import safe_name

    out: dict[str, str] = {}
    for key in presenters:
        label = presenter_label(key)
        stem = safe_name(names.get(label, label)).rsplit(".", 1)[0] or label
        name, n = stem, 2
        while name in out.values():
            name, n = f"{stem}-{n}", n + 1
        out[label] = name
    return out


def pack_voice_records(presenters: Iterable[str], tasks: Iterable[Mapping[str, Any]]
                       ) -> dict[tuple[str, str], Mapping[str, Any]]:
    """{(presenter key, language): voice record} as a job's pack tasks carry them (`plan` puts
    each presenter's `pipeline.voicing.voice_record` in its language's pack params, under the
    presenter's file stem); `tasks` are the job store's task rows, `presenters` the resolved keys."""
    keys = {presenter_label(k): k for k in presenters}
    found: dict[tuple[str, str], Mapping[str, Any]] = {}
    for task in tasks:
        params = task["params"] if task["kind"] == "pack" else {}
        records = params.get("voices") or {}
        for label, stem in (params.get("names") or {}).items():
            if label in keys and records.get(stem):
                found[(keys[label], params["language"])] = records[stem]
    return found


def check_graph(tasks: list[TaskNode]) -> None:
    """Every dependency names a task of the graph, listed before it (the graph is acyclic)."""
    seen: set[str] = set()
    for t in tasks:
        missing = [d for d in t.deps.values() if d not in seen]
        if missing:
            raise ValueError(f"task {t.name} depends on {missing}, not planned before it")
        if t.name in seen:
            raise ValueError(f"task {t.name} planned twice")
        seen.add(t.name)
