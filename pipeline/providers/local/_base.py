"""What the local providers share: a render task per idempotency key, a JSON handle, file fetch.

A local provider costs nothing and its output is a pure function of the request, so the handle
carries the whole request: after a crash, ``poll`` on a handle whose file is missing simply
renders again (same seed, same inputs, same picture). ``submit`` waits a little for the render
(``submit_wait_s``) so short takes come back ``immediate``; longer ones report progress by poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import unquote, urlparse

from pipeline.media.ffmpeg import ProgressCallback
from pipeline.providers.base import (
    Capability,
    GenRequest,
    PollResult,
    ProviderState,
    Refused,
    ResultExpired,
    SubmitResult,
)

log = logging.getLogger(__name__)

CHUNK = 256 * 1024


def request_to_json(request: GenRequest) -> dict[str, Any]:
    return {
        "capability": request.capability.value,
        "prompt": request.prompt,
        "model": request.model,
        "duration_s": request.duration_s,
        "width": request.width,
        "height": request.height,
        "fps": request.fps,
        "seed": request.seed,
        "inputs": dict(request.inputs),
        "options": dict(request.options),
    }


def request_from_json(data: dict[str, Any]) -> GenRequest:
    return GenRequest(
        capability=Capability(data["capability"]),
        prompt=data.get("prompt", ""),
        model=data.get("model", ""),
        duration_s=float(data.get("duration_s", 5.0)),
        width=int(data.get("width", 1280)),
        height=int(data.get("height", 720)),
        fps=int(data.get("fps", 24)),
        seed=int(data.get("seed", 0)),
        inputs=dict(data.get("inputs", {})),
        options=dict(data.get("options", {})),
    )


def default_work_dir() -> Path:
    base = os.environ.get("DAILIES_LOCAL_RENDER_DIR")
    return Path(base) if base else Path(tempfile.gettempdir()) / "dailies-local-renders"


class LocalProvider:
    """Base for the key-less providers; subclasses implement :meth:`render`."""

    name: str = "local"
    capabilities: frozenset[Capability] = frozenset()
    needs_key: bool = False
    suffix: ClassVar[str] = ".mp4"

    def __init__(
        self,
        *,
        work_dir: str | Path | None = None,
        concurrency: int = 2,
        submit_wait_s: float = 20.0,
    ) -> None:
        self.work_dir = Path(work_dir) if work_dir is not None else default_work_dir()
        self.concurrency = concurrency
        self.submit_wait_s = submit_wait_s
        self._tasks: dict[str, asyncio.Task[Path]] = {}
        self._progress: dict[str, float] = {}

    # ------------------------------------------------------------------ to implement

    async def render(self, request: GenRequest, dst: Path, progress: ProgressCallback) -> None:
        raise NotImplementedError

    def check(self, request: GenRequest) -> None:
        """Refuse a request that cannot succeed (missing input...), before any work."""
        if request.capability not in self.capabilities:
            raise Refused(f"{self.name} cannot do {request.capability}", code="capability")

    # ------------------------------------------------------------------ the contract

    def price(self, request: GenRequest) -> int:
        return 0

    def output_path(self, idempotency_key: str, request: GenRequest) -> Path:
        digest = hashlib.sha256(
            json.dumps([idempotency_key, request_to_json(request)], sort_keys=True).encode()
        ).hexdigest()[:24]
        return self.work_dir / self.name / f"{digest}{self.suffix}"

    async def submit(self, request: GenRequest, idempotency_key: str) -> SubmitResult:
        self.check(request)
        dst = self.output_path(idempotency_key, request)
        handle = {
            "provider": self.name,
            "key": idempotency_key,
            "request": request_to_json(request),
            "output": str(dst),
        }
        task = self._start(idempotency_key, request, dst)
        done, _ = await asyncio.wait({task}, timeout=self.submit_wait_s)
        immediate = self._result(handle, task) if done else None
        if immediate is not None and immediate.state == ProviderState.SUCCEEDED:
            self._tasks.pop(idempotency_key, None)
            self._progress.pop(idempotency_key, None)
        return SubmitResult(provider_job_id=dst.stem, handle=handle, immediate=immediate)

    async def poll(self, handle: dict[str, Any]) -> PollResult:
        key = str(handle["key"])
        dst = Path(handle["output"])
        task = self._tasks.get(key)
        if task is None:
            if await asyncio.to_thread(dst.exists):
                return self._succeeded(dst)
            # A restart lost the render; the request is all we need to make it again, unless
            # its inputs are gone too: then say so once instead of failing on every retry.
            request = request_from_json(handle["request"])
            try:
                self.check(request)
            except Refused as exc:
                return PollResult(ProviderState.FAILED, error_code=exc.code or "refused",
                                  error_message=str(exc), retryable=False)  # fmt: skip
            log.info("local render %s for %s missing; rendering again", dst.name, key)
            task = self._start(key, request, dst)
        if not task.done():
            return PollResult(ProviderState.RUNNING, progress=self._progress.get(key, 0.0))
        result = self._result(handle, task)
        if result.state == ProviderState.SUCCEEDED:
            # The file answers from now on; a long-running worker keeps no finished tasks.
            self._tasks.pop(key, None)
            self._progress.pop(key, None)
        return result

    async def fetch(self, url: str) -> AsyncIterator[bytes]:
        path = _path_from_url(url)
        if not path.exists():
            raise ResultExpired(f"{path.name} is gone", code="missing")
        with path.open("rb") as fh:
            while True:
                chunk = await asyncio.to_thread(fh.read, CHUNK)
                if not chunk:
                    return
                yield chunk

    async def cancel(self, handle: dict[str, Any]) -> None:
        task = self._tasks.pop(str(handle["key"]), None)
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await asyncio.to_thread(Path(handle["output"]).unlink, missing_ok=True)

    async def reconcile(self, idempotency_key: str, request: GenRequest) -> SubmitResult | None:
        # Free and deterministic: submitting again cannot charge twice or differ.
        return await self.submit(request, idempotency_key)

    # ------------------------------------------------------------------ internals

    def _start(self, key: str, request: GenRequest, dst: Path) -> asyncio.Task[Path]:
        task = self._tasks.get(key)
        if task is not None and not (task.done() and (task.cancelled() or task.exception())):
            return task
        self._progress[key] = 0.0

        def progress(fraction: float) -> None:
            self._progress[key] = max(self._progress.get(key, 0.0), min(1.0, fraction))

        task = asyncio.create_task(self._run(request, dst, progress), name=f"{self.name}:{key}")
        self._tasks[key] = task
        return task

    async def _run(self, request: GenRequest, dst: Path, progress: ProgressCallback) -> Path:
        if await asyncio.to_thread(dst.exists):
            return dst
        await asyncio.to_thread(dst.parent.mkdir, parents=True, exist_ok=True)
        partial = dst.with_name(f".{dst.stem}.part{dst.suffix}")
        try:
            await self.render(request, partial, progress)
            await asyncio.to_thread(partial.replace, dst)  # atomic: dst is always complete
        finally:
            await asyncio.to_thread(partial.unlink, missing_ok=True)
        progress(1.0)
        return dst

    def _succeeded(self, dst: Path) -> PollResult:
        return PollResult(
            ProviderState.SUCCEEDED, progress=1.0, output_urls=(dst.resolve().as_uri(),),
            raw={"path": str(dst), "size": dst.stat().st_size},
        )  # fmt: skip

    def _result(self, handle: dict[str, Any], task: asyncio.Task[Path]) -> PollResult:
        if task.cancelled():
            return PollResult(ProviderState.CANCELLED)
        exc = task.exception()
        if exc is not None:
            log.warning("%s render failed for %s: %s", self.name, handle["key"], exc)
            return PollResult(
                ProviderState.FAILED,
                error_code=getattr(exc, "code", "") or type(exc).__name__,
                error_message=str(exc)[:500],
                retryable=not isinstance(exc, Refused | ValueError),
            )
        return self._succeeded(task.result())


def _path_from_url(url: str) -> Path:
    parsed = urlparse(url)
    if parsed.scheme not in ("file", ""):
        raise Refused(f"local providers fetch file: URLs only, not {parsed.scheme}:", code="url")
    return Path(unquote(parsed.path))
