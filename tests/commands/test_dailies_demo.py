"""The demo hook: scripted members review two shots (a flagged take rerolled, a tie broken)."""

from __future__ import annotations

from sqlmodel import select

from commands.dailies.demo import community_votes
from storage import script
from storage.models import Scene, Shot, ShotStatus
from tests.commands.dailies_world import tiny_house
from tests.commands.generation_world import drain, make_shot
from tests.helpers import Studio


async def test_scripted_members_review_every_shot(studio: Studio) -> None:
    await make_shot(studio, seconds=1.0)
    async with studio.db.session() as session:
        scene = (await session.exec(select(Scene))).one()
        await script.add_shot(session, studio.server.id, scene.id or 0, action="Inès runs.",
                              created_by=int(studio.crew.user.id), duration_s=1.0)  # fmt: skip
    await tiny_house(studio)
    for code in ("1.1.1", "1.1.2"):
        res = await studio.slash(studio.crew, "shot queue", {"shot": code, "takes": 2})
        await res.reply()  # the jobs exist once the member has the answer
    await drain(studio)
    assert studio.bot is not None
    outcomes = await community_votes(
        studio.sandbox, studio.bot, studio.guild,
        voters=[studio.crew, studio.francophone, studio.member, studio.admin],
        showrunner=studio.showrunner, crew=studio.crew,
    )  # fmt: skip
    assert [(o.code, o.winner, o.how) for o in outcomes] == [
        ("1.1.1", "C", "rerolled, then voted"),
        ("1.1.2", "B", "tie broken"),
    ]
    async with studio.db.session() as session:
        shots = (await session.exec(select(Shot))).all()
    assert all(s.status == ShotStatus.LOCKED for s in shots)
