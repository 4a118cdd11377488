"""The behaviour every asynchronous HTTP adapter owes the worker, as one test class.

A provider's test module subclasses ``ContractSuite`` (so the tests carry the provider's name,
e.g. ``test_luma.py::TestLumaContract::test_happy_path_end_to_end``) and adds its own tests.
Every test runs the real adapter against the provider's fake over a real socket.
"""

from __future__ import annotations

import hashlib
import logging
import socket
from collections.abc import AsyncIterator
from typing import Any, ClassVar

import pytest

from pipeline.providers._http import MB, HttpAdapter, Timeouts
from pipeline.providers.base import (
    DownloadError,
    GenRequest,
    PollResult,
    ProviderState,
    RateLimited,
    Refused,
    ResultExpired,
    SubmitOutcomeUnknown,
    SubmitResult,
    TransientError,
)
from tests.fakes.base import FakeProvider, Fault

KEY = "sk-live-SECRET-0123456789abcdef"
# Short enough that each timeout case costs well under a second.
# Reads wait 0.6 s: well under the fakes' 1 s hang, and enough for a loaded 2-core CI box (0.3 s
# once timed out a plain poll there).
FAST = Timeouts(connect=0.5, read=0.6, submit_read=0.6, write=0.5, pool=0.5)
TERMINAL = {ProviderState.SUCCEEDED, ProviderState.FAILED, ProviderState.CANCELLED}


async def run_to_end(
    adapter: Any, handle: dict[str, Any], limit: int = 30
) -> tuple[PollResult, list[PollResult]]:
    seen: list[PollResult] = []
    for _ in range(limit):
        result = await adapter.poll(handle)
        seen.append(result)
        if result.state in TERMINAL:
            return result, seen
    raise AssertionError(f"not finished after {limit} polls: {seen[-1]}")


async def fetch_all(adapter: Any, url: str) -> bytes:
    return b"".join([chunk async for chunk in adapter.fetch(url)])


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


