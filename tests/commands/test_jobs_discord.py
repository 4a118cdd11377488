"""/queue and /job status | cancel | retry, and the Retry button on failure notices."""

from __future__ import annotations

import pytest

from storage import queue
from storage.ledger import entries, guild_balance
from storage.models import JobStatus, LedgerKind
from tests.commands.generation_world import (
    budget,
    drain,
    eventually,
    jobs,
    make_shot,
    notices,
    paid,
    pause,
    takes,
    wait_for_text,
)
from tests.helpers import Studio, message_text


async def _held(studio: Studio) -> int:
    async with studio.db.session() as session:
        return (await guild_balance(session, studio.server.id)).held_cents


async def test_cancel_is_for_the_owner_or_a_showrunner_and_releases_the_hold(
    studio: Studio,
) -> None:
    await pause(studio)
    await budget(studio, monthly=10_000, confirm=10_000)
    paid(studio, cents=60)
    code = await make_shot(studio)
    res = await studio.slash(studio.crew, "shot queue", {"shot": code, "takes": 1,
                                                         "provider": "luma"})  # fmt: skip
    card = await res.followup(1)
    [job] = await jobs(studio)
    assert await _held(studio) == 60
    other = await studio.reply(studio.member, "job cancel", {"id": job.id})
    assert f"Only the member who queued job #{job.id}, or a showrunner" in other.content
    done = await studio.reply(studio.crew, "job cancel", {"id": job.id})
    assert f"Job #{job.id} is cancelled; $0.60 released" in done.content
    assert await _held(studio) == 0
    await wait_for_text(studio, card, "Cancelled")
    again = await studio.reply(studio.showrunner, "job cancel", {"id": job.id})
    assert "had already ended (cancelled)" in again.content


LANG = {
    "en": {"failed": "Failed", "refund": "$0.60 refunded", "notice": "Take A of shot 1.1.1 failed",
           "why": "refused the prompt", "again": "is queued again", "ready": "Ready: 1 of 1"},
    "fr": {"failed": "Échec", "refund": "0,60 $ remboursé", "notice": "La prise A du plan 1.1.1 a "
           "échoué", "why": "refusé la consigne", "again": "est relancée", "ready": "Prêt : 1"},
}  # fmt: skip


@pytest.mark.parametrize("lang", ["en", "fr"])
async def test_failed_take_is_refunded_and_retry_button_makes_it(studio: Studio, lang: str) -> None:
    """A refused submit: the card says why and that it was refunded, a notice offers Retry,
    and the retry (a new hold, a new submit) brings the take."""
    from storage.guilds import update_settings

    await pause(studio)
    if lang == "fr":
        await update_settings(studio.db, studio.server.id, locale="fr")
    who = studio.francophone if lang == "fr" else studio.crew
    words = LANG[lang]
    await budget(studio, monthly=10_000, confirm=10_000)
    provider = paid(studio, cents=60, refuse=1)
    code = await make_shot(studio)
    res = await studio.slash(who, "shot queue", {"shot": code, "takes": 1, "provider": "luma"})
    card = await res.followup(1)
    await drain(studio)
    failed = await wait_for_text(studio, card, words["failed"])
    assert words["refund"] in message_text(failed)
    [notice] = await eventually(lambda: notices(studio.dailies, words["notice"]))
    assert words["why"] in message_text(notice)
    assert await _held(studio) == 0
    [job] = await jobs(studio)
    retry = await studio.sandbox.click(who, notice, f"dailies:job:{job.id}:retry")
    assert words["again"] in (await retry.reply()).content
    assert await _held(studio) == 60
    await drain(studio)
    await wait_for_text(studio, card, words["ready"])
    assert provider.submits == 2
    [take] = await takes(studio)
    assert take.cost_cents == 60 and take.video_asset_id is not None


async def test_retry_of_a_job_that_did_not_fail_is_refused(studio: Studio) -> None:
    await pause(studio)
    code = await make_shot(studio)
    await studio.reply(studio.crew, "shot queue", {"shot": code, "takes": 1})
    [job] = await jobs(studio)
    reply = await studio.reply(studio.crew, "job retry", {"id": job.id})
    assert "only a failed job can be retried" in reply.content
    missing = await studio.reply(studio.crew, "job retry", {"id": 999})
    assert "There is no job #999 in this server" in missing.content


