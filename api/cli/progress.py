"""Progress bars for the command line: one tqdm bar per named task."""

from __future__ import annotations

import sys

from tqdm import tqdm


class ProgressBars:
    """Callable as progress(task, done, total); draws a bar per task on stderr."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled and sys.stderr is not None
        self._bars: dict[str, tqdm] = {}

    def __call__(self, task: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        bar = self._bars.get(task)
        if bar is None:
            bar = tqdm(total=total, desc=task, unit="step" if total < 10 else "frame",
                       leave=True, dynamic_ncols=True, file=sys.stderr)
            self._bars[task] = bar
        if total and bar.total != total:
            bar.total = total
        bar.update(done - bar.n)
        if total and done >= total:
            bar.close()

    def close(self) -> None:
        for bar in self._bars.values():
            bar.close()
        self._bars.clear()

    def __enter__(self) -> ProgressBars:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
