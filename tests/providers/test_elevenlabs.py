"""ElevenLabs adapter against its fake: the audio is the submit's answer."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from pipeline.providers import elevenlabs
from pipeline.providers._http import MB
from pipeline.providers.base import (
    Capability,
    DownloadError,
    GenRequest,
    ProviderState,
    RateLimited,
    Refused,
    SubmitOutcomeUnknown,
)
from tests.fakes.base import Fault
from tests.fakes.contract import FAST, KEY, fetch_all
from tests.fakes.elevenlabs import ElevenLabsFake

LINE = GenRequest(
    Capability.VOICE,
    "Previously, on Lighthouse Keepers...",
    seed=42,
    options={"voice_id": "21m00Tcm4TlvDq8ikWAM", "language_code": "en"},
)


@pytest.fixture
async def fake() -> AsyncIterator[ElevenLabsFake]:
    async with ElevenLabsFake(api_key=KEY, hang_s=1.0) as fake:
        yield fake


@pytest.fixture
async def adapter(
    fake: ElevenLabsFake, tmp_path: Path
) -> AsyncIterator[elevenlabs.ElevenLabsAdapter]:
    adapter = elevenlabs.ElevenLabsAdapter(
        KEY, base_url=fake.base_url, timeouts=FAST, max_download_bytes=1 * MB, spool_dir=tmp_path
    )
    yield adapter
    await adapter.aclose()


async def test_speech_comes_back_on_submit(
    fake: ElevenLabsFake, adapter: elevenlabs.ElevenLabsAdapter
) -> None:
    sub = await adapter.submit(LINE, "job-1")
    assert sub.immediate is not None and sub.immediate.state is ProviderState.SUCCEEDED
    data = await fetch_all(adapter, sub.immediate.output_urls[0])
    assert hashlib.sha256(data).hexdigest() == fake.media_sha256 == sub.handle["sha256"]
    again = await adapter.poll(sub.handle)  # after a restart, the spooled audio is still there
    assert again.state is ProviderState.SUCCEEDED and again.output_urls == (
        sub.immediate.output_urls
    )
    seen = fake.requests_to("/v1/text-to-speech/21m00Tcm4TlvDq8ikWAM", "POST")[0]
    assert "output_format=mp3_44100_128" in seen.path and seen.headers["xi-api-key"] == KEY
    assert fake.jobs_created == 1


async def test_system_busy_backs_off_with_retry_after(
    fake: ElevenLabsFake, adapter: elevenlabs.ElevenLabsAdapter
) -> None:
    fake.submit_faults = [Fault.RATE_LIMIT]
    with pytest.raises(RateLimited) as err:
        await adapter.submit(LINE, "job-1")
    assert err.value.code == "system_busy" and err.value.retry_after_s == 7


async def test_too_many_concurrent_requests_waits_for_a_slot(
    fake: ElevenLabsFake, adapter: elevenlabs.ElevenLabsAdapter
) -> None:
    fake.rate_limit_code = "too_many_concurrent_requests"
    fake.submit_faults = [Fault.RATE_LIMIT_BARE]
    with pytest.raises(RateLimited) as err:
        await adapter.submit(LINE, "job-1")
    assert err.value.code == "too_many_concurrent_requests" and err.value.retry_after_s == 1.0


async def test_429_http_date(fake: ElevenLabsFake, adapter: elevenlabs.ElevenLabsAdapter) -> None:
    fake.submit_faults = [Fault.RATE_LIMIT_DATE]
    with pytest.raises(RateLimited) as err:
        await adapter.submit(LINE, "job-1")
    assert err.value.retry_after_s is not None and 25 <= err.value.retry_after_s <= 31


async def test_validation_422_is_refused(
    fake: ElevenLabsFake, adapter: elevenlabs.ElevenLabsAdapter
) -> None:
    fake.submit_faults = [Fault.REFUSE]
    with pytest.raises(Refused) as err:
        await adapter.submit(LINE, "job-1")
    assert err.value.status == 422 and "speed" in str(err.value)


async def test_too_long_text_is_refused(
    fake: ElevenLabsFake, adapter: elevenlabs.ElevenLabsAdapter
) -> None:
    with pytest.raises(Refused) as err:
        await adapter.submit(GenRequest(Capability.VOICE, "a" * 10_001), "job-1")
    assert err.value.code == "max_character_limit_exceeded"


@pytest.mark.parametrize(
    ("fault", "code", "jobs"),
    [
        (Fault.ERROR_BEFORE, "internal", 0),
        (Fault.ERROR_AFTER, "internal", 1),
        (Fault.HANG_AFTER, "timeout", 1),
    ],
)
async def test_unknown_outcomes_are_never_resent(
    fake: ElevenLabsFake,
    adapter: elevenlabs.ElevenLabsAdapter,
    fault: Fault,
    code: str,
    jobs: int,
) -> None:
    fake.submit_faults = [fault]
    with pytest.raises(SubmitOutcomeUnknown) as err:
        await adapter.submit(LINE, "job-1")
    assert err.value.code == code and not err.value.retryable
    assert sum(fake.submit_attempts.values()) == 1 and fake.jobs_created == jobs
    assert await adapter.reconcile("job-1", LINE) is None


@pytest.mark.parametrize(
    ("fault", "code"),
    [
        (Fault.WRONG_TYPE, "wrong_content_type"),
        (Fault.OVERSIZED, "oversized"),
        (Fault.TRUNCATED, "transport"),
    ],
)
async def test_a_bad_body_is_an_unknown_outcome(
    fake: ElevenLabsFake, adapter: elevenlabs.ElevenLabsAdapter, fault: Fault, code: str
) -> None:
    """The request was answered (and billed) but the audio is unusable: review, don't resend."""
    fake.download_fault = fault
    with pytest.raises(SubmitOutcomeUnknown) as err:
        await adapter.submit(LINE, "job-1")
    assert err.value.code == code


