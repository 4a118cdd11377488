"""A started sandbox with one guild ("Nightshift"), a #dailies channel and two members."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import discord
import pytest

from bot.sandbox import Channel, Guild, Member, Role, Sandbox


@dataclass
class World:
    sandbox: Sandbox
    guild: Guild
    dailies: Channel
    forum: Channel
    showrunner: Role
    alice: Member  # a showrunner, French client
    bob: Member  # a plain member


@pytest.fixture
async def world() -> AsyncIterator[World]:
    sandbox = Sandbox()
    guild = sandbox.create_guild("Nightshift", locale="en-US")
    showrunner = guild.add_role("Showrunner", permissions=discord.Permissions(manage_guild=True))
    world = World(
        sandbox=sandbox,
        guild=guild,
        dailies=guild.add_channel("dailies"),
        forum=guild.add_channel("dailies-forum", type=15, tags=["Episode 1", "Notes"]),
        showrunner=showrunner,
        alice=guild.add_member("alice", roles=[showrunner], locale="fr"),
        bob=guild.add_member("bob"),
    )
    await sandbox.start()
    try:
        yield world
    finally:
        await sandbox.stop()
        assert not sandbox.emulator_errors, sandbox.emulator_errors
