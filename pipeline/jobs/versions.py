"""Code versions that go into every task key (`PipelineRunner.versions`): a change to a leaf
package or to the steps gives new keys, so old artifacts are never reused by mistake."""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

from pipeline import __version__

#: Bump when an artifact's layout or meaning changes, so old artifacts are not reused.
LAYOUT_VERSION = "1"

#: The pipeline modules whose code decides what a task writes (paths relative to `pipeline/`).
STEP_MODULES = ("steps.py", "pack.py", "subtitles.py", "segments.py", "cloning.py", "voicing.py",
                "jobs/runner.py", "jobs/speech_files.py")


def leaf_version(name: str) -> str:
    """The package's declared version plus a SHA-256 digest (12 hex digits) of its source
    (every `*.py`, by relative path); "missing" when the package is not importable."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return "missing"
    h = hashlib.sha256()
    for folder in spec.submodule_search_locations:
        for path in sorted(Path(folder).rglob("*.py")):
            h.update(path.relative_to(folder).as_posix().encode())
            h.update(path.read_bytes())
    return f"{__version__}+{h.hexdigest()[:12]}"


def steps_version() -> str:
    """A SHA-256 digest (12 hex digits) of `STEP_MODULES`."""
    here = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for name in STEP_MODULES:
        f = here / name
        if f.exists():
            h.update(f.read_bytes())
    return h.hexdigest()[:12]
