"""A sandbox server with a series in its bible, crew and non-crew members, and the real bot.

Used by tests/commands/test_episodes*.py, test_shots*.py and test_board*.py. Unlike the shared
``studio`` of tests/helpers.py, the bible here has the cast of the Fountain sample (Élodie, Mara,
the Phare de Kerbras), and only the script features are loaded, so each bot starts fast.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import SecretStr

from bot.client import DailiesBot
from bot.config import Settings
from bot.sandbox import Channel, Guild, Member, Message, Role, Sandbox, running
from storage.db import Database
from storage.models import Character, GuildSettings, Location, Series

SCRIPT_FEATURES = ["commands.episodes", "commands.shots", "commands.board"]


@dataclass
class ScriptStudio:
    sandbox: Sandbox
    db: Database
    guild: Guild
    writers_room: Channel
    crew: Role
    ana: Member  # crew, English client
    bea: Member  # crew, French client
    carl: Member  # not crew
    series_id: int
    settings: Settings

    def new_bot(self) -> DailiesBot:
        settings = self.settings.model_copy(deep=True)
        return DailiesBot(settings, db=self.db, features=SCRIPT_FEATURES, migrate=False)

    @asynccontextmanager
    async def bot(self) -> AsyncIterator[DailiesBot]:
        bot = self.new_bot()
        async with running(self.sandbox, bot):
            yield bot


async def seed_bible(db: Database, guild_id: int, crew_role_id: int) -> int:
    async with db.session() as s:
        series = Series(guild_id=guild_id, name="La Nuit du Phare", name_key="la nuit du phare",
                        created_by=1)  # fmt: skip
        s.add(series)
        await s.flush()
        assert series.id is not None
        for name in ("Élodie", "Mara"):
            s.add(Character(guild_id=guild_id, series_id=series.id, name=name,
                            name_key=name.casefold(), appearance=f"{name}, forties, oilskin coat.",
                            created_by=1))  # fmt: skip
        s.add(Location(guild_id=guild_id, series_id=series.id, name="Phare de Kerbras",
                       name_key="phare de kerbras", created_by=1))  # fmt: skip
        s.add(
            GuildSettings(guild_id=guild_id, active_series_id=series.id, crew_role_id=crew_role_id)
        )
        await s.commit()
        return series.id


@pytest.fixture
async def script_studio(db: Database) -> AsyncIterator[ScriptStudio]:
    sandbox = Sandbox()
    guild = sandbox.create_guild("Kerbras Writers", locale="en-US")
    crew = guild.add_role("Crew")
    world = ScriptStudio(
        sandbox=sandbox,
        db=db,
        guild=guild,
        writers_room=guild.add_channel("writers-room"),
        crew=crew,
        ana=guild.add_member("ana", roles=[crew], locale="en-US"),
        bea=guild.add_member("bea", roles=[crew], locale="fr"),
        carl=guild.add_member("carl", locale="en-US"),
        series_id=await seed_bible(db, guild.id, crew.id),
        settings=Settings(),
    )
    await sandbox.start()
    world.settings.discord.api_base = sandbox.api_base
    world.settings.discord.gateway_url = sandbox.gateway_url
    world.settings.discord.token = SecretStr(sandbox.token)
    world.settings.discord.guild_ready_timeout = 0.1
    try:
        yield world
    finally:
        await sandbox.stop()
        assert not sandbox.emulator_errors, sandbox.emulator_errors


def component_text(message: Message) -> str:
    """Every TextDisplay's content in a Components V2 message, in order."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == 10:
                out.append(str(node.get("content", "")))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(message.components)
    return "\n".join(out)


def count_components(message: Message) -> int:
    def walk(node: Any) -> int:
        if isinstance(node, dict):
            own = 1 if "type" in node else 0
            return own + sum(walk(v) for k, v in node.items() if k in ("components", "accessory"))
        if isinstance(node, list):
            return sum(walk(v) for v in node)
        return 0

    return walk(message.components)


async def answer(result: Any) -> Message:
    """The message the member sees for an interaction (response, or the deferred follow-up)."""
    await result.acknowledged()
    return await result.reply()


async def board_showing(sandbox: Sandbox, channel: Channel, text: str) -> Message:
    """The board message once it shows ``text`` (edits land just after the command's answer)."""
    return await sandbox.wait_for_message(
        channel=channel, predicate=lambda m: text in component_text(m), timeout=5
    )
