"""The core paths with the real discord.py client: login, sync, slash, defer, ephemeral, files."""

from __future__ import annotations

import asyncio

import discord

from bot.sandbox import running
from tests.sandbox.conftest import World
from tests.sandbox.testbot import build_bot

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 2048


async def test_login_ready_and_guild_cache(world: World) -> None:
    async with running(world.sandbox, build_bot(world.guild.id)) as bot:
        guild = bot.get_guild(world.guild.id)
        assert guild is not None and guild.chunked
        assert {m.name for m in guild.members} >= {"alice", "bob"}
        assert guild.get_channel(world.forum.id).type.value == 15  # type: ignore[union-attr]
        assert bot.application_id == world.sandbox.application_id
    names = {c.name for c in world.sandbox.commands(world.guild)}
    assert {"ping", "character", "shot", "global-ping"} <= names


async def test_slash_reply_is_visible_in_channel(world: World) -> None:
    async with running(world.sandbox, build_bot(world.guild.id)):
        res = await world.sandbox.slash(world.alice, "ping", channel=world.dailies)
        msg = await res.reply()
    assert res.ack_type == 4 and not res.ephemeral
    assert msg.content == "pong fr"
    assert world.dailies.messages == [msg]


async def test_ephemeral_reply_stays_out_of_the_channel(world: World) -> None:
    async with running(world.sandbox, build_bot(world.guild.id)):
        res = await world.sandbox.slash(world.bob, "secret", channel=world.dailies)
        msg = await res.reply()
    assert res.ephemeral and msg.content == "only you"
    assert world.dailies.messages == []


async def test_subcommand_with_attachment_defers_then_follows_up(world: World) -> None:
    sb = world.sandbox
    async with running(sb, build_bot(world.guild.id)):
        image = sb.attachment("mara.png", PNG)
        res = await sb.slash(
            world.alice,
            "character create",
            {"name": "Mara", "image": image, "age": 31},
            channel=world.dailies,
        )
        await res.acknowledged()
        assert res.ack_type == 5
        msg = await res.reply()
    assert msg.content == f"Mara (31) has a {len(PNG)}-byte image/png reference"
    assert msg.attachments[0].filename == "ref-mara.png"
    assert msg.attachments[0].data == PNG
    assert msg is res.original  # the follow-up filled the "thinking" message
    assert world.dailies.messages == [msg]


async def test_global_command_and_user_messages(world: World) -> None:
    sb = world.sandbox
    async with running(sb, build_bot(world.guild.id)) as bot:
        res = await sb.slash(world.bob, "global-ping", channel=world.dailies)
        assert (await res.reply()).content == "global pong"
        await sb.say(world.bob, world.dailies, "hello bot")
        await sb.wait_for_message(world.dailies, lambda m: m.content == "hello bot")
        for _ in range(1000):
            if ("message", "hello bot") in bot.events_seen:
                break
            await __import__("asyncio").sleep(0.01)
        assert ("message", "hello bot") in bot.events_seen


async def test_intents_decide_what_the_bot_hears(world: World) -> None:
    """Without MESSAGE_CONTENT, members' messages arrive blank unless they mention the bot."""
    sb = world.sandbox
    heard: list[str] = []
    intents = discord.Intents.default()  # no members, no message content
    client = discord.Client(intents=intents, guild_ready_timeout=0.1)

    @client.event
    async def on_message(message: discord.Message) -> None:
        heard.append(message.content)

    async with running(sb, client):
        guild = client.get_guild(world.guild.id)
        assert guild is not None and [m.id for m in guild.members] == [sb.bot_user.id]
        await sb.say(world.bob, world.dailies, "secret plans")
        await sb.say(world.bob, world.dailies, f"{sb.bot_user.mention} hello")
        for _ in range(1000):
            if len(heard) == 2:
                break
            await asyncio.sleep(0.01)
    assert heard == ["", f"<@{sb.bot_user.id}> hello"]


async def test_gateway_reconnect_resumes_and_replays_missed_events(world: World) -> None:
    """Discord's op 7: the client resumes its session and gets what happened meanwhile."""
    sb = world.sandbox
    async with running(sb, build_bot(world.guild.id)) as bot:
        await sb.gateway.reconnect()
        await sb.say(world.bob, world.dailies, "while you were away")
        for _ in range(1000):
            if ("message", "while you were away") in bot.events_seen and sb.gateway.resume_count:
                break
            await asyncio.sleep(0.01)
        assert ("message", "while you were away") in bot.events_seen
        res = await sb.slash(world.alice, "ping", channel=world.dailies)
        assert (await res.reply()).content == "pong fr"
    assert (sb.gateway.identify_count, sb.gateway.resume_count) == (1, 1)