class ContractSuite:
    fake_cls: ClassVar[type[FakeProvider]]
    adapter_cls: ClassVar[type[HttpAdapter]]
    reconcile_kind: ClassVar[str] = "none"  # "list" | "replay" | "none"
    key_on_download: ClassVar[bool] = False  # only Veo downloads from the API host

    def request(self) -> GenRequest:
        raise NotImplementedError

    def make_adapter(self, base_url: str, key: str = KEY, **kwargs: Any) -> HttpAdapter:
        return self.adapter_cls(
            key, base_url=base_url, timeouts=FAST, max_download_bytes=1 * MB, **kwargs
        )

    @pytest.fixture
    async def fake(self) -> AsyncIterator[FakeProvider]:
        fake = self.fake_cls(api_key=KEY, hang_s=1.0)
        await fake.start()
        yield fake
        await fake.stop()

    @pytest.fixture
    async def adapter(self, fake: FakeProvider) -> AsyncIterator[HttpAdapter]:
        adapter = self.make_adapter(fake.base_url)
        yield adapter
        await adapter.aclose()

    async def submitted(self, adapter: HttpAdapter, key: str = "job-1") -> SubmitResult:
        return await adapter.submit(self.request(), key)

    async def finished(self, adapter: HttpAdapter) -> PollResult:
        sub = await self.submitted(adapter)
        final, _ = await run_to_end(adapter, sub.handle)
        return final

    # -- the happy path

    async def test_happy_path_end_to_end(self, fake: FakeProvider, adapter: HttpAdapter) -> None:
        sub = await self.submitted(adapter)
        assert sub.provider_job_id and sub.handle
        final, _ = await run_to_end(adapter, sub.handle)
        assert final.state is ProviderState.SUCCEEDED, final
        data = await fetch_all(adapter, final.output_urls[0])
        assert hashlib.sha256(data).hexdigest() == fake.media_sha256
        assert fake.jobs_created == 1 and fake.duplicate_paid_calls() == 0

    async def test_slow_progress_reports_each_state(
        self, fake: FakeProvider, adapter: HttpAdapter
    ) -> None:
        fake.steps = 4
        sub = await self.submitted(adapter)
        final, seen = await run_to_end(adapter, sub.handle)
        assert final.state is ProviderState.SUCCEEDED
        waiting = [r for r in seen if r.state in (ProviderState.QUEUED, ProviderState.RUNNING)]
        assert len(waiting) == 4
        progress = [r.progress for r in waiting if r.progress is not None]
        assert progress == sorted(progress)

    async def test_auth_header_goes_to_the_api_only(
        self, fake: FakeProvider, adapter: HttpAdapter
    ) -> None:
        final = await self.finished(adapter)
        await fetch_all(adapter, final.output_urls[0])
        expected = f"{fake.auth_scheme}{KEY}"
        api_calls = [s for s in fake.seen if "/cdn/" not in s.path and ":download" not in s.path]
        assert api_calls and all(s.headers.get(fake.auth_header) == expected for s in api_calls)
        downloads = [s for s in fake.seen if "/cdn/" in s.path or ":download" in s.path]
        assert downloads
        for s in downloads:
            sent = any(KEY in v for v in s.headers.values())
            assert sent is self.key_on_download

    # -- submit failures

    async def test_submit_429_with_retry_after(
        self, fake: FakeProvider, adapter: HttpAdapter
    ) -> None:
        fake.submit_faults = [Fault.RATE_LIMIT]
        with pytest.raises(RateLimited) as err:
            await self.submitted(adapter)
        assert err.value.retryable and err.value.retry_after_s == 7
        assert fake.jobs_created == 0

    async def test_submit_429_without_retry_after(
        self, fake: FakeProvider, adapter: HttpAdapter
    ) -> None:
        fake.submit_faults = [Fault.RATE_LIMIT_BARE]
        with pytest.raises(RateLimited) as err:
            await self.submitted(adapter)
        assert err.value.retryable and err.value.retry_after_s is None

    async def test_submit_429_with_http_date(
        self, fake: FakeProvider, adapter: HttpAdapter
    ) -> None:
        fake.submit_faults = [Fault.RATE_LIMIT_DATE]
        with pytest.raises(RateLimited) as err:
            await self.submitted(adapter)
        assert err.value.retry_after_s is not None and 25 <= err.value.retry_after_s <= 31

    async def test_submit_5xx_before_accepting_is_unknown_and_not_resent(
        self, fake: FakeProvider, adapter: HttpAdapter
    ) -> None:
        fake.submit_faults = [Fault.ERROR_BEFORE]
        with pytest.raises(SubmitOutcomeUnknown) as err:
            await self.submitted(adapter)
        assert not err.value.retryable and err.value.status == 500
        assert sum(fake.submit_attempts.values()) == 1 and fake.jobs_created == 0
        found = await adapter.reconcile("job-1", self.request())
        if self.reconcile_kind == "replay":  # the first POST made nothing; the replay does
            assert found is not None and fake.jobs_created == 1
        else:
            assert found is None and fake.jobs_created == 0

    async def test_submit_5xx_after_accepting_then_reconcile(
        self, fake: FakeProvider, adapter: HttpAdapter
    ) -> None:
        fake.submit_faults = [Fault.ERROR_AFTER]
        with pytest.raises(SubmitOutcomeUnknown):
            await self.submitted(adapter)
        assert sum(fake.submit_attempts.values()) == 1 and fake.jobs_created == 1
        found = await adapter.reconcile("job-1", self.request())
        if self.reconcile_kind == "none":
            assert found is None
        else:
            assert found is not None
            assert found.provider_job_id == next(iter(fake.jobs))
            final, _ = await run_to_end(adapter, found.handle)
            assert final.state is ProviderState.SUCCEEDED
        assert fake.jobs_created == 1 and fake.duplicate_paid_calls() == 0

    async def test_submit_read_timeout_is_unknown(
        self, fake: FakeProvider, adapter: HttpAdapter
    ) -> None:
        fake.submit_faults = [Fault.HANG_AFTER]
        with pytest.raises(SubmitOutcomeUnknown) as err:
            await self.submitted(adapter)
        assert err.value.code == "timeout"
        assert sum(fake.submit_attempts.values()) == 1 and fake.jobs_created == 1

    @pytest.mark.parametrize("fault", [Fault.MALFORMED, Fault.NO_ID])
    async def test_submit_unreadable_answer_is_unknown(
        self, fake: FakeProvider, adapter: HttpAdapter, fault: Fault
    ) -> None:
        """2xx, job created, but the answer does not name it: never a plain retry."""
        fake.submit_faults = [fault]
        with pytest.raises(SubmitOutcomeUnknown) as err:
            await self.submitted(adapter)
        assert err.value.code == "malformed_json" and fake.jobs_created == 1

    async def test_connect_error_is_retried_then_transient(self) -> None:
        adapter = self.make_adapter(f"http://127.0.0.1:{closed_port()}", connect_retries=1)
        try:
            with pytest.raises(TransientError) as err:
                await self.submitted(adapter)
            assert err.value.code == "connect" and err.value.retryable
        finally:
            await adapter.aclose()

    async def test_bad_key_is_refused(self, fake: FakeProvider) -> None:
        adapter = self.make_adapter(fake.base_url, key="wrong-key")
        try:
            with pytest.raises(Refused) as err:
                await self.submitted(adapter)
            assert err.value.status == 401 and not err.value.retryable
        finally:
            await adapter.aclose()
        assert fake.jobs_created == 0

    # -- poll failures

    @pytest.mark.parametrize(
        ("fault", "exc"),
        [
            (Fault.RATE_LIMIT, RateLimited),
            (Fault.ERROR_BEFORE, TransientError),
            (Fault.MALFORMED, TransientError),
            (Fault.HANG_AFTER, TransientError),
        ],
    )
    async def test_poll_failures_are_retryable(
        self, fake: FakeProvider, adapter: HttpAdapter, fault: Fault, exc: type[Exception]
    ) -> None:
        sub = await self.submitted(adapter)
        fake.poll_faults = [fault]
        with pytest.raises(exc) as err:
            await adapter.poll(sub.handle)
        assert getattr(err.value, "retryable", False)
        if fault is Fault.RATE_LIMIT:
            assert getattr(err.value, "retry_after_s", None) == 7
        final, _ = await run_to_end(adapter, sub.handle)  # the next poll carries on
        assert final.state is ProviderState.SUCCEEDED

    # -- job outcomes

    async def test_moderation_refusal_is_final(
        self, fake: FakeProvider, adapter: HttpAdapter
    ) -> None:
        fake.job_outcome = Fault.REFUSE
        final = await self.finished(adapter)
        assert final.state is ProviderState.FAILED and not final.retryable
        assert final.error_code and final.error_code.startswith("refused")

    async def test_internal_failure_is_retryable(
        self, fake: FakeProvider, adapter: HttpAdapter
    ) -> None:
        fake.job_outcome = Fault.FAIL
        final = await self.finished(adapter)
        assert final.state is ProviderState.FAILED and final.retryable
        assert not (final.error_code or "").startswith("refused")

    # -- downloads

    async def test_expired_result_link(self, fake: FakeProvider, adapter: HttpAdapter) -> None:
        fake.download_fault = Fault.EXPIRED
        final = await self.finished(adapter)
        with pytest.raises(ResultExpired):
            await fetch_all(adapter, final.output_urls[0])

    @pytest.mark.parametrize(
        ("fault", "code"),
        [
            (Fault.TRUNCATED, "truncated"),
            (Fault.OVERSIZED, "oversized"),
            (Fault.OVERSIZED_CHUNKED, "oversized"),
            (Fault.WRONG_TYPE, "wrong_content_type"),
        ],
    )
    async def test_bad_download_is_refused(
        self, fake: FakeProvider, adapter: HttpAdapter, fault: Fault, code: str
    ) -> None:
        fake.download_fault = fault
        final = await self.finished(adapter)
        with pytest.raises(DownloadError) as err:
            await fetch_all(adapter, final.output_urls[0])
        assert err.value.code == code

    # -- secrets

    async def test_key_never_in_logs_reprs_or_errors(
        self, fake: FakeProvider, adapter: HttpAdapter, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.DEBUG)
        final = await self.finished(adapter)
        await fetch_all(adapter, final.output_urls[0])
        messages = [repr(adapter), str(adapter)]
        fake.submit_faults = [Fault.ERROR_AFTER]
        with pytest.raises(SubmitOutcomeUnknown) as err:
            await self.submitted(adapter, "job-2")
        messages += [str(err.value), repr(err.value)]
        assert all(KEY not in m for m in messages)
        assert KEY not in caplog.text