async def test_needs_review_retry_is_showrunner_only_and_warns_of_paying_twice(
    studio: Studio,
) -> None:
    await pause(studio)
    await budget(studio, monthly=10_000, confirm=10_000)
    paid(studio, cents=60)
    code = await make_shot(studio)
    await studio.reply(studio.crew, "shot queue", {"shot": code, "takes": 1, "provider": "luma"})
    [job] = await jobs(studio)
    assert job.id is not None
    async with studio.db.session() as session:  # the submit's outcome became unknown
        await queue.update_job(session, job.id, token=None, status=JobStatus.NEEDS_REVIEW,
                               last_error="submit_outcome_unknown: read timeout")  # fmt: skip
        await session.commit()
    crew = await studio.reply(studio.crew, "job retry", {"id": job.id})
    assert "Only the showrunner can do that" in crew.content
    status = await studio.reply(studio.crew, "job status", {"id": job.id})
    assert "never confirmed the request" in message_text(status)
    ask = await studio.reply(studio.showrunner, "job retry", {"id": job.id})
    assert "pay twice" in ask.content and ask.ephemeral
    assert [j.status for j in await jobs(studio)] == [JobStatus.NEEDS_REVIEW]
    click = await studio.sandbox.click(studio.showrunner, ask, f"dailies:job:{job.id}:resubmit")
    await click.acknowledged()
    await studio.sandbox.wait_for_message(
        predicate=lambda m: m.id == ask.id and "is queued again" in m.content
    )
    assert [j.status for j in await jobs(studio)] == [JobStatus.QUEUED]
    async with studio.db.session() as session:
        kinds = [(e.kind, e.amount_cents) for e in await entries(session, studio.server.id)]
    # The old hold is counted as spent (it may have been billed), a new one is taken.
    assert (LedgerKind.SETTLE, 60) in kinds and kinds.count((LedgerKind.RESERVE, 60)) == 2


async def test_queue_shows_the_server_line_and_my_jobs(studio: Studio) -> None:
    await pause(studio)
    code = await make_shot(studio)
    await studio.reply(studio.crew, "shot queue", {"shot": code, "takes": 2})
    await studio.reply(studio.showrunner, "shot queue", {"shot": code, "takes": 1})
    listing = await studio.reply(studio.showrunner, "queue")
    text = message_text(listing)
    assert listing.ephemeral
    assert "This server (3 waiting or running)" in text
    assert "#1 in line" in text and "#3 in line" in text and "1.1.1" in text
    mine = text.split("Your latest jobs", 1)[1]
    assert mine.count("local-animatic") == 1  # only the showrunner's own job
    status = await studio.reply(studio.crew, "job status", {"id": 1})
    assert "queued" in message_text(status) and "discord.com/channels/" in message_text(status)
    assert "Job #1 · take A of shot 1.1.1" in message_text(status)
    assert "take A of shot 1.1.1" in text and "take C of shot 1.1.1" in text
    french = await studio.reply(studio.francophone, "queue")
    assert "File de génération" in message_text(french)


async def test_card_cancel_button_stops_the_whole_request(studio: Studio) -> None:
    """The card's Cancel button: the owner (not a bystander) cancels every take still to come,
    and the finished card has no button left."""
    await pause(studio)
    await budget(studio, monthly=10_000, confirm=10_000)
    paid(studio, cents=60)
    code = await make_shot(studio)
    res = await studio.slash(studio.crew, "shot queue", {"shot": code, "takes": 2,
                                                         "provider": "luma"})  # fmt: skip
    card = await res.followup(1)
    first = (await jobs(studio))[0].id
    cancel_id = f"dailies:batch:{first}:cancel"
    assert card.custom_ids() == [cancel_id]
    bystander = await studio.sandbox.click(studio.member, card, cancel_id)
    assert "Only the member who queued" in (await bystander.reply()).content
    owner = await studio.sandbox.click(studio.crew, card, cancel_id)
    assert "Cancelled 2 take(s); $1.20 released" in (await owner.reply()).content
    assert await _held(studio) == 0
    done = await wait_for_text(studio, card, "Cancelled")
    assert done.custom_ids() == []


async def test_a_job_from_another_server_is_not_found(studio: Studio) -> None:
    """Invariant 2: job ids are per server; another server's job cannot be seen or touched."""
    await pause(studio)
    code = await make_shot(studio)
    await studio.reply(studio.crew, "shot queue", {"shot": code, "takes": 1})
    [job] = await jobs(studio)
    other = studio.add_guild("Elsewhere")
    for command in ("job status", "job cancel", "job retry"):
        res = await studio.sandbox.slash(
            other.showrunner, command, {"id": job.id}, channel=other.dailies
        )
        assert f"There is no job #{job.id} in this server" in (await res.reply()).content
    assert [j.status for j in await jobs(studio)] == [JobStatus.QUEUED]
