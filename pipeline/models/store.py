"""The model store: resolves a model name to a path on this machine, without a network.

Search order for `store.path(name)`: an explicit override → `<root>/<name>` (root is
`$POLYDUB_MODELS`, else the user data folder) → the Python package that ships the model.
Models shipped in parts (Whisper base, Kokoro) are joined once into the store, atomically
(`files.install_entry`). `verify` checks recorded checksums and loads the model (`verify.py`);
only `fetch` touches the network, and only when asked by name (`fetch.py`).
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import ModelNotFoundError, PipelineError
from pipeline.models.catalogue import CATALOGUE, Catalogued
from pipeline.models.fetch import fetch_entry
from pipeline.models.files import install_entry, log, read_manifest, sha256_file, write_manifest
from pipeline.models.kinds import detect_kind
from pipeline.models.verify import Verification, verify_entry

#: store entry kinds the translator reads (see `translate.backends`)
TRANSLATION_KINDS = frozenset({"marian", "ctranslate2", "bergamot"})
#: store entry kind → the TTS backend that reads it (see `tts.backends.ModelPaths`)
SPEECH_KINDS = {"piper": "piper", "kokoro-onnx": "kokoro", "coqui": "coqui"}
#: hand-made store folders older than the manifests, read by name: folder → TTS backend
SPEECH_FOLDERS = {"piper": "piper", "kokoro": "kokoro"}
ENV = "POLYDUB_MODELS"


def default_root() -> Path:
    env = os.environ.get(ENV)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("polydub")) / "models"


@dataclass(frozen=True)
class ModelInfo:
    name: str
    kind: str
    licence: str
    where: str            # override | store | package | package (joined on first use) | fetchable | missing
    path: Path | None
    description: str = ""


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
        if item and item.supply:
            how = f"{item.supply}, or {how}"
        elif item and item.packages:
            how = f"pip install {' '.join(p.replace('_', '-') for p in item.packages[:2])}, or {how}"
        if item and item.url:
            how += f", or `polydub models fetch {name}` on a machine with network"
        return f"model {name!r} not found; searched: {'; '.join(searched)}; to supply it: {how}"

    def _assemble(self, item: Catalogued) -> Path:
        dest = self.root / item.name

        def fill(tmp: Path) -> None:
            log.info("joining %s into %s (once)", item.name, dest)
            config = item.assemble(tmp)
            self._write_manifest(tmp, item.name, item.kind, item.licence, f"package: {', '.join(item.packages)}",
                                 config)

        return install_entry(self.root, item.name, fill, replace=False)

    _write_manifest = staticmethod(write_manifest)

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

    def translation_checksums(self) -> dict[str, str]:
        """{file path: sha256 hex} of every file that the manifests of the store's translation
        models record, for `translate.Translator(checksums=...)`: a damaged Bergamot file can abort
        the process that loads it, so the translator checks the files first."""
        return {str(entry / rel): meta["sha256"] for entry in self.translation_models().values()
                for rel, meta in (self._manifest(entry).get("files") or {}).items() if meta.get("sha256")}

    def speech_models(self) -> dict[str, tuple[Path, ...]]:
        """{TTS backend: paths} of the voice models in the store, for `tts.Synthesizer(model_paths=)`
        and `tts.VoiceCatalog`: Piper voices (loose `*.onnx`, entries of kind piper such as `piper/`
        and `piper-<voice>/`), Kokoro folders (`kokoro-82m/` first, then others such as `kokoro/`),
        Coqui model folders (each folder in `coqui/`, entries of kind coqui). Voices a package
        ships are the backends' own."""
        found: dict[str, list[Path]] = {backend: [] for backend in SPEECH_KINDS.values()}
        if not self.root.is_dir():
            return {}
        for entry in sorted(self.root.iterdir(), key=lambda p: (p.name != "kokoro-82m", p.name)):
            if entry.name.startswith("."):
                continue
            if entry.is_file():
                if entry.suffix == ".onnx":
                    found["piper"].append(entry)
            elif entry.name == "coqui":  # a folder of Coqui model folders
                found["coqui"].extend(sorted(p for p in entry.iterdir() if p.is_dir()))
            elif backend := SPEECH_FOLDERS.get(entry.name) or SPEECH_KINDS.get(
                    self._manifest(entry).get("kind") or detect_kind(entry)):
                found[backend].append(entry)
        return {backend: tuple(paths) for backend, paths in found.items() if paths}

    def cloning_models(self) -> dict[str, tuple[Path, ...]]:
        """{cloning backend: model folders} for `tts.cloning.installed_cloners`: each folder in
        the store's `xtts/` (XTTS-v2 as Coqui publishes it; kept apart from `coqui/` so the Coqui
        voice adapter never lists it as a plain voice)."""
        folder = self.root / "xtts"
        found = tuple(sorted(p for p in folder.iterdir() if p.is_dir())) if folder.is_dir() else ()
        return {"xtts": found} if found else {}

    _manifest = staticmethod(read_manifest)

    # -- verify
    def verify(self, name: str, loader: Callable[[Path], object] | None = None) -> Verification:
        """Check every recorded checksum, then load the model (`loader(path)`, or the default
        for its kind). Problems are collected, not raised."""
        start = time.perf_counter()
        path = self.path(name)
        manifest = self._manifest(path) if path.is_dir() else {}
        return verify_entry(name, path, manifest, start, loader)

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

        def fill(tmp: Path) -> None:
            if src.is_dir():
                shutil.copytree(src, tmp, dirs_exist_ok=True)
            else:
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

        install_entry(self.root, name, fill)
        log.info("imported %s into %s", src, dest)
        return dest

    # -- fetch
    def fetch(self, name: str, *, download: Callable[[str, Path], None] | None = None,
              say: Callable[[str], None] | None = None) -> Path:
        """Download a catalogued model into the store: the only network access polydub makes,
        and only when asked by name. `say` is told where from before anything is fetched."""
        return fetch_entry(self.root, name, download=download, say=say)
