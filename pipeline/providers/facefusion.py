"""FaceFusion face pass, run locally as a command (no HTTP, no key, no cost).

Where a ``facefusion`` executable is on PATH (or configured: the registry's ``base_url`` is read
as the executable's path for this provider) the finishing stage can put a character's reference
face onto a take: ``inputs["face"]`` (reference image) + ``inputs["video"]`` (the take). The run is
an asyncio subprocess; ``submit`` starts it, ``poll`` watches it, ``fetch`` streams the output file.
The default command line is FaceFusion 3's ``headless-run``; ``command`` overrides it with
``{executable} {face} {target} {output}`` placeholders. Rerunning is free, so a job lost in a
restart is reported FAILED retryable.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import unquote, urlsplit

import httpx

from pipeline.providers._download import SNIFF_BYTES, check_media
from pipeline.providers.base import (
    Capability,
    DownloadError,
    GenRequest,
    PollResult,
    ProviderState,
    Refused,
    ResultExpired,
    SubmitResult,
)

NAME = "facefusion"
DEFAULT_COMMAND = (
    "{executable}",
    "headless-run",
    "--processors",
    "face_swapper",
    "-s",
    "{face}",
    "-t",
    "{target}",
    "-o",
    "{output}",
)
_CHUNK = 1024 * 1024


class FaceFusionAdapter:
    name: str = NAME
    capabilities: frozenset[Capability] = frozenset({Capability.FACE})
    needs_key: bool = False
    idempotent_submit: ClassVar[bool] = True  # local and free: running twice costs nothing
    default_concurrency: ClassVar[int] = 1  # one GPU/CPU-heavy run at a time

    def __init__(
        self,
        api_key: str = "",
        base_url: str | None = None,
        http: httpx.AsyncClient | None = None,
        concurrency: int | None = None,
        *,
        executable: str | None = None,
        work_dir: Path | None = None,
        command: Sequence[str] = DEFAULT_COMMAND,
        max_runtime_s: float = 1800.0,
    ) -> None:
        self.executable = executable or base_url or "facefusion"
        self.concurrency = concurrency or self.default_concurrency
        self.work_dir = (work_dir or Path(tempfile.gettempdir()) / "dailies-facefusion").resolve()
        self.command = tuple(command)
        self.max_runtime_s = max_runtime_s
        self._runs: dict[str, asyncio.Task[None]] = {}
        self._slots = asyncio.Semaphore(self.concurrency)

    def __repr__(self) -> str:
        return f"<FaceFusionAdapter executable={self.executable!r}>"

    def resolved(self) -> str | None:
        found = shutil.which(self.executable)
        if found:
            return found
        path = Path(self.executable)
        return str(path) if path.is_file() and os.access(path, os.X_OK) else None

    def available(self) -> bool:
        return self.resolved() is not None

    def price(self, request: GenRequest) -> int:
        return 0

    def _paths(self, job_id: str) -> tuple[Path, Path, Path]:
        base = self.work_dir / job_id
        return base / "output.mp4", base / "done", base / "stderr.txt"

    async def submit(self, request: GenRequest, idempotency_key: str) -> SubmitResult:
        exe = self.resolved()
        if exe is None:
            raise Refused(f"no FaceFusion executable at {self.executable!r}", code="unavailable")
        face, target = request.inputs.get("face"), request.inputs.get("video")
        if not face or not target:
            raise Refused("face pass needs inputs 'face' and 'video'", code="missing_input")
        for path in (face, target):
            if not _is_file(path):
                raise Refused(f"input not found: {Path(path).name}", code="missing_input")
        job_id = f"ff-{uuid.uuid4().hex[:16]}"
        output, done, errors = self._paths(job_id)
        output.parent.mkdir(parents=True, exist_ok=True)
        args = [
            part.format(executable=exe, face=face, target=target, output=output)
            for part in self.command
        ]
        args += [str(a) for a in request.options.get("extra_args", [])]
        self._runs[job_id] = asyncio.create_task(self._run(args, output, done, errors))
        return SubmitResult(
            provider_job_id=job_id, handle={"job_id": job_id, "output": output.as_uri()}
        )

    async def _run(self, args: list[str], output: Path, done: Path, errors: Path) -> None:
        async with self._slots:
            try:
                proc = await asyncio.create_subprocess_exec(
                    *args, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
                )
            except OSError as exc:
                _write(errors, f"cannot start facefusion: {exc}".encode())
                return
            try:
                _, stderr = await asyncio.wait_for(proc.communicate(), self.max_runtime_s)
            except TimeoutError:
                await _kill(proc)
                _write(errors, f"facefusion ran over {self.max_runtime_s:.0f} s, killed".encode())
                return
            except asyncio.CancelledError:
                await _kill(proc)
                _write(errors, b"facefusion cancelled")
                raise
            _write(errors, stderr[-4000:])
            if proc.returncode == 0 and _nonempty(output):
                _write(done, b"ok")

    async def poll(self, handle: dict[str, Any]) -> PollResult:
        job_id = str(handle["job_id"])
        output, done, errors = self._paths(job_id)
        task = self._runs.get(job_id)
        if task is not None and not task.done():
            return PollResult(ProviderState.RUNNING)
        if task is not None and task.cancelled():
            return PollResult(ProviderState.CANCELLED)
        if done.exists():
            return PollResult(ProviderState.SUCCEEDED, progress=1.0, output_urls=(output.as_uri(),))
        detail = errors.read_text(errors="replace")[-500:] if errors.exists() else ""
        lost = task is None and not errors.exists()
        return PollResult(
            ProviderState.FAILED,
            error_code="lost" if lost else "facefusion_failed",
            error_message=detail,
            retryable=True,
        )

    def fetch(self, url: str) -> AsyncIterator[bytes]:
        return self._stream(url)

    def _output_path(self, url: str) -> Path:
        parts = urlsplit(url)
        path = Path(unquote(parts.path)).resolve()
        if parts.scheme != "file" or not path.is_relative_to(self.work_dir):
            raise DownloadError("not a FaceFusion output", code="bad_url")
        if not path.is_file():
            raise ResultExpired("FaceFusion output is gone", code="missing")
        return path

    async def _stream(self, url: str) -> AsyncIterator[bytes]:
        with self._output_path(url).open("rb") as fh:
            head = fh.read(SNIFF_BYTES)
            check_media(head, "", frozenset({"video"}))
            yield head
            while chunk := fh.read(_CHUNK):
                yield chunk

    async def cancel(self, handle: dict[str, Any]) -> None:
        task = self._runs.get(str(handle["job_id"]))
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await task

    async def reconcile(self, idempotency_key: str, request: GenRequest) -> SubmitResult | None:
        return None  # nothing was paid for; the worker may simply submit again

    async def aclose(self) -> None:
        for task in self._runs.values():
            task.cancel()
        for task in self._runs.values():
            with contextlib.suppress(asyncio.CancelledError):
                await task


def _is_file(path: str) -> bool:
    return Path(path).is_file()


def _nonempty(path: Path) -> bool:
    return path.is_file() and path.stat().st_size > 0


def _write(path: Path, data: bytes) -> None:
    path.write_bytes(data)


async def _kill(proc: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):
        proc.kill()
    await proc.wait()


PROVIDER_CLASS = FaceFusionAdapter
