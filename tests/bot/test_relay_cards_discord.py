"""Status cards the command never posted, or that someone deleted: the relay posts one."""

from __future__ import annotations

import pytest

from bot import relay as relay_module
from bot.host import registry_of
from pipeline.enqueue import Enqueued, enqueue_takes
from storage.models import Job
from storage.script_lookup import resolve_shot
from tests.commands.generation_world import drain, eventually, jobs, make_shot, notices, pause
from tests.helpers import Studio, message_text


@pytest.mark.parametrize("lost", [False, True], ids=["delivered", "answer-lost"])
async def test_relay_posts_the_card_a_command_never_posted(
    studio: Studio, monkeypatch: pytest.MonkeyPatch, lost: bool
) -> None:
    """Jobs queued with a channel but no card (the command died, or another feature queued
    them): once the grace is over the relay posts the card and keeps it on the jobs. If Discord
    created it but the answer was lost, the retry adopts that card instead of posting another."""
    monkeypatch.setattr(relay_module, "CARD_GRACE_S", 0.0)
    await pause(studio)
    await make_shot(studio)
    assert studio.bot is not None
    if lost:
        studio.sandbox.faults.add(
            "POST", r"/channels/\d+/messages", when="after", body_contains="/job status"
        )
    async with studio.db.session() as session:
        shot = await resolve_shot(session, studio.server.id, "1.1.1")
    result = await enqueue_takes(
        studio.db, guild_id=studio.server.id, shot_id=shot.id or 0,
        member_id=int(studio.crew.user.id), takes=1, provider=None, confirm=False,
        registry=registry_of(studio.bot), channel_id=int(studio.dailies.id),
    )  # fmt: skip
    assert isinstance(result, Enqueued)
    await drain(studio)
    [card] = await eventually(
        lambda: [m for m in notices(studio.dailies, "Shot 1.1.1 · local-animatic")
                 if "Ready: 1 of 1" in message_text(m)],
        timeout=15,
    )  # fmt: skip
    [job] = await eventually(lambda: _with_card(studio), timeout=15)
    assert job.card_message_id == card.id
    assert len(notices(studio.dailies, "Shot 1.1.1 · local-animatic")) == 1


async def _with_card(studio: Studio) -> list[Job]:
    return [j for j in await jobs(studio) if j.card_message_id]


async def test_a_deleted_card_is_posted_again(studio: Studio) -> None:
    await pause(studio)
    code = await make_shot(studio)
    res = await studio.slash(studio.crew, "shot queue", {"shot": code, "takes": 1})
    card = await res.followup(1)
    await eventually(lambda: _stored(studio, card.id))
    assert studio.bot is not None
    channel = studio.bot.get_partial_messageable(int(studio.dailies.id))
    await channel.get_partial_message(card.id).delete()  # a moderator tidied the channel
    await drain(studio)
    [again] = await eventually(lambda: notices(studio.dailies, "Shot 1.1.1 · local-animatic"))
    assert again.id != card.id and "Ready: 1 of 1" in message_text(again)
    [job] = await jobs(studio)
    assert job.card_message_id == again.id


async def _stored(studio: Studio, card_id: int) -> bool:
    return any(j.card_message_id == card_id for j in await jobs(studio))
