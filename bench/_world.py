"""Shared set-up for the benches: a sandbox server, a database, a bible, a real DailiesBot.

Imports only bot/ and storage/ (never tests/), so a bench runs from a plain checkout:

    async with throwaway_database("sqlite") as url:       # or "postgres"
        world = await open_world(url, members=8)
        await seed_bible(world)                            # 40 characters, 10 locations, 3x30 shots
        async with world.bot_running():
            ...
        await world.close()

Postgres: the admin URL comes from DAILIES_TEST_POSTGRES_URL (default the local ``test``
database); a database named ``dailies_bench_<random>`` is created and dropped with FORCE.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import discord
import psycopg
from pydantic import SecretStr

from bot.client import DailiesBot
from bot.config import DiscordSection, Settings
from bot.sandbox import Channel, Guild, Member, Role, Sandbox, running
from storage import bible
from storage.db import Database
from storage.guilds import update_settings
from storage.migrate import upgrade
from storage.models import Character
from storage.screenplay import Outline, OutlineLine, OutlineScene, OutlineShot
from storage.script_import import import_outline

POSTGRES_ADMIN = os.environ.get(
    "DAILIES_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
FIRST = ("Mara", "Omar", "Élodie", "Jun", "Ines", "Tomas", "Lea", "Noor", "Anselm", "Zoé")
LAST = ("Voss", "Keller", "Marin", "Okafor")
PLACES = (
    "Lighthouse",
    "Harbour",
    "Night Market",
    "Cliff Road",
    "Ferry Deck",
    "Archive",
    "Rooftop",
    "Tunnel",
    "Diner",
    "Radio Station",
)
WORDS = ("fog", "key", "lantern", "stairs", "boat", "letter", "rain", "mirror", "radio")


@contextlib.asynccontextmanager
async def throwaway_database(kind: str) -> AsyncIterator[str]:
    """A database URL nobody else uses, removed afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="dailies-bench-") as folder:
            yield f"sqlite:///{folder}/dailies.db"
        return
    name = f"dailies_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{POSTGRES_ADMIN.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class World:
    """One sandbox server configured as after /setup, its members, and the bot's settings."""

    sandbox: Sandbox
    guild: Guild
    dailies: Channel
    showrunner_role: Role
    crew_role: Role
    members: list[Member]
    db: Database
    settings: Settings
    folder: Path
    series_id: int = 0
    characters: list[str] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)
    shot_codes: list[str] = field(default_factory=list)

    def new_bot(self, *, migrate: bool = True) -> DailiesBot:
        return DailiesBot(self.settings, db=self.db, migrate=migrate)

    @contextlib.asynccontextmanager
    async def bot_running(self, *, migrate: bool = True) -> AsyncIterator[DailiesBot]:
        bot = self.new_bot(migrate=migrate)
        async with running(self.sandbox, bot, timeout=30):
            yield bot

    async def close(self) -> None:
        await self.db.dispose()
        await self.sandbox.stop()


async def open_world(
    url: str, *, members: int = 8, guild_ready_timeout: float = 0.1, migrate: bool = True
) -> World:
    """Start a sandbox with one server (#dailies, Showrunner and Crew roles, ``members``
    members: the first a showrunner, a quarter of the rest with a French client) and point a
    bot's settings at it. ``migrate``: bring the database to head now (the bot would too)."""
    sandbox = Sandbox()
    guild = sandbox.create_guild("Nightshift", locale="en-US")
    showrunner_role = guild.add_role("Showrunner")
    crew_role = guild.add_role("Crew")
    dailies = guild.add_channel("dailies")
    people = [guild.add_member("sasha", roles=[showrunner_role])]
    for n in range(1, members):
        people.append(
            guild.add_member(
                f"crew{n}",
                roles=[crew_role] if n % 2 else [],
                locale="fr" if n % 4 == 3 else "en-US",
            )
        )
    await sandbox.start()
    folder = Path(tempfile.mkdtemp(prefix="dailies-bench-media-"))
    if migrate:
        await upgrade(url)
    db = Database(url)
    settings = Settings(
        data_dir=folder,
        database_url=db.url,
        media_dir=folder / "media",
        default_locale="en",
        discord=DiscordSection(
            token=SecretStr(sandbox.token),
            api_base=sandbox.api_base,
            gateway_url=sandbox.gateway_url,
            guild_ready_timeout=guild_ready_timeout,
        ),
    )
    return World(sandbox, guild, dailies, showrunner_role, crew_role, people, db, settings, folder)


def episode_outline(episode: int, scenes: int, shots_per_scene: int) -> Outline:
    return Outline(
        title=f"Episode {episode}",
        scenes=[
            OutlineScene(
                heading=f"INT. {PLACES[(episode + s) % len(PLACES)].upper()} - NIGHT",
                location=PLACES[(episode + s) % len(PLACES)].upper(),
                shots=[
                    OutlineShot(
                        f"Shot {k}: {FIRST[k % 10]} finds the "
                        f"{WORDS[(episode + s + k) % len(WORDS)]} in the rain.",
                        4.0,
                        lines=(OutlineLine(FIRST[k % 10].upper(), "Who left this here?", "en"),)
                        if k % 3 == 0
                        else (),
                    )
                    for k in range(shots_per_scene)
                ],
            )
            for s in range(scenes)
        ],
    )


async def seed_bible(
    world: World,
    *,
    characters: int = 40,
    locations: int = 10,
    episodes: int = 3,
    scenes: int = 3,
    shots_per_scene: int = 10,
) -> None:
    """What a community has written after a few weeks: a series with its style, a cast with
    canon, locations, and episodes broken into scenes and shots with some dialogue."""
    guild_id = int(world.guild.id)
    showrunner = int(world.members[0].user.id)
    await update_settings(
        world.db,
        guild_id,
        showrunner_role_id=int(world.showrunner_role.id),
        crew_role_id=int(world.crew_role.id),
        dailies_channel_id=int(world.dailies.id),
    )
    async with world.db.session() as session:
        series = await bible.create_series(
            session,
            guild_id,
            "Nuit Blanche",
            showrunner,
            logline="A harbour town that never sleeps.",
        )
        world.series_id = series.id or 0
        for i in range(characters):
            name = f"{FIRST[i % 10]} {LAST[(i // 10) % len(LAST)]}"
            world.characters.append(name)
            session.add(
                Character(
                    guild_id=guild_id,
                    series_id=world.series_id,
                    name=name,
                    name_key=bible.name_key(name),
                    appearance=f"Tall, dark curly hair, scar over the left brow ({i}).",
                    wardrobe="Yellow oilskin coat, grey wool scarf.",
                    age="30s",
                    personality="Quiet, stubborn, kind to strangers.",
                    never_change="The scar; the yellow coat.",
                    created_by=showrunner,
                )
            )
        await session.commit()
        for place in PLACES[:locations]:
            await bible.create_location(
                session, guild_id, world.series_id, place, showrunner, description=f"The {place}."
            )
            world.locations.append(place)
    for episode in range(1, episodes + 1):
        async with world.db.session() as session:
            await import_outline(
                session,
                guild_id,
                episode_outline(episode, scenes, shots_per_scene),
                created_by=showrunner,
            )
        world.shot_codes += [
            f"{episode}.{s}.{k}"
            for s in range(1, scenes + 1)
            for k in range(1, shots_per_scene + 1)
        ]


def machine_line() -> str:
    one, five, fifteen = os.getloadavg()
    return (
        f"discord.py {discord.__version__}, {os.cpu_count()} CPUs, "
        f"load average {one:.2f} {five:.2f} {fifteen:.2f}"
    )
