"""An episode in the database with real takes in the media store, for cut and recap tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import select

from storage.db import Database
from storage.media import MediaStore, register_asset
from storage.models import (
    Character,
    Contribution,
    ContributionRole,
    DialogueLine,
    Series,
    Shot,
    ShotStatus,
    Take,
    Vote,
)
from storage.script import LineDraft, active_series, add_scene, add_shot, create_episode
from tests.cut.world import HOUSE, make_take


@dataclass
class Seeded:
    episode_id: int
    number: int
    shot_ids: list[int] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)


async def small_house(db: Database, guild_id: int) -> None:
    """The active series renders at 320x180 so tests stay fast."""
    async with db.session() as s:
        for series in (await s.exec(select(Series).where(Series.guild_id == guild_id))).all():
            series.house_width, series.house_height, series.house_fps = (
                HOUSE.width,
                HOUSE.height,
                HOUSE.fps,
            )
            s.add(series)
        await s.commit()


async def seed_episode(
    db: Database,
    media: MediaStore,
    guild_id: int,
    work: Path,
    *,
    number: int,
    locked: list[bool],
    seconds: float = 1.5,
    language: str = "en",
    title: str = "La Nuit du Phare",
    key: tuple[int, ...] = (),
    memorable: tuple[int, ...] = (),
    votes: dict[int, int] | None = None,
    member: int = 4242,
) -> Seeded:
    """Two scenes; shot i has one line; ``locked[i]`` gives it a real locked take."""
    work.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240
    text = {"en": "Where were you all night?", "fr": "Où étais-tu toute la nuit ?"}[language]
    async with db.session() as s:
        series = await active_series(s, guild_id)
        mara = (
            await s.exec(select(Character).where(Character.guild_id == guild_id,
                                                 Character.name_key == "mara"))
        ).first()  # fmt: skip
        if mara is None:
            s.add(Character(guild_id=guild_id, series_id=series.id or 0, name="Mara",
                            name_key="mara", created_by=member))  # fmt: skip
            await s.flush()
        episode = await create_episode(
            s, guild_id, title=title, created_by=member, number=number, synopsis="Une nuit."
        )
        scenes = [
            await add_scene(s, guild_id, episode.id or 0, heading=h, created_by=member)
            for h in ("INT. PHARE – NUIT", "EXT. GRÈVE – AUBE")
        ]
        seeded = Seeded(episode.id or 0, episode.number)
        for i in range(len(locked)):
            scene = scenes[0] if i < (len(locked) + 1) // 2 else scenes[1]
            shot = await add_shot(
                s, guild_id, scene.id or 0, action=f"Mara crosses the room ({i})",
                created_by=member, created_by_name="Ana", duration_s=seconds,
                lines=[LineDraft("MARA", text, language)],
            )  # fmt: skip
            seeded.shot_ids.append(shot.id or 0)
        await s.commit()
    for i, (shot_id, is_locked) in enumerate(zip(seeded.shot_ids, locked, strict=True)):
        async with db.session() as s:
            row = await s.get(Shot, shot_id)
            assert row is not None
            shot = row
            shot.is_key = i in key
            for line in (
                await s.exec(select(DialogueLine).where(DialogueLine.shot_id == shot_id))
            ).all():
                line.memorable = i in memorable
                s.add(line)
            if is_locked:
                path = await make_take(
                    work / f"take-{number}-{i}.mp4", seconds, pattern=i + number, freq=330 + 60 * i
                )
                stored = await media.put_file(path)
                asset = await register_asset(
                    s, guild_id, stored.sha256, "video/mp4", stored.size, duration_s=seconds
                )
                take = Take(
                    guild_id=guild_id, shot_id=shot_id, label="A", provider="local-animatic",
                    model="animatic-1", seed=i, video_asset_id=asset.id, duration_s=seconds,
                )  # fmt: skip
                s.add(take)
                await s.flush()
                shot.locked_take_id = take.id
                shot.status = ShotStatus.LOCKED
                for voter in range((votes or {}).get(i, 0)):
                    s.add(Vote(guild_id=guild_id, shot_id=shot_id, take_id=take.id or 0,
                               member_id=9000 + voter))  # fmt: skip
                s.add(Contribution(guild_id=guild_id, episode_id=seeded.episode_id,
                                   shot_id=shot_id, member_id=777, member_name="Zoé",
                                   role=ContributionRole.VOTER))  # fmt: skip
            s.add(shot)
            await s.commit()
    return seeded
