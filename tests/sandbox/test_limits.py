"""What Discord refuses, the sandbox refuses the same way, and the bot sees the same error."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import aiohttp
import discord
import pytest

from bot.sandbox import RateLimits, Sandbox, SandboxUsageError, running
from tests.sandbox.conftest import World
from tests.sandbox.test_interactions import until
from tests.sandbox.testbot import build_bot

MIB = 1024 * 1024


async def rest(
    sb: Sandbox, method: str, path: str, body: Any = None, *, token: str | None = None
) -> tuple[int, str, Any]:
    """A raw REST call as a bot would make it: (status, content type, JSON body)."""
    headers = {"Authorization": f"Bot {token or sb.token}"}
    url = sb.api_base + path
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, url, json=body, headers=headers) as r,
    ):
        return r.status, r.headers["Content-Type"], json.loads(await r.read() or b"null")


async def test_late_acknowledgement_is_unknown_interaction(world: World) -> None:
    sb = world.sandbox
    async with running(sb, build_bot(world.guild.id, ack_delay=3.2)) as bot:
        res = await sb.slash(world.alice, "slow", channel=world.dailies)
        with pytest.raises(AssertionError, match="not acknowledged within 3 s"):
            await res.acknowledged()
        await until(lambda: ("slow_error", 10062) in bot.events_seen, 2.0)
    assert res.ack_type is None and world.dailies.messages == []
    assert res.errors[0]["code"] == 10062


async def test_double_acknowledgement_is_refused(world: World) -> None:
    sb = world.sandbox
    async with running(sb, build_bot(world.guild.id)) as bot:
        res = await sb.slash(world.alice, "twice", channel=world.dailies)
        await until(lambda: ("twice_error", 40060) in bot.events_seen)
    assert [m.content for m in world.dailies.messages] == ["once"]
    assert res.errors[0]["code"] == 40060


async def test_content_over_2000_chars(world: World) -> None:
    async with running(world.sandbox, build_bot(world.guild.id)):
        res = await world.sandbox.slash(world.alice, "long", channel=world.dailies)
        assert (await res.reply()).content == "refused: 400 50035"


@pytest.mark.parametrize(
    ("tier", "size", "accepted"), [(0, 10 * MIB + 1, False), (2, 10 * MIB + 1, True)]
)
async def test_upload_limit_follows_boost_tier(tier: int, size: int, accepted: bool) -> None:
    async with Sandbox() as sb:
        guild = sb.create_guild("Boosted", premium_tier=tier)
        alice = guild.add_member("alice")
        async with running(sb, build_bot(guild.id)):
            limit = await (await sb.slash(alice, "limit")).reply()
            reply = await (await sb.slash(alice, "upload", {"size": size})).reply()
    expected = guild.upload_limit
    assert limit.content == f"{expected} {expected}"
    if accepted:
        assert reply.content == "your render" and reply.attachments[0].size == size
    else:
        assert reply.content == "upload refused: 413 40005"


async def test_mentions_record_who_would_be_pinged(world: World) -> None:
    sb = world.sandbox
    text = f"@everyone {world.bob.mention} {world.showrunner.mention} look"
    async with running(sb, build_bot(world.guild.id)):
        safe = await (await sb.slash(world.alice, "say", {"text": text})).reply()
        loud = await (await sb.slash(world.alice, "say", {"text": text, "safe": False})).reply()
    assert safe.content == loud.content == text
    assert (safe.mention_everyone, safe.mentions, safe.mention_roles) == (False, [], [])
    assert loud.mention_everyone and loud.mentions == [world.bob.id]
    assert loud.mention_roles == [world.showrunner.id]
    assert sb.everyone_pings == [loud]


async def test_components_v2_limits(world: World) -> None:
    sb = world.sandbox
    async with running(sb, build_bot(world.guild.id)):
        ok = await (await sb.slash(world.alice, "layout", {"items": 3})).reply()
    assert ok.flags & (1 << 15) and ok.content == ""
    assert [c["content"] for c in ok.components[0]["components"]] == ["Take 0", "Take 1", "Take 2"]
    # discord.py stops at 40 itself; a hand-built payload must be refused by "Discord".
    texts = [{"type": 10, "content": f"Take {n}"} for n in range(40)]
    too_many = {"flags": 1 << 15, "components": [{"type": 17, "components": texts}]}
    status, _, body = await rest(sb, "POST", f"/channels/{world.dailies.id}/messages", too_many)
    assert (status, body["code"]) == (400, 50035)  # 1 container + 40 texts = 41
    fits = {"flags": 1 << 15, "components": [{"type": 17, "components": texts[:39]}]}
    assert (await rest(sb, "POST", f"/channels/{world.dailies.id}/messages", fits))[0] == 200
    gallery = {"type": 12, "items": [{"media": {"url": "attachment://take9.mp4"}}]}
    dangling = {"flags": 1 << 15, "components": [gallery]}
    status, _, body = await rest(sb, "POST", f"/channels/{world.dailies.id}/messages", dangling)
    assert (status, body["code"]) == (400, 50035)  # no file called take9.mp4 was uploaded


async def test_raw_rest_limits_and_error_shapes(world: World) -> None:
    sb = world.sandbox
    chan = f"/channels/{world.dailies.id}/messages"
    button = {"type": 2, "style": 1, "label": "x", "custom_id": "b"}
    row = {"type": 1, "components": [button]}
    status, ctype, body = await rest(sb, "POST", chan, {"content": "hi", "components": [row] * 6})
    assert (status, ctype, body["code"]) == (400, "application/json", 50035)
    assert "components" in body["errors"]
    wide = {"type": 1, "components": [{**button, "custom_id": f"b{n}"} for n in range(6)]}
    assert (await rest(sb, "POST", chan, {"components": [wide]}))[2]["code"] == 50035
    v2 = {"content": "no", "flags": 1 << 15, "components": [{"type": 10, "content": "x"}]}
    assert (await rest(sb, "POST", chan, v2))[2]["code"] == 50035
    answers = [{"poll_media": {"text": f"T{n}"}} for n in range(11)]
    poll = {"question": {"text": "?"}, "answers": answers, "duration": 24}
    assert (await rest(sb, "POST", chan, {"poll": poll}))[2]["errors"]["poll"]["answers"]
    poll = {**poll, "answers": answers[:2], "duration": 769}
    assert (await rest(sb, "POST", chan, {"poll": poll}))[2]["errors"]["poll"]["duration"]
    assert (await rest(sb, "POST", chan, {}))[2]["code"] == 50006
    original = await sb.say(world.bob, world.dailies, "my take")
    reply = {"content": "noted", "message_reference": {"message_id": str(original.id)}}
    status, _, replied = await rest(sb, "POST", chan, reply)
    assert (status, replied["type"], replied["mentions"][0]["id"]) == (200, 19, str(world.bob.id))
    reply["message_reference"] = {"message_id": "1"}
    assert (await rest(sb, "POST", chan, reply))[2]["code"] == 50035
    forum = f"/channels/{world.forum.id}/messages"
    assert (await rest(sb, "POST", forum, {"content": "x"}))[2]["code"] == 50008
    post = {"name": "Cut", "message": {"content": "x"}, "applied_tags": ["12345"]}
    _, _, refused = await rest(sb, "POST", f"/channels/{world.forum.id}/threads", post)
    assert refused["errors"]["applied_tags"]["_errors"][0]["code"] == "INVALID_TAG"
    assert world.forum.threads == []
    assert (await rest(sb, "GET", "/nowhere"))[:2] == (404, "application/json")
    assert (await rest(sb, "GET", "/users/@me", token="wrong"))[0] == 401
    status, _, mine = await rest(sb, "GET", "/users/@me")
    assert status == 200 and mine["id"] == str(sb.bot_user.id)
    # Of all those posts only the member's take and the valid reply exist.
    assert [m.content for m in world.dailies.messages] == ["my take", "noted"]


async def test_embed_and_custom_id_limits(world: World) -> None:
    sb = world.sandbox
    async with running(sb, build_bot(world.guild.id)):
        ok = await (
            await sb.slash(world.alice, "card", {"title_length": 256, "id_length": 100})
        ).reply()
        title = await (
            await sb.slash(world.alice, "card", {"title_length": 257, "id_length": 5})
        ).reply()
        cid = await (
            await sb.slash(world.alice, "card", {"title_length": 5, "id_length": 101})
        ).reply()
    assert ok.embeds[0]["title"] == "T" * 256
    assert title.content.startswith("refused: 400 50035") and "embeds.0.title" in title.content
    assert cid.content.startswith("refused: 400 50035") and "custom_id" in cid.content


async def test_client_side_rules_hide_and_bound_commands(world: World) -> None:
    sb = world.sandbox
    async with running(sb, build_bot(world.guild.id)):
        with pytest.raises(SandboxUsageError, match="cannot see /card"):
            await sb.slash(world.bob, "card", {"title_length": 1, "id_length": 1})
        forced = await sb.slash(world.bob, "card", {"title_length": 1, "id_length": 1}, force=True)
        assert (await forced.reply()).embeds[0]["title"] == "T"
        with pytest.raises(SandboxUsageError, match="unknown options"):
            await sb.slash(world.alice, "ping", {"loud": True})
        with pytest.raises(SandboxUsageError, match="required"):
            await sb.slash(world.alice, "shot")


async def test_autocomplete_choice_too_long_fails_like_discord(world: World) -> None:
    sb = world.sandbox
    sb.state.ack_deadline = 0.5  # the refusal is immediate; do not wait 3 s for the deadline
    async with running(sb, build_bot(world.guild.id)):
        with pytest.raises(AssertionError, match="not acknowledged"):
            await sb.autocomplete(world.alice, "cast", {"who": "a"}, focused="who")
        [inter] = sb.state.interactions.values()
        await until(lambda: bool(inter.errors))  # the bot's refused answer may land late
    assert inter.errors[0]["code"] == 50035 and inter.choices is None


async def test_command_sync_rules(world: World) -> None:
    sb = world.sandbox
    path = f"/applications/{sb.application_id}/guilds/{world.guild.id}/commands"
    good = {"name": "personnage", "description": "Cast", "name_localizations": {"fr": "rôle"}}
    status, _, body = await rest(sb, "PUT", path, [good])
    assert status == 200 and body[0]["name_localizations"] == {"fr": "rôle"}
    for bad in (
        {**good, "name": "Character"},
        {**good, "name_localizations": {"fr": "créer personnage"}},
        {**good, "name_localizations": {"xx": "a"}},
        {**good, "description": ""},
        {
            **good,
            "options": [
                {"name": "a", "description": "a", "type": 3},
                {"name": "b", "description": "b", "type": 3, "required": True},
            ],
        },
    ):
        status, _, body = await rest(sb, "PUT", path, [bad])
        assert (status, body["code"]) == (400, 50035), bad
    assert [c.name for c in sb.commands(world.guild)] == ["personnage"]


async def test_rate_limited_channel_paces_the_bot() -> None:
    """With Discord's 5 messages / 5 s per channel, the 7th post waits instead of failing."""
    limits = RateLimits(channel_messages=3, channel_window=0.5)
    async with Sandbox(rate_limits=limits) as sb:
        guild = sb.create_guild("Busy")
        chan = guild.add_channel("dailies")
        path = f"/channels/{chan.id}/messages"
        client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.1)
        async with running(sb, client):
            target = client.get_channel(chan.id)
            assert isinstance(target, discord.TextChannel)
            started = time.monotonic()
            await asyncio.gather(*(target.send(f"take {n}") for n in range(7)))
            elapsed = time.monotonic() - started
        statuses = [r.status for r in sb.requests if r.path == path]
        # A long window, so that a slow machine cannot let the 4th post slip through.
        sb.rate_limits = RateLimits(channel_messages=3, channel_window=30.0)
        # A client that ignores the headers gets Discord's 429.
        answers = [await rest(sb, "POST", path, {"content": "x"}) for _ in range(4)]
    assert sorted(m.content for m in chan.messages)[:7] == [f"take {n}" for n in range(7)]
    assert elapsed >= 0.9  # three windows' worth of posts
    assert statuses.count(200) == 7 and len(statuses) - 7 == limits.hits
    assert [a[0] for a in answers] == [200, 200, 200, 429]
    body = answers[3][2]
    assert 0 < body["retry_after"] <= 30 and body["global"] is False


