"""One fraction for a render made of several ffmpeg runs (cards, join, loudness, mux, copy).

Each stage gets a weight (about its share of the work); ffmpeg's ``-progress`` fraction within a
stage moves the whole between the stage's bounds, so a status card or CLI bar only goes forward.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from pipeline.media.ffmpeg import ProgressCallback

log = logging.getLogger(__name__)
StageCallback = Callable[[str, float], None]


class Stages:
    """``stages = Stages({"cards": 1, "join": 2}, report)``; ``stages.cb("join")`` -> callback."""

    def __init__(self, weights: dict[str, float], report: StageCallback | None = None) -> None:
        total = sum(weights.values()) or 1.0
        self._bounds: dict[str, tuple[float, float]] = {}
        acc = 0.0
        for name, weight in weights.items():
            self._bounds[name] = (acc / total, (acc + weight) / total)
            acc += weight
        self._report = report
        self.fraction = 0.0
        self.stage = ""

    def cb(self, name: str) -> ProgressCallback:
        low, high = self._bounds.get(name, (self.fraction, self.fraction))

        def update(fraction: float) -> None:
            self.set(name, low + (high - low) * max(0.0, min(1.0, fraction)))

        return update

    def set(self, name: str, fraction: float) -> None:
        if fraction < self.fraction:
            return  # parallel pieces report out of order; never go backwards
        self.fraction, self.stage = fraction, name
        if self._report is not None:
            try:
                self._report(name, fraction)
            except Exception:  # a broken card or bar must not stop a render
                log.exception("render progress report failed")

    def done(self, name: str) -> None:
        self.set(name, self._bounds.get(name, (0.0, self.fraction))[1])


class Throttle:
    """Pass on a fraction only when it moved ``step`` or ``every_s`` passed (status cards)."""

    def __init__(self, send: StageCallback, *, step: float = 0.1, every_s: float = 3.0) -> None:
        self._send = send
        self._step = step
        self._every = every_s
        self._last = -1.0
        self._at = 0.0

    def __call__(self, stage: str, fraction: float) -> None:
        now = time.monotonic()
        due = (
            fraction >= 1.0 or fraction - self._last >= self._step or now - self._at >= self._every
        )
        if due and fraction > self._last:
            self._last, self._at = fraction, now
            self._send(stage, fraction)
