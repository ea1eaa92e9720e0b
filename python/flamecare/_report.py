"""Where the library's log lines and progress go: the ``flamecare`` logger and tqdm bars."""
from __future__ import annotations

import importlib.util
import logging

logger = logging.getLogger("flamecare")


def _tqdm():
    """tqdm.auto's bar (a widget in Jupyter) when ipywidgets is there; the text bar otherwise,
    which tqdm.auto would fall back to in Jupyter after a TqdmWarning on every call."""
    if importlib.util.find_spec("ipywidgets") is None:
        from tqdm.std import tqdm
    else:
        from tqdm.auto import tqdm
    return tqdm


class Sink:
    """Receives a library call's events on the calling thread (see python/src/reported_call.hpp):
    log lines go to the ``flamecare`` logger, progress to one tqdm bar per stage when ``progress``
    is true (a widget in Jupyter with ipywidgets, text elsewhere)."""

    def __init__(self, progress: bool) -> None:
        self._show = bool(progress)
        self._bar = None
        self._stage = None

    def log(self, level: int, message: str) -> None:
        logger.log(level, message)

    def progress(self, stage: str, done: int, total: int) -> None:
        if not self._show or total <= 0:
            return
        if stage != self._stage:
            self.close()
            self._bar = _tqdm()(total=total, desc=stage, unit="item", leave=True)
            self._stage = stage
        elif self._bar is None:
            return  # this stage's bar has finished
        bar = self._bar
        if bar.total != total:
            bar.total = total
        bar.update(done - bar.n)
        if done >= total:
            self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        self._bar = None
