"""The built-in demo: a short SOP script and a presenter made from a public-domain photo.

The presenter is scikit-image's `astronaut` (Eileen Collins, NASA, public domain), moved
with a gentle idle motion (slow drift, breathing scale, a slight head tilt) so it behaves like
footage rather than a still.
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

from lipsync.media import VideoWriter

DEMO_SCRIPT = """\
# Cleaning the filling nozzle

Clean the filling nozzle at the end of every shift.
Wear gloves and safety glasses before you start.

1. Switch off the machine and wait 5 minutes for it to cool.
2. Remove the nozzle and rinse it with warm water.
3. Dry the nozzle with a clean cloth and fit it back in place.
"""

DEMO_LANGUAGES = ("en", "pt")
#: The demo presenter (Eileen Collins) is a woman and her footage has no sound: her register is
#: declared, so the demo does not dub her with the languages' default (male) voices.
DEMO_PRESENTER_REGISTER = "female"


def demo_voices(presenter: str | Path, languages: tuple[str, ...] = DEMO_LANGUAGES) -> dict[str, dict[str, str]]:
    """The job spec's `voices` for the demo presenter: her register declared for every language,
    so the job's voice choice (`pipeline.voicing`) picks a woman's voice and records why."""
    return {Path(presenter).name: {lang: DEMO_PRESENTER_REGISTER for lang in languages}}


def astronaut_image() -> np.ndarray:
    """The astronaut photo as RGB uint8 (512x512)."""
    from skimage import data

    return np.ascontiguousarray(data.astronaut())


def idle_frame(image: np.ndarray, t: float, size: int) -> np.ndarray:
    """The photo at time `t` seconds: a head-and-shoulders crop with gentle idle motion."""
    # Face centre of the astronaut photo, in source pixels.
    cx, cy = 218.0, 150.0
    crop = 300.0
    drift_x = 4.0 * math.sin(2 * math.pi * t / 5.3)
    drift_y = 3.0 * math.sin(2 * math.pi * t / 4.1 + 1.0)
    scale = (size / crop) * (1.0 + 0.02 * math.sin(2 * math.pi * t / 3.7))
    angle = 1.2 * math.sin(2 * math.pi * t / 6.1)
    m = cv2.getRotationMatrix2D((cx + drift_x, cy + drift_y), angle, scale)
    m[0, 2] += size / 2 - (cx + drift_x)
    m[1, 2] += size / 2 - (cy + drift_y)
    return cv2.warpAffine(image, m, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def make_demo_presenter(path: str | Path, seconds: float = 4.0, size: int = 480,
                        fps: Fraction = Fraction(25)) -> Path:
    """Write the demo presenter video (no audio) and return its path."""
    path = Path(path)
    image = astronaut_image()
    n = int(round(seconds * fps))
    with VideoWriter(path, size, size, fps, comment="polydub demo presenter (NASA photo, public domain)") as writer:
        for i in range(n):
            writer.write(idle_frame(image, i / float(fps), size))
    return path
