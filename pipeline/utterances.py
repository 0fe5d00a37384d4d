"""Utterances a take has spoken, kept on disk until the take is finished (`tts.UtteranceStore`).

A speak task stopped part-way (Ctrl-C: 21 s per Kokoro sentence on a loaded 2-core machine)
used to speak every sentence again when the same command resumed. The synthesizer now keeps each
chunk's utterance here (`<cache>/utterances/<key>.npz`, key: `tts.synthesizer.utterance_key`)
and forgets a take's chunks once the take is whole, so the folder holds only interrupted work.
Each file is written whole (`pipeline.atomic`); the audio comes back sample for sample, so a
resumed take is the same as an uninterrupted one.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Collection
from pathlib import Path

import numpy as np

from pipeline.atomic import atomic_path

log = logging.getLogger(__name__)


class FileUtterances:
    """A `tts.synthesizer.UtteranceStore` on a folder (made on the first write)."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}.npz"

    def get(self, key: str):
        """The kept `tts.backends.Utterance`, or None (none kept, or a file that cannot be read:
        then the chunk is spoken again)."""
        from tts.backends import Utterance
        from tts.types import Phone, TimedText

        path = self._path(key)
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as data:
                audio, rate = np.asarray(data["audio"], np.float32), int(data["sample_rate"])
                timings = json.loads(str(data["timings"]))
        except (OSError, ValueError, KeyError) as exc:
            log.warning("kept utterance %s unreadable (%s); speaking it again", path.name, exc)
            return None
        return Utterance(audio, rate, tuple(Phone(*p) for p in timings["phones"]),
                         tuple(TimedText(*w) for w in timings["words"]))

    def put(self, key: str, utterance) -> None:
        """Keep `utterance` (audio float32, its phones and words) under `key`, written whole."""
        self.folder.mkdir(parents=True, exist_ok=True)
        timings = json.dumps({"phones": [list(p) for p in utterance.phones],
                              "words": [list(w) for w in utterance.words]}, ensure_ascii=False)
        with atomic_path(self._path(key)) as tmp, open(tmp, "wb") as out:
            np.savez(out, audio=np.asarray(utterance.audio, np.float32), sample_rate=utterance.sample_rate,
                     timings=np.array(timings))

    def forget(self, keys: Collection[str]) -> None:
        """Remove these keys' files (those already gone are skipped)."""
        for key in set(keys):
            self._path(key).unlink(missing_ok=True)
