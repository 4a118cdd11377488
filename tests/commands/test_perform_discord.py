"""/shot perform through the real discord.py client: a member uploads an acting clip (a tiny real
mp4), the Runway adapter sends it with the character's picture to the fake act_two endpoint as
data URIs, the worker ingests the answer and the card ends "ready"; without a key the local
stand-in makes a real video from the locked take; refusals change nothing."""

from __future__ import annotations

import hashlib

import pytest
from sqlmodel import select

from pipeline.media.probe import aprobe
from pipeline.providers.runway import RunwayAdapter
from storage import bible, script
from storage.media import register_asset
from storage.models import LedgerEntry, MediaAsset, Shot, ShotStatus, Take, TakeKind
from storage.performances import performers
from storage.references import replace_references
from tests.commands.generation_world import budget, eventually, jobs, takes, wait_for_text
from tests.fakes.media import video_mp4
from tests.fakes.runway import RunwayFake
from tests.fakes.runway_media import acting_mp4
from tests.helpers import Studio, message_text, png

READY = {"en": "Ready: 1 of 1", "fr": "Prêt : 1 prise(s) sur 1"}
PICTURE = png(64, 48, (30, 90, 200))


async def cast_shot(studio: Studio, *, seconds: float = 3.0, locked: bool = False) -> str:
    """Shot 1.1.1 with Mara in it (one reference picture); optionally a locked take."""
    gid, who = studio.server.id, int(studio.showrunner.user.id)
    assert studio.bot is not None and studio.bot.media is not None
    media = studio.bot.media
    async with studio.db.session() as s:
        series = await bible.current_series(s, gid)
        assert series.id is not None
        from storage.characters import create_character

        mara = await create_character(s, gid, series.id, "Mara", who)
        stored = await media.put_bytes(PICTURE)
        asset = await register_asset(s, gid, stored.sha256, "image/png", stored.size,
                                     width=64, height=48, created_by=who)  # fmt: skip
        await replace_references(s, gid, [asset], who, character_id=mara.id)
        episode = await script.create_episode(s, gid, title="Pilot", created_by=who)
        assert episode.id is not None
        scene = await script.add_scene(s, gid, episode.id, heading="EXT. PIER", created_by=who)
        assert scene.id is not None and mara.id is not None
        shot = await script.add_shot(
            s, gid, scene.id, action="Mara waits on the pier.", created_by=who,
            duration_s=seconds, character_ids=[mara.id],
        )  # fmt: skip
        if locked:
            clip = await media.put_bytes(video_mp4())
            video = await register_asset(s, gid, clip.sha256, "video/mp4", clip.size,
                                         duration_s=0.5, created_by=who)  # fmt: skip
            take = Take(guild_id=gid, shot_id=shot.id or 0, label="B", provider="local-animatic",
                        video_asset_id=video.id, duration_s=0.5)  # fmt: skip
            s.add(take)
            await s.flush()
            row = await s.get(Shot, shot.id)
            assert row is not None
            row.locked_take_id, row.status = take.id, ShotStatus.LOCKED
        await s.commit()
    return "1.1.1"


def runway(studio: Studio, fake: RunwayFake) -> RunwayAdapter:
    assert studio.bot is not None and studio.bot.host is not None
    adapter = RunwayAdapter("fake-key", base_url=fake.base_url)
    studio.bot.host.registry.add(adapter)
    return adapter


async def _nothing_changed(studio: Studio) -> None:
    assert await jobs(studio) == []
    async with studio.db.session() as s:
        assert (await s.exec(select(LedgerEntry))).all() == []
        assert await performers(s, studio.server.id, 1) == []
        videos = (await s.exec(select(MediaAsset).where(MediaAsset.mime == "video/mp4"))).all()
        assert videos == []


