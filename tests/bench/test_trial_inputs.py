"""bench/trial_inputs.py finds the footage from its own place, not the working folder, and says
in one line when it is missing (it crashed with a traceback run outside the project root)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "trial_inputs.py"


def _load():
    spec = importlib.util.spec_from_file_location("trial_inputs", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_footage_is_looked_for_beside_the_project_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("POLYDUB_TEST_MEDIA", raising=False)
    trial = _load()
    assert trial._media() == ROOT.parent / "shared" / "media"
    monkeypatch.setenv("POLYDUB_TEST_MEDIA", "footage")  # a relative folder: the working folder's
    assert trial._media() == tmp_path / "footage"


def test_build_without_the_footage_says_so_in_one_line(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "presenter_a.mp4").write_bytes(b"")  # a file present: not listed as missing
    done = subprocess.run([sys.executable, str(SCRIPT), "build", str(tmp_path / "out")], cwd=tmp_path,
                          env={"POLYDUB_TEST_MEDIA": str(empty), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert "no presenter_b.mp4, presenter_c.mp4, narration_en.wav in" in last and "POLYDUB_TEST_MEDIA" in last
    assert not (tmp_path / "out").exists()
