"""/shot queue through the sandbox with the real DailiesBot, its in-process worker and relay."""

from __future__ import annotations

import pytest

from storage.guilds import update_settings
from storage.ledger import entries
from storage.models import JobStatus, LedgerKind
from tests.commands.generation_world import (
    budget,
    eventually,
    jobs,
    make_shot,
    notices,
    paid,
    takes,
    wait_for_text,
)
from tests.helpers import Studio, message_text

LANGS = {
    "en": {"queued": "Queued 1 take(s) of shot 1.1.1", "ready": "Ready: 1 of 1",
           "notice": "Take A of shot 1.1.1 is ready"},
    "fr": {"queued": "1 prise(s) du plan 1.1.1 en file", "ready": "Prêt : 1 prise(s) sur 1",
           "notice": "La prise A du plan 1.1.1 est prête"},
}  # fmt: skip


@pytest.mark.parametrize("lang", ["en", "fr"])
async def test_local_animatic_card_goes_from_queued_to_ready(studio: Studio, lang: str) -> None:
    """A crew member queues a free take: deferred at once, card posted, edited to ready, the
    take exists with its video in the media store and is posted once with the file."""
    if lang == "fr":
        await update_settings(studio.db, studio.server.id, locale="fr")
    who = studio.francophone if lang == "fr" else studio.crew
    code = await make_shot(studio)
    res = await studio.slash(who, "shot queue", {"shot": code, "takes": 1})
    await res.acknowledged()
    assert res.deferred and res.ephemeral
    ack = await res.reply()
    assert LANGS[lang]["queued"] in ack.content
    card = await res.followup(1)
    assert not card.ephemeral and card.embeds
    ready = await wait_for_text(studio, card, LANGS[lang]["ready"])
    assert "local-animatic" in message_text(ready)
    [take] = await takes(studio)
    assert take.video_asset_id is not None and take.label == "A"
    [job] = await jobs(studio)
    assert job.status == JobStatus.SUCCEEDED
    assert (job.card_channel_id, job.card_message_id) == (int(studio.dailies.id), card.id)
    posted = await eventually(lambda: notices(studio.dailies, LANGS[lang]["notice"]))
    assert len(posted) == 1
    [video] = posted[0].attachments
    assert video.filename.endswith(".mp4") and video.size > 1000


async def test_missing_key_says_how_to_configure(studio: Studio) -> None:
    """A remote generator without its key: the member learns what the host must set."""
    code = await make_shot(studio)
    reply = await studio.reply(studio.crew, "shot queue", {"shot": code, "takes": 1,
                                                           "provider": "luma"})  # fmt: skip
    assert reply.ephemeral
    assert "DAILIES_PROVIDERS__LUMA__API_KEY" in reply.content
    assert "dailies doctor" in reply.content
    assert await jobs(studio) == []


async def test_missing_key_in_french(studio: Studio) -> None:
    code = await make_shot(studio)
    options = {"shot": code, "takes": 1, "provider": "runway"}
    reply = await studio.reply(studio.francophone, "shot queue", options)
    assert "sa clé d'API manque" in reply.content and "dailies doctor" in reply.content


@pytest.mark.parametrize(
    ("lang", "wanted"),
    [("en", "The server's budget cannot cover this: $1.20 needed, $0.50 left this month"),
     ("fr", "Le budget du serveur ne suffit pas : 1,20 $ nécessaires, 0,50 $ restants")],
)  # fmt: skip
async def test_budget_refusal_says_what_is_left_and_when(
    studio: Studio, lang: str, wanted: str
) -> None:
    """Two takes at 60¢ against a 50¢ budget: refused, nothing held, reset time given."""
    await budget(studio, monthly=50, confirm=10_000)
    paid(studio, cents=60)
    code = await make_shot(studio)
    who = studio.francophone if lang == "fr" else studio.crew
    reply = await studio.reply(who, "shot queue", {"shot": code, "takes": 2, "provider": "luma"})
    assert reply.ephemeral
    assert wanted in reply.content
    assert "<t:" in reply.content  # Discord shows the reset time in the member's own clock
    assert await jobs(studio) == []


async def test_member_quota_refusal_but_showrunner_may_spend_above_it(studio: Studio) -> None:
    await budget(studio, monthly=10_000, quota=50, confirm=10_000)
    paid(studio, cents=60)
    assert studio.bot is not None and studio.bot.host is not None
    await studio.bot.host.pause_worker()
    code = await make_shot(studio)
    reply = await studio.reply(studio.crew, "shot queue", {"shot": code, "takes": 1,
                                                           "provider": "luma"})  # fmt: skip
    assert "Your daily quota cannot cover this: $0.60 needed, $0.50 left today" in reply.content
    res = await studio.slash(studio.showrunner, "shot queue", {"shot": code, "takes": 1,
                                                               "provider": "luma"})  # fmt: skip
    assert "Queued 1 take(s)" in (await res.reply()).content
    [job] = await jobs(studio)
    assert job.estimate_cents == 60
    async with studio.db.session() as session:
        rows = await entries(session, studio.server.id)
    assert [(r.kind, r.amount_cents) for r in rows] == [(LedgerKind.RESERVE, 60)]