async def test_concurrency_is_kept_under_the_plan_limit(
    fake: ElevenLabsFake, tmp_path: Path
) -> None:
    fake.delay_s = 0.05
    adapter = elevenlabs.ElevenLabsAdapter(
        KEY, base_url=fake.base_url, concurrency=2, spool_dir=tmp_path
    )
    await asyncio.gather(*(adapter.submit(LINE, f"job-{i}") for i in range(5)))
    await adapter.aclose()
    assert fake.max_in_flight == 2 and fake.jobs_created == 5


async def test_fetch_only_reads_the_spool(adapter: elevenlabs.ElevenLabsAdapter) -> None:
    with pytest.raises(DownloadError) as err:
        await fetch_all(adapter, "file:///etc/passwd")
    assert err.value.code == "bad_url"


async def test_key_never_in_logs(
    fake: ElevenLabsFake, adapter: elevenlabs.ElevenLabsAdapter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await adapter.submit(LINE, "job-1")
    fake.submit_faults = [Fault.ERROR_AFTER]
    with pytest.raises(SubmitOutcomeUnknown) as err:
        await adapter.submit(LINE, "job-2")
    assert KEY not in caplog.text and KEY not in str(err.value) and KEY not in repr(adapter)


def test_price_per_character() -> None:
    adapter = elevenlabs.ElevenLabsAdapter(KEY)
    assert adapter.price(GenRequest(Capability.VOICE, "x" * 1000)) == 30
    assert adapter.price(GenRequest(Capability.VOICE, "x" * 1000, model="eleven_flash_v2_5")) == 15
    assert elevenlabs.NAME == "elevenlabs"
    assert elevenlabs.PROVIDER_CLASS is elevenlabs.ElevenLabsAdapter


async def test_raw_pcm_needs_no_header(
    fake: ElevenLabsFake, adapter: elevenlabs.ElevenLabsAdapter
) -> None:
    """pcm_16000 is bare samples: accepted without a magic number, spooled as .pcm."""
    fake.raw_pcm = True
    req = GenRequest(Capability.VOICE, "Bonjour.", options={"output_format": "pcm_16000"})
    sub = await adapter.submit(req, "job-1")
    assert sub.immediate is not None and sub.immediate.output_urls[0].endswith(".pcm")
    assert await fetch_all(adapter, sub.immediate.output_urls[0]) == b"\x01\x02" * 800
