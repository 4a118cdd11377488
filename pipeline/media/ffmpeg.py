"""Find ffmpeg and run it without blocking the event loop.

ffmpeg comes from ``$DAILIES_FFMPEG`` (or ``Settings.ffmpeg_path``), else ``ffmpeg`` on PATH,
else the binary inside the ``imageio-ffmpeg`` wheel, so ``pip install`` is enough.

Every run goes through :func:`run_ffmpeg`: an asyncio subprocess, ``-progress pipe:1`` parsed into
a fraction-done callback (status cards and CLI bars), a per-event-loop limit on concurrent
processes (the machine has two cores; ten x264 encoders at once would only thrash), and the
process is killed when the awaiting task is cancelled or times out, so no orphan keeps encoding.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import shutil
import subprocess
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

log = logging.getLogger(__name__)

ProgressCallback = Callable[[float], None]

# How much of stderr we keep: enough for ffmpeg's error and a filter's summary, bounded for
# a pathological run that logs a line per frame.
_STDERR_KEEP = 256 * 1024


class FfmpegError(RuntimeError):
    """ffmpeg exited non-zero (or could not be found). ``stderr_tail`` says why."""

    def __init__(
        self, message: str, *, returncode: int | None = None, stderr_tail: str = ""
    ) -> None:
        super().__init__(message)
        self.returncode = returncode
        self.stderr_tail = stderr_tail


MIN_VERSION = (5, 1)
_VERSION = re.compile(r"ffmpeg version n?(\d+)\.(\d+)")


def ffmpeg_version(exe: str) -> tuple[int, int] | None:
    """(major, minor) from ``exe -version``; None for a build that does not say (git builds)."""
    try:
        out = subprocess.run([exe, "-hide_banner", "-version"], capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = _VERSION.search(out.stdout.decode("utf-8", "replace"))
    return (int(match.group(1)), int(match.group(2))) if match else None


@lru_cache(maxsize=8)
def _resolve(explicit: str | None) -> str:
    if explicit:
        found = shutil.which(explicit) or (explicit if os.path.isfile(explicit) else None)
        if not found:
            raise FfmpegError(f"ffmpeg not found at {explicit!r} (DAILIES_FFMPEG / ffmpeg_path)")
        return found
    on_path = shutil.which("ffmpeg")
    if on_path:
        version = ffmpeg_version(on_path)
        if version is not None and version >= MIN_VERSION:
            return on_path
        # An old distribution ffmpeg lacks options we use (-fps_mode came in 5.1).
        log.warning("ffmpeg on PATH (%s) is older than %s.%s or unreadable; using the wheel's",
                    on_path, *MIN_VERSION)  # fmt: skip
    try:
        import imageio_ffmpeg
    except ImportError as exc:  # pragma: no cover - it is a hard dependency
        raise FfmpegError("no ffmpeg on PATH and imageio-ffmpeg is not installed") from exc
    return str(imageio_ffmpeg.get_ffmpeg_exe())


def ffmpeg_exe(explicit: str | None = None) -> str:
    """The ffmpeg binary to run: argument, ``$DAILIES_FFMPEG``, PATH, then the wheel's."""
    return _resolve(explicit or os.environ.get("DAILIES_FFMPEG") or None)


def _default_limit() -> int:
    raw = os.environ.get("DAILIES_FFMPEG_JOBS", "")
    if raw.isdigit() and int(raw) > 0:
        return int(raw)
    return max(1, min(2, os.cpu_count() or 1))


# One semaphore per event loop: an asyncio.Semaphore is bound to the loop it first waits on,
# and tests (and `dailies demo`) start more than one loop per process.
_limits: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)
_limit_value = _default_limit()


def set_concurrency(limit: int) -> None:
    """Change how many ffmpeg processes may run at once (applies to loops started afterwards)."""
    global _limit_value
    _limit_value = max(1, limit)
    _limits.clear()


def _limit() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    sem = _limits.get(loop)
    if sem is None:
        sem = asyncio.Semaphore(_limit_value)
        _limits[loop] = sem
    return sem


@dataclass(frozen=True)
class FfmpegRun:
    returncode: int
    stderr: str
    elapsed_s: float


