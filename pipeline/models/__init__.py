"""The model store: resolves a model name to a path on this machine, without a network.

Search order for `store.path(name)`: an explicit override → `<root>/<name>` (root is
`$POLYDUB_MODELS`, else the user data folder) → the Python package that ships the model.
Models shipped in parts (Whisper base, Kokoro) are joined once into the store, atomically:
written under a temporary name, then renamed, under a file lock, so two processes starting
together neither corrupt nor duplicate it. Every store entry carries `polydub-model.json`
(kind, licence, source, per-file sha256); `verify` checks those (or the installing wheel's
RECORD for package-shipped files) and loads the model. Only `fetch` touches the network, and
only when asked by name.

Modules: `catalogue` (the models known by name), `files` (manifest, checksums, lock, atomic
install), `kinds` (kind detection, load checks), `verify`, `fetch`, `store` (`ModelStore`).
"""

from pipeline.models.catalogue import CATALOGUE, Catalogued, _whisper_parts
from pipeline.models.fetch import _download, fetch_entry
from pipeline.models.files import (
    MANIFEST, _checksums, _concatenate, _file_lock, _package_dir, install_entry, read_manifest, sha256_file,
    write_manifest)
from pipeline.models.kinds import LOADERS, detect_kind
from pipeline.models.store import ENV, TRANSLATION_KINDS, ModelInfo, ModelStore, default_root
from pipeline.models.verify import Verification, _verify_record, verify_entry

__all__ = [
    "CATALOGUE", "ENV", "LOADERS", "MANIFEST", "TRANSLATION_KINDS", "Catalogued", "ModelInfo", "ModelStore",
    "Verification", "default_root", "detect_kind", "fetch_entry", "install_entry", "read_manifest", "sha256_file",
    "verify_entry", "write_manifest",
    # kept importable for code written against the single-module layout
    "_checksums", "_concatenate", "_download", "_file_lock", "_package_dir", "_verify_record", "_whisper_parts",
]
