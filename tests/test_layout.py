"""The test seams stay out of the product, and test helpers live in tests/helpers/: the product
packages never import `tests`; test modules import helpers from tests.helpers, never from a
conftest (fixtures reach them through pytest) or from another test module."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("api", "pipeline", "translate", "tts", "lipsync")


def imported_modules(source: str) -> set[str]:
    """Every module a Python source imports, anywhere in it (absolute names; relative imports as '.name')."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.add("." * node.level + (node.module or ""))
    return found


def misplaced(module: str) -> bool:
    """Whether an import reaches into a conftest or another test module instead of tests.helpers."""
    parts = module.lstrip(".").split(".")
    return parts[-1] == "conftest" or any(p.startswith("test_") for p in parts)


def test_the_product_never_imports_tests():
    bad = [f"{p.relative_to(ROOT)}: {m}" for package in PRODUCT for p in sorted((ROOT / package).rglob("*.py"))
           for m in imported_modules(p.read_text(encoding="utf-8")) if m.split(".")[0] == "tests"]
    assert bad == []


def test_test_helpers_come_from_tests_helpers():
    bad = [f"{p.relative_to(ROOT)}: {m}" for p in sorted((ROOT / "tests").rglob("*.py"))
           for m in imported_modules(p.read_text(encoding="utf-8")) if misplaced(m)]
    assert bad == []
    # Negative control: the imports this rule forbids are found.
    forbidden = "from tests.conftest import tone\nfrom .conftest import x\ndef f():\n    from tests.lipsync.test_voicing import voice\n"
    assert sorted(filter(misplaced, imported_modules(forbidden))) == [".conftest", "tests.conftest",
                                                                    "tests.lipsync.test_voicing"]


def test_bench_imports_no_test_module():
    """bench/bench_jaw.py imported the untouched-face bar from tests/lipsync/test_assembly.py; the
    pieces a bench shares with a test live in tests/helpers (bench_voice_menu took the test server
    from tests/api/conftest.py, put on sys.path, after the server had moved out of it)."""
    def test_only(module: str) -> bool:
        return any(part.startswith("test_") or part == "conftest" for part in module.split("."))

    bad = [f"{p.relative_to(ROOT)}: {m}" for p in sorted((ROOT / "bench").rglob("*.py"))
           for m in imported_modules(p.read_text(encoding="utf-8")) if test_only(m)]
    assert bad == []
    # Negative control: both kinds are caught.
    assert sorted(m for m in imported_modules("from conftest import Server\nimport tests.api.test_page\n")
                  if test_only(m)) == ["conftest", "tests.api.test_page"]