def parse_progress_block(lines: Sequence[str]) -> dict[str, str]:
    """``key=value`` lines of one ``-progress`` block into a dict."""
    out: dict[str, str] = {}
    for line in lines:
        key, sep, value = line.partition("=")
        if sep:
            out[key.strip()] = value.strip()
    return out


def progress_fraction(block: dict[str, str], total_s: float | None) -> float | None:
    """Fraction done from one progress block, or None when ffmpeg has not said yet."""
    if block.get("progress") == "end":
        return 1.0
    if not total_s or total_s <= 0:
        return None
    # out_time_us is microseconds; out_time_ms is (historically, confusingly) microseconds too.
    raw = block.get("out_time_us") or block.get("out_time_ms")
    if not raw or not raw.lstrip("-").isdigit():
        return None
    return max(0.0, min(1.0, int(raw) / 1_000_000 / total_s))


async def _pump_progress(
    stream: asyncio.StreamReader, total_s: float | None, on_progress: ProgressCallback | None
) -> None:
    block: list[str] = []
    last = -1.0
    while True:
        raw = await stream.readline()
        if not raw:
            return
        line = raw.decode("utf-8", "replace").strip()
        block.append(line)
        if not line.startswith("progress="):
            continue
        fraction = progress_fraction(parse_progress_block(block), total_s)
        block = []
        if on_progress is not None and fraction is not None and fraction != last:
            last = fraction
            try:
                on_progress(fraction)
            except Exception:  # a broken status card must not kill a render
                log.exception("progress callback failed")


async def _drain(stream: asyncio.StreamReader, sink: bytearray) -> None:
    while True:
        chunk = await stream.read(65536)
        if not chunk:
            return
        sink += chunk
        if len(sink) > _STDERR_KEEP * 2:
            del sink[: len(sink) - _STDERR_KEEP]


async def run_ffmpeg(
    args: Sequence[str],
    *,
    total_s: float | None = None,
    on_progress: ProgressCallback | None = None,
    timeout_s: float | None = 600.0,
    stdin_data: bytes | None = None,
    check: bool = True,
) -> FfmpegRun:
    """Run ``ffmpeg <args>`` (no binary name in ``args``); returns its stderr for parsers.

    ``total_s`` is the expected output duration, used to turn ffmpeg's ``out_time`` into a
    fraction for ``on_progress`` (called with 0.0..1.0, finally 1.0). Raises
    :class:`FfmpegError` on a non-zero exit when ``check``; ``TimeoutError`` after ``timeout_s``.
    """
    cmd = [
        ffmpeg_exe(),
        "-hide_banner",
        *(["-nostdin"] if stdin_data is None else []),
        "-y",
        "-progress",
        "pipe:1",
        "-nostats",
        *args,
    ]
    loop = asyncio.get_running_loop()
    async with _limit():
        started = loop.time()
        proc = await asyncio.create_subprocess_exec(
            *cmd,
            stdin=asyncio.subprocess.PIPE if stdin_data is not None else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert proc.stdout is not None and proc.stderr is not None
        err = bytearray()
        pumps = [
            asyncio.ensure_future(_pump_progress(proc.stdout, total_s, on_progress)),
            asyncio.ensure_future(_drain(proc.stderr, err)),
        ]

        async def feed() -> None:
            if stdin_data is not None and proc.stdin is not None:
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    proc.stdin.write(stdin_data)
                    await proc.stdin.drain()
                    proc.stdin.close()

        try:
            async with asyncio.timeout(timeout_s):
                await feed()
                await asyncio.gather(*pumps)
                returncode = await proc.wait()
        except BaseException:
            # Cancelled or timed out: never leave an encoder running behind our back.
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            with contextlib.suppress(Exception):
                await asyncio.shield(proc.wait())
            for pump in pumps:
                pump.cancel()
            raise
        elapsed = loop.time() - started
    stderr = bytes(err[-_STDERR_KEEP:]).decode("utf-8", "replace")
    if check and returncode != 0:
        tail = "\n".join(stderr.strip().splitlines()[-12:])
        log.warning("ffmpeg failed rc=%s: %s", returncode, tail[-500:])
        raise FfmpegError(f"ffmpeg exited {returncode}", returncode=returncode, stderr_tail=tail)
    return FfmpegRun(returncode=returncode, stderr=stderr, elapsed_s=elapsed)
