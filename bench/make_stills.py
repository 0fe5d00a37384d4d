"""Side-by-side stills for the README: source | rendered, at frames where given phonemes are
spoken, on the built-in astronaut presenter (public domain) speaking English TTS; the whole face
(astronaut_phonemes.png) and the mouth close up, 3x (astronaut_mouths.png).

    .venv/bin/python bench/make_stills.py   # writes docs/stills/*.png
    .venv/bin/python bench/make_stills.py --before OLD   # also a before | after sheet

`--before OLD`: a folder holding the astronaut_mouths.png an earlier version of this script made
(run it from that version's checkout with its output redirected there, or copy that version's
docs/stills/astronaut_mouths.png there); the close-ups are then also written as source | before |
after (astronaut_mouths_before_after.png). The render is deterministic, so both runs pick the
same frames. `--keep-before SHEET`: take the before column from an earlier source | before |
after sheet instead (so "before" keeps meaning the same older version across regenerations):

    .venv/bin/python bench/make_stills.py --keep-before /tmp/astronaut_mouths_before_after.png

The sheets are written at 5 bits per channel to keep the repository small.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lipsync import LipSyncEngine, media  # noqa: E402
from pipeline.demo import make_demo_presenter  # noqa: E402
from tts import Synthesizer  # noqa: E402

TEXT = ["Open the valve, then move the blue lever back.", "Wait five minutes."]
WANTED = ("a", "ɔ", "m", "iː", "uː", "f", "v", "b")


def before_after(close: list[np.ndarray], phones: list[str], old: np.ndarray) -> np.ndarray:
    """Rows of source | before | after from this run's close-ups and an earlier run's sheet
    `old` (RGB uint8, the same layout: a 30 px header, then source | rendered)."""
    rows, top = [], 0
    for pair, phone in zip(close, phones):
        h, half = pair.shape[0], pair.shape[1] // 2
        row = np.hstack([pair[:, :half], old[top:top + h, half:], pair[:, half:]])
        top += h
        row[:30] = 255
        cv2.putText(row, f"/{phone}/  source | before | after (3x)", (8, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.6,
                    (0, 0, 0), 1, cv2.LINE_AA)
        rows.append(row)
    return np.vstack(rows)


def write_still(path: Path, rgb: np.ndarray) -> None:
    """Write an RGB uint8 sheet as a small PNG: 5 bits per channel (an error of at most 4 of 255
    levels, invisible at this size) at zlib's highest level, about a third of the full size."""
    cv2.imwrite(str(path), cv2.cvtColor((rgb & 0xF8) | 4, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 9])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", type=Path, help="folder with an earlier run's astronaut_mouths.png")
    parser.add_argument("--keep-before", type=Path,
                        help="an earlier astronaut_mouths_before_after.png whose before column to keep")
    args = parser.parse_args()
    old = None  # the earlier sheet as source | rendered, read before this run overwrites it
    if args.before is not None:
        old = cv2.cvtColor(cv2.imread(str(args.before / "astronaut_mouths.png")), cv2.COLOR_BGR2RGB)
    elif args.keep_before is not None:
        sheet = cv2.cvtColor(cv2.imread(str(args.keep_before)), cv2.COLOR_BGR2RGB)
        old = sheet[:, :2 * (sheet.shape[1] // 3)]  # its source | before columns
    out_dir = ROOT / "docs" / "stills"
    out_dir.mkdir(parents=True, exist_ok=True)
    speech = Synthesizer().synthesize(TEXT, "en")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        presenter = make_demo_presenter(tmp / "astronaut.mp4", seconds=4.0, size=480)
        result = LipSyncEngine(tmp / "cache").render(presenter, speech.audio, speech.sample_rate,
                                                      speech.phonemes, tmp / "render.mp4")
        fps = float(result.fps)
        picks: dict[int, str] = {}
        for start, end, phone in speech.phonemes:
            base = phone.rstrip("ː")
            if any(base == w.rstrip("ː") for w in WANTED) and phone not in picks.values():
                picks[int((start + end) / 2 * fps)] = phone
        indices = list(media.playback_indices(media.probe(presenter).video.frames, result.frames))
        rendered = {i: f for i, f in enumerate(media.iter_frames(tmp / "render.mp4")) if i in picks}
        wanted_src = {indices[i] for i in picks}
        source = {i: f for i, f in enumerate(media.iter_frames(presenter)) if i in wanted_src}
        analysis = LipSyncEngine(tmp / "cache").analyse(presenter)
        mouths = {i: np.asarray(analysis.landmarks[indices[i]])[[13, 14]].mean(0) for i in picks}
        tiles, close = [], []
        for i, phone in sorted(picks.items()):
            cx, cy = np.round(mouths[i]).astype(int)
            pair = np.hstack([f[cy - 24:cy + 26, cx - 40:cx + 40] for f in (source[indices[i]], rendered[i])])
            pair = cv2.resize(pair, None, fx=3, fy=3, interpolation=cv2.INTER_CUBIC)
            pair = cv2.copyMakeBorder(pair, 30, 4, 0, 0, cv2.BORDER_CONSTANT, value=(255, 255, 255))
            cv2.putText(pair, f"/{phone}/  source | rendered (3x)", (8, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.6,
                        (0, 0, 0), 1, cv2.LINE_AA)
            close.append(pair)
            pair = np.hstack([source[indices[i]][110:350, 120:360], rendered[i][110:350, 120:360]])
            pair = cv2.copyMakeBorder(pair, 30, 0, 0, 0, cv2.BORDER_CONSTANT, value=(255, 255, 255))
            cv2.putText(pair, f"/{phone}/  source | rendered", (8, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.6,
                        (0, 0, 0), 1, cv2.LINE_AA)
            tiles.append(pair)
        sheet = np.vstack(tiles[:6])
        write_still(out_dir / "astronaut_phonemes.png", sheet)
        write_still(out_dir / "astronaut_mouths.png", np.vstack(close[:6]))
        if old is not None:
            write_still(out_dir / "astronaut_mouths_before_after.png",
                        before_after(close[:6], [p for _, p in sorted(picks.items())][:6], old))
        print(f"renderer {result.renderer}; phonemes {[p for _, p in sorted(picks.items())][:6]}; "
              f"wrote {out_dir / 'astronaut_phonemes.png'} and {out_dir / 'astronaut_mouths.png'}")


if __name__ == "__main__":
    main()