async def test_role_hierarchy_decides_what_the_bot_may_give(world: World) -> None:
    sb = world.sandbox
    crew = world.guild.add_role("Crew")
    owner = world.guild.add_role("Studio owner", above_bot=True)
    async with running(sb, build_bot(world.guild.id)) as bot:
        guild = bot.get_guild(world.guild.id)
        assert guild is not None
        bob = guild.get_member(world.bob.id)
        assert bob is not None
        await bob.add_roles(discord.Object(crew.id))
        with pytest.raises(discord.Forbidden):
            await bob.add_roles(discord.Object(owner.id))
        await until(lambda: any(r.id == crew.id for r in bob.roles))
    assert world.bob.roles == [crew.id]


async def test_injected_faults_lost_answer_and_5xx(world: World) -> None:
    """An answer lost after Discord acted leaves the message there; a 503 before it does not,
    and discord.py retries a 500 on its own."""
    sb = world.sandbox
    route = rf"/channels/{world.dailies.id}/messages"
    lost = sb.faults.add("POST", route, when="after", body_contains="take A")
    refused = sb.faults.add("POST", route, when="before", status=503, body_contains="take B")
    sb.faults.add("POST", route, when="before", status=500, body_contains="take C")
    client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.1)
    async with running(sb, client):
        chan = client.get_channel(world.dailies.id)
        assert isinstance(chan, discord.TextChannel)
        with pytest.raises(aiohttp.ClientConnectionError):
            await chan.send("take A is ready")
        with pytest.raises(discord.DiscordServerError):
            await chan.send("take B is ready")  # 503 is not retried by discord.py
        await chan.send("take C is ready")  # 500 once, then the retry lands
    assert [m.content for m in world.dailies.messages] == ["take A is ready", "take C is ready"]
    assert (lost.hits, refused.hits) == (1, 1)