@pytest.mark.parametrize("studio_database", ["sqlite", "postgres"], indirect=True)
@pytest.mark.parametrize("lang", ["en", "fr"])
async def test_acting_video_drives_the_characters_picture_on_runway(
    studio: Studio, lang: str
) -> None:
    await budget(studio, monthly=100_000, quota=0, confirm=100_000)
    if lang == "fr":
        from storage.guilds import update_settings

        await update_settings(studio.db, studio.server.id, locale="fr")
    who = studio.francophone if lang == "fr" else studio.crew
    code = await cast_shot(studio, seconds=3.0)
    async with RunwayFake(api_key="fake-key") as fake:
        runway(studio, fake)
        res = await studio.slash(who, "shot perform", {
            "shot": code, "video": studio.attachment("acting.mp4", acting_mp4(3.5)),
            "provider": "runway",
        })  # fmt: skip
        await res.acknowledged()
        said = await res.followup(0, timeout=30)
        card = await res.followup(1, timeout=30)
        ready = await wait_for_text(studio, card, READY[lang])
    text = said.content
    if lang == "fr":
        assert "Jeu en file pour le plan 1.1.1 sur runway (3,5 s" in text
        assert "l'image de référence de Mara" in text and "prise A" in text
    else:
        assert "Performance queued for shot 1.1.1 on runway (3.5 s, estimate $0.18)" in text
        assert "drives Mara's reference picture" in text and "take A" in text
    assert said.ephemeral and "runway" in message_text(ready)
    # Runway got exactly the picture and the acting clip, as data URIs.
    [task] = fake.jobs.values()
    assert task.extra["kind"] == "character_performance"
    assert task.extra["inputs"]["character"] == ("image/png", PICTURE)
    assert task.extra["inputs"]["reference"] == ("video/mp4", acting_mp4(3.5))
    assert task.body["character"]["type"] == "image" and fake.duplicate_paid_calls() == 0
    [job] = await jobs(studio)
    assert job.provider == "runway" and job.estimate_cents == 18
    assert job.params["request"]["capability"] == "performance"
    [take] = await takes(studio)
    assert take.kind == TakeKind.RAW and take.label == "A" and take.video_asset_id is not None
    async with studio.db.session() as s:
        assert await performers(s, studio.server.id, take.shot_id) == [int(who.user.id)]
        acting = (await s.exec(select(MediaAsset).where(
            MediaAsset.sha256 == hashlib.sha256(acting_mp4(3.5)).hexdigest()))).one()  # fmt: skip
    assert acting.duration_s is not None and abs(acting.duration_s - 3.5) < 0.2


async def test_without_a_key_the_local_stand_in_performs_the_locked_take(studio: Studio) -> None:
    """Default provider: the local stand-in. The locked take is the character; the result is a
    performance take of the locked one (the cut shows it), a real video with the member's sound."""
    code = await cast_shot(studio, seconds=3.0, locked=True)
    res = await studio.slash(studio.crew, "shot perform", {
        "shot": code, "video": studio.attachment("me.mp4", acting_mp4(3.5)),
    })  # fmt: skip
    said = await res.followup(0, timeout=30)
    card = await res.followup(1, timeout=30)
    await wait_for_text(studio, card, READY["en"])
    assert "on local-performance" in said.content and "$0.00" in said.content
    assert "drives the locked take B" in said.content and "free local stand-in" in said.content
    locked, performed = await takes(studio)
    assert performed.kind == TakeKind.PERFORMANCE and performed.parent_take_id == locked.id
    assert performed.provider == "local-performance"
    assert studio.bot is not None and studio.bot.media is not None
    async with studio.db.session() as s:
        asset = await s.get(MediaAsset, performed.video_asset_id)
        assert asset is not None
    info = await aprobe(await studio.bot.media.local_path(asset.sha256))
    assert info.audio is not None and info.video is not None
    assert abs(info.duration_s - 3.5) < 0.2


@pytest.mark.parametrize(
    ("lang", "name", "data", "said"),
    [("fr", "acting.mp4", png(), "`acting.mp4` n'est pas une vidéo utilisable"),
     ("en", "acting.png", png(), "`acting.png` is not a video I can use"),
     ("en", "long.mp4", acting_mp4(3.5), "`long.mp4` is too long. Keep it under 3 s"),
     ("fr", "long.mp4", acting_mp4(3.5), "`long.mp4` est trop long. Restez sous 3 s")],
)  # fmt: skip
async def test_a_clip_that_is_not_a_video_or_too_long_is_refused(
    studio: Studio, lang: str, name: str, data: bytes, said: str
) -> None:
    """A 1 s shot takes at most 3 s of acting; a PNG named .mp4 is sniffed from its bytes."""
    code = await cast_shot(studio, seconds=1.0)
    who = studio.francophone if lang == "fr" else studio.crew
    reply = await studio.reply(who, "shot perform",
                               {"shot": code, "video": studio.attachment(name, data)})  # fmt: skip
    assert reply.ephemeral and said in reply.content
    await _nothing_changed(studio)


