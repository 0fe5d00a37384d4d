"""What a sync report's figures mean, in words: the words measure on its measured scale, which
way the lag runs, and whether the audio covers the video (`polydub eval sync` prints these).

The scale is the README's "Lip-sync quality" table (`bench/bench_quality.py` on
`../shared/media`, 2026-11-30): the words measure reads 0.30-0.57 on real footage with its own
audio, -0.16...0.26 (mean -0.01) on footage against another narration, and 0.47-0.76 on renders.
"""

from __future__ import annotations

import math
import re

#: the words measure's scale (see the module's docstring): footage with its own audio, lowest
#: and highest; footage against unrelated audio, highest; renders, lowest and highest
OWN_AUDIO = (0.30, 0.57)
UNRELATED_MAX = 0.26
RENDERS = (0.47, 0.76)
#: audio and video lengths differing by more than this are said (s): one frame at 25 fps or
#: the rounding of an encoder's last audio packet is not worth a word
LENGTH_TOLERANCE_S = 0.25

_SCALE = (f"real footage with its own audio reads {OWN_AUDIO[0]:.2f}-{OWN_AUDIO[1]:.2f}, renders "
          f"{RENDERS[0]:.2f}-{RENDERS[1]:.2f}; unrelated audio reads up to {UNRELATED_MAX:.2f}")


def words_verdict(r: float) -> str:
    """The words measure `r` (best Pearson correlation within ±2 frames, as the scale was
    measured) judged on that scale, with it: "words r 0.76 (best within ±2 frames): in sync (...)"."""
    if r is None or math.isnan(r):
        return "words r n/a: no verdict (no face tracked or no speech heard in the frames judged)"
    if r >= RENDERS[0]:
        judged = "in sync"
    elif r > UNRELATED_MAX:
        judged = "probably in sync, as loosely as real footage can read"
    else:
        judged = "not in sync with this audio, no better than unrelated audio"
    return f"words r {r:.2f} (best within ±2 frames): {judged} ({_SCALE})"


def lag_words(lag: int, fps: float) -> str:
    """Which way a best lag (frames; positive: the mouth comes late, `LagCorrelation`) runs,
    in frames and milliseconds: "the mouth follows the sound by 1 frame (40 ms)"."""
    if lag == 0:
        return "mouth and sound together"
    ms = round(abs(lag) / fps * 1000) if fps > 0 else 0
    frames = f"{abs(lag)} frame{'s' if abs(lag) != 1 else ''} ({ms} ms)"
    return f"the mouth follows the sound by {frames}" if lag > 0 else f"the mouth leads the sound by {frames}"


def length_note(audio_s: float | None, video_s: float) -> str | None:
    """A line when the audio's length differs from the video's by more than
    `LENGTH_TOLERANCE_S` (what is then judged), else None."""
    if audio_s is None or abs(audio_s - video_s) <= LENGTH_TOLERANCE_S:
        return None
    if audio_s < video_s:
        return (f"the audio lasts {audio_s:.1f} s, the video {video_s:.1f} s: only the first {audio_s:.1f} s "
                f"are judged; is this the audio the video was made with?")
    return (f"the audio lasts {audio_s:.1f} s, the video {video_s:.1f} s: the audio past the video's end "
            f"is not judged; is this the audio the video was made with?")


def heard_excerpt(text: str, width: int = 200) -> str:
    """`text` on one line, whole when at most `width` characters, else cut at the last sentence or
    clause end within `width` (or, with none past a third of it, the last word) with " …"."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    head = text[:width + 1]
    ends = [m.end() for m in re.finditer(r"[.!?;:,](?=\s)", head) if m.end() >= width // 3]
    cut = ends[-1] if ends else (head.rfind(" ") if head.rfind(" ") > 0 else width)
    return text[:cut].rstrip() + " …"
