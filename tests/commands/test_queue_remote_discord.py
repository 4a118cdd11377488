"""/shot queue with a remote generator: the real adapter talks HTTP to the fake provider server,
the worker inside the bot downloads and ingests the result, the card reaches "ready"."""

from __future__ import annotations

import importlib

import pytest

from storage.guilds import update_settings
from storage.models import JobStatus
from tests.commands.generation_world import budget, jobs, make_shot, takes, wait_for_text
from tests.fakes import fake_class
from tests.helpers import Studio, message_text

READY = {"en": "Ready: 1 of 1", "fr": "Prêt : 1 prise(s) sur 1"}


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("provider", ["luma", "veo", "replicate", "fal", "runway", "bfl"])
async def test_remote_generator_makes_a_take_through_its_http_api(
    studio: Studio, provider: str, lang: str
) -> None:
    assert studio.bot is not None and studio.bot.host is not None
    async with fake_class(provider)(api_key="fake-key") as fake:
        module = importlib.import_module(f"pipeline.providers.{provider}")
        adapter = module.PROVIDER_CLASS("fake-key", base_url=fake.base_url)
        studio.bot.host.registry.add(adapter)
        await budget(studio, monthly=100_000, quota=0, confirm=100_000)
        if lang == "fr":  # status cards speak the server's language
            await update_settings(studio.db, studio.server.id, locale="fr")
        who = studio.francophone if lang == "fr" else studio.crew
        code = await make_shot(studio)
        res = await studio.slash(
            who, "shot queue", {"shot": code, "takes": 1, "provider": provider}
        )
        await res.acknowledged()
        card = await res.followup(1, timeout=30)
        ready = await wait_for_text(studio, card, READY[lang])
        assert provider in message_text(ready)
        [job] = await jobs(studio)
        assert job.status == JobStatus.SUCCEEDED and job.provider == provider
        [take] = await takes(studio)
        assert take.video_asset_id is not None and take.provider == provider
        assert fake.jobs_created == 1 and fake.duplicate_paid_calls() == 0