@pytest.mark.parametrize("studio_database", ["sqlite", "postgres"], indirect=True)
async def test_over_budget_nothing_is_queued(studio: Studio) -> None:
    await budget(studio, monthly=10, quota=0, confirm=100_000)
    code = await cast_shot(studio)
    async with RunwayFake(api_key="fake-key") as fake:
        runway(studio, fake)
        reply = await studio.reply(studio.crew, "shot perform", {
            "shot": code, "video": studio.attachment("a.mp4", acting_mp4(3.5)),
            "provider": "runway",
        })  # fmt: skip
    assert "The server's budget cannot cover this: $0.18 needed, $0.10 left" in reply.content
    assert await jobs(studio) == [] and fake.jobs_created == 0
    async with studio.db.session() as s:
        assert await performers(s, studio.server.id, 1) == []


@pytest.mark.parametrize(
    ("lang", "said"),
    [("en", "runway is not set up on this bot: its API key is missing"),
     ("fr", "runway n'est pas configuré sur ce bot : sa clé d'API manque")],
)  # fmt: skip
async def test_runway_without_a_key_names_the_setting(studio: Studio, lang: str, said: str) -> None:
    code = await cast_shot(studio)
    who = studio.francophone if lang == "fr" else studio.crew
    reply = await studio.reply(who, "shot perform", {
        "shot": code, "video": studio.attachment("a.mp4", acting_mp4(3.5)), "provider": "runway",
    })  # fmt: skip
    assert said in reply.content and "DAILIES_PROVIDERS__RUNWAY__API_KEY" in reply.content
    await _nothing_changed(studio)


async def test_above_the_threshold_the_member_confirms(studio: Studio) -> None:
    """The prompt holds nothing; Confirm (a button that carries the stored clip) queues it."""
    await budget(studio, monthly=100_000, quota=0, confirm=10)
    code = await cast_shot(studio)
    async with RunwayFake(api_key="fake-key") as fake:
        runway(studio, fake)
        res = await studio.slash(studio.crew, "shot perform", {
            "shot": code, "video": studio.attachment("a.mp4", acting_mp4(3.5)),
            "character": "Mara", "provider": "runway",
        })  # fmt: skip
        prompt = await res.reply()
        assert "This performance costs about **$0.18** (3.5 s of acting on runway)" in (
            prompt.content
        )
        assert await jobs(studio) == []
        go = next(i for i in prompt.custom_ids() if i.endswith(":go"))
        click = await studio.sandbox.click(studio.crew, prompt, go)
        card = await click.followup(0, timeout=30)
        await wait_for_text(studio, card, READY["en"])
        assert fake.jobs_created == 1

    async def credited() -> bool:
        async with studio.db.session() as s:
            return bool(await performers(s, studio.server.id, 1))

    await eventually(credited)


async def test_character_autocomplete_offers_the_shots_cast(studio: Studio) -> None:
    code = await cast_shot(studio)
    found = await studio.choices(studio.crew, "shot perform", {"shot": code, "character": "ma"},
                                 "character")  # fmt: skip
    assert [c["name"] for c in found] == ["Mara"]


async def test_over_the_members_quota_nothing_is_queued_in_french(studio: Studio) -> None:
    await budget(studio, monthly=100_000, quota=5, confirm=100_000)
    code = await cast_shot(studio)
    async with RunwayFake(api_key="fake-key") as fake:
        runway(studio, fake)
        reply = await studio.reply(studio.francophone, "shot perform", {
            "shot": code, "video": studio.attachment("a.mp4", acting_mp4(3.5)),
            "provider": "runway",
        })  # fmt: skip
    assert "Votre quota du jour ne suffit pas : 0,18 $ nécessaires, 0,05 $ restants" in (
        reply.content
    )
    assert await jobs(studio) == [] and fake.jobs_created == 0


async def test_runway_refuses_a_clip_under_three_seconds_before_queueing(studio: Studio) -> None:
    """act_two needs 3 s of acting: said before any money is held (the clip stays stored)."""
    await budget(studio, monthly=100_000, quota=0, confirm=100_000)
    code = await cast_shot(studio)
    async with RunwayFake(api_key="fake-key") as fake:
        runway(studio, fake)
        reply = await studio.reply(studio.crew, "shot perform", {
            "shot": code, "video": studio.attachment("a.mp4", acting_mp4(2.0)),
            "provider": "runway",
        })  # fmt: skip
    assert "Your video lasts 2.0 s; runway needs at least 3.0 s of acting" in reply.content
    assert await jobs(studio) == [] and fake.jobs_created == 0
