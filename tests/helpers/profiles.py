"""A presenter's voice profile put where a service keeps it (`<data>/voices/<sha256 of the file>.json`,
`pipeline.voicing.PresenterVoices`), so a test server treats the presenter as declared without
measuring speech it does not have."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path


def declare_register(data_dir: Path, video: Path, register: str) -> Path:
    """Cache a declared `register` ("female", "male") profile for `video`'s content; returns the file."""
    import tts

    cache = data_dir / "voices"
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"{hashlib.sha256(video.read_bytes()).hexdigest()}.json"
    path.write_text(json.dumps(tts.declared_profile(register).to_dict()), encoding="utf-8")
    return path
