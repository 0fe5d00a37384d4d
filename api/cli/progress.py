"""Progress bars for the command line (one tqdm bar per named task), and the log lines shown
while a job runs here (`store_paths_hidden`)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm


class ProgressBars:
    """Callable as progress(task, done, total); draws a bar per task on stderr."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled and sys.stderr is not None
        self._bars: dict[str, tqdm] = {}
        self._full: set[str] = set()  # bars closed at their total: a repeated final report draws nothing
        self._redirect = ExitStack()

    def __call__(self, task: str, done: int, total: int, unit: str | None = None) -> None:
        """Move `task`'s bar to `done` of `total` (opened on the first call; closed, and
        forgotten, when done reaches total). `unit`: what is counted ("sample"); by default
        "%" for a total of 100, else "step" under 10, else "frame"."""
        if not self.enabled or (task in self._full and total and done >= total):
            return
        self._full.discard(task)
        bar = self._bars.get(task)
        if bar is None:
            unit = unit or ("%" if total == 100 else "step" if total < 10 else "frame")
            # A percentage's rate ("3106891.85%/s" for a step reused at once) says nothing: the
            # bar shows elapsed and time left only.
            fmt = "{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}]" if unit == "%" else None
            bar = tqdm(total=total, desc=task, unit=unit, bar_format=fmt,
                       leave=True, dynamic_ncols=True, file=sys.stderr)
            self._bars[task] = bar
        if total and bar.total != total:
            bar.total = total
        bar.update(done - bar.n)
        if total and done >= total:
            # closed once: `finish` for the same task must not draw the full bar again
            self._bars.pop(task, None)
            self._full.add(task)
            bar.close()

    def finish(self, task: str, *, failed: bool = False) -> None:
        """The task ended (done, failed, reused): close its bar, if it has one, full, or where it
        stopped and marked "failed" (a full bar would read as done)."""
        bar = self._bars.pop(task, None)
        if bar is not None:
            if failed:
                bar.set_description_str(f"{task} (failed)", refresh=False)
            elif bar.total:
                bar.update(bar.total - bar.n)
            bar.close()

    def write(self, line: str) -> None:
        """A line on stderr that does not break the bars."""
        if self.enabled:
            tqdm.write(line, file=sys.stderr)
        else:
            print(line, file=sys.stderr)

    def close(self) -> None:
        for bar in self._bars.values():
            bar.close()
        self._bars.clear()

    def __enter__(self) -> ProgressBars:
        # A log line written while a bar is drawn was glued to the bar's line: while the bars
        # are live, the terminal's log handler writes through tqdm (which clears and redraws
        # them). Only when there is such a handler: none is added where none was.
        if self.enabled and any(_on_terminal(h) for h in logging.getLogger().handlers):
            self._redirect.enter_context(logging_redirect_tqdm())
        return self

    def __exit__(self, *exc) -> None:
        self.close()
        self._redirect.close()


def _on_terminal(handler: logging.Handler) -> bool:
    """A handler that writes to stderr or stdout (as tqdm's redirect picks them)."""
    return isinstance(handler, logging.StreamHandler) and getattr(handler, "stream", None) in (sys.stderr, sys.stdout)


class _HidePaths(logging.Filter):
    """Rewrites a record's message with `hide` (`pipeline.jobs.paths.path_hider`)."""

    def __init__(self, hide: Callable[[str], str]):
        super().__init__()
        self.hide = hide

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self.hide(record.getMessage()), None
        return True


@contextmanager
def store_paths_hidden(data_dir: Path) -> Iterator[None]:
    """While the job runs here, log lines in the terminal name the file the user gave, not the
    store's copy of it ("cut.wav: the audio is cut off ... (accepted)", as the errors do): a
    filter on the root logger's handlers, removed afterwards."""
    from api.redact import path_hider

    hiding = _HidePaths(path_hider(data_dir))
    handlers = list(logging.getLogger().handlers)
    for handler in handlers:
        handler.addFilter(hiding)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(hiding)
