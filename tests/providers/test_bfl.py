"""BFL adapter against its fake: polling on another host, the five terminal states."""

from __future__ import annotations

import pytest

from pipeline.providers import bfl
from pipeline.providers.base import Capability, GenRequest, ProviderState
from tests.fakes.base import Fault
from tests.fakes.bfl import BflFake
from tests.fakes.contract import FAST, KEY, ContractSuite, run_to_end


def _request() -> GenRequest:
    return GenRequest(
        Capability.IMAGE, "portrait of a fox in a trench coat", width=768, height=1344, seed=7
    )


class TestBflContract(ContractSuite):
    fake_cls = BflFake
    adapter_cls = bfl.BflAdapter

    def request(self) -> GenRequest:
        return _request()


async def test_polls_the_returned_url_on_the_other_cluster() -> None:
    async with BflFake(api_key=KEY) as fake:
        adapter = bfl.BflAdapter(KEY, base_url=fake.base_url, timeouts=FAST)
        sub = await adapter.submit(_request(), "job-1")
        final, _ = await run_to_end(adapter, sub.handle)
        await adapter.aclose()
    assert sub.handle["polling_url"].startswith(fake.polling_origin)
    assert fake.polling_origin != fake.origin
    assert final.state is ProviderState.SUCCEEDED
    body = fake.jobs[sub.provider_job_id].body
    assert (body["width"], body["height"], body["output_format"]) == (768, 1344, "png")


@pytest.mark.parametrize("state", ["Request Moderated", "Content Moderated"])
async def test_both_moderation_states_are_refusals(state: str) -> None:
    async with BflFake(api_key=KEY) as fake:
        fake.moderation_state = state
        fake.job_outcome = Fault.REFUSE
        adapter = bfl.BflAdapter(KEY, base_url=fake.base_url, timeouts=FAST)
        sub = await adapter.submit(_request(), "job-1")
        final, _ = await run_to_end(adapter, sub.handle)
        await adapter.aclose()
    assert final.error_code == f"refused:{state}" and not final.retryable


async def test_task_not_found_is_final() -> None:
    async with BflFake(api_key=KEY) as fake:
        adapter = bfl.BflAdapter(KEY, base_url=fake.base_url, timeouts=FAST)
        handle = {"id": "gone", "polling_url": f"{fake.polling_origin}/v1/get_result?id=gone"}
        final = await adapter.poll(handle)
        await adapter.aclose()
    assert final.state is ProviderState.FAILED and final.error_code == "Task not found"
    assert not final.retryable


def test_key_goes_only_to_bfl_hosts() -> None:
    adapter = bfl.BflAdapter(KEY)
    assert adapter.is_bfl_host("https://api.eu.bfl.ai/v1/get_result?id=1")
    assert adapter.is_bfl_host("https://api.bfl.ml/v1/get_result?id=1")
    assert not adapter.is_bfl_host("https://evil.example/bfl.ai")
    assert not adapter.is_bfl_host("https://notbfl.ai/x")
    assert adapter.price(_request()) == 4
    assert bfl.NAME == "bfl" and bfl.PROVIDER_CLASS is bfl.BflAdapter
