"""The judge as a whole (pipeline/evaluate/): it shares no code with what it judges."""

from __future__ import annotations

from pathlib import Path

#: What the judge must not share code with (DESIGN.md, "Measuring"): the engine's timing of
#: recorded speech and its mouth model.
ENGINE_TIMING = {"tts.align", "tts.warping", "tts.timing", "lipsync.voicing", "lipsync.mouth"}
PROJECT = {"tts", "lipsync", "translate", "pipeline", "api"}


def _project_imports(module: str) -> set[str]:
    """The project modules `module`'s source imports anywhere (functions too). `import pkg` is
    the package's __init__ (all it exports); `from pkg import name` is the module defining name."""
    import ast
    import importlib
    import importlib.util

    spec = importlib.util.find_spec(module)
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    package = module if spec.submodule_search_locations else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = importlib.util.resolve_name("." * node.level + (node.module or ""), package)
            if base.split(".")[0] not in PROJECT:
                continue
            for alias in node.names:
                full = f"{base}.{alias.name}"
                if importlib.util.find_spec(base).submodule_search_locations and importlib.util.find_spec(full):
                    found.add(full)  # a module of a package
                else:
                    where = getattr(getattr(importlib.import_module(base), alias.name), "__module__", None) or base
                    found.add(where if where.split(".")[0] in PROJECT else base)
    return {m for m in found if m.split(".")[0] in PROJECT}


def _reached(start: set[str]) -> set[str]:
    seen, todo = set(), list(start)
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(_project_imports(module) - seen)
    return seen


def test_the_judge_shares_no_code_with_the_engines_timing_or_mouth_model():
    import pkgutil

    import pipeline.evaluate

    judge = {f"pipeline.evaluate.{m.name}" for m in pkgutil.iter_modules(pipeline.evaluate.__path__)}
    assert {"pipeline.evaluate.hearing", "pipeline.evaluate.speech", "pipeline.evaluate.sync"} <= judge
    reached = _reached(judge)
    assert "tts.phonemes" in reached and "lipsync.media" in reached  # the walk follows imports
    assert not reached & ENGINE_TIMING, sorted(reached & ENGINE_TIMING)
    # Negative control: the walk does find the engine's timing where it is used.
    assert "tts.align" in _reached({"pipeline.steps"})
    assert "lipsync.voicing" in _reached({"lipsync.mouth"})
