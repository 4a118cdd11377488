"""Components, modals, autocomplete, threads, forums, polls and events with the real client."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import discord
import pytest

from bot.sandbox import SandboxUsageError, running
from bot.sandbox.limits import flatten
from tests.sandbox.conftest import World
from tests.sandbox.testbot import build_bot


async def until(check: Callable[[], Any], timeout: float = 10.0) -> None:  # noqa: ASYNC109
    """Wait for the bot's side of an event (it runs in the same loop)."""
    for _ in range(int(timeout / 0.01)):
        if check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not met")


async def test_autocomplete_offers_matching_shots(world: World) -> None:
    async with running(world.sandbox, build_bot(world.guild.id)):
        choices = await world.sandbox.autocomplete(
            world.alice, "shot", {"shot": "1."}, focused="shot"
        )
    assert choices == [{"name": "Shot 1.1", "value": "1.1"}, {"name": "Shot 1.2", "value": "1.2"}]


async def test_select_updates_the_message(world: World) -> None:
    sb = world.sandbox
    async with running(sb, build_bot(world.guild.id)):
        msg = await (
            await sb.slash(world.alice, "shot", {"shot": "1.1"}, channel=world.dailies)
        ).reply()
        res = await sb.select(world.bob, msg, "shot-select", ["2"])
        await res.acknowledged()
    assert res.ack_type == 7
    assert msg.content == "Shot 2 selected" and msg.edited


async def test_modal_round_trip_without_pings(world: World) -> None:
    sb = world.sandbox
    async with running(sb, build_bot(world.guild.id)):
        opened = await (await sb.slash(world.alice, "note", channel=world.dailies)).acknowledged()
        assert opened.ack_type == 9 and opened.modal is not None
        assert opened.modal["title"] == "Director's note"
        res = await sb.submit_modal(world.alice, opened, {"note": "More fog @everyone"})
        msg = await res.reply()
    assert msg.content == "Note saved: More fog @everyone"
    assert not msg.mention_everyone


async def test_dynamic_button_survives_a_bot_restart(world: World) -> None:
    sb = world.sandbox
    async with running(sb, build_bot(world.guild.id)):
        takes = await (await sb.slash(world.alice, "takes", channel=world.dailies)).reply()
        first = await (await sb.click(world.bob, takes, "take:7:pick")).reply()
        assert first.content == "bob picked take 7" and first.ephemeral
    assert sb.gateway.identify_count == 1
    # A new process: same Discord, the old message and its buttons are still there.
    async with running(sb, build_bot(world.guild.id)):
        assert world.dailies.messages[0] is takes
        res = await sb.click(world.bob, takes, "take:8:pick")
        assert (await res.reply()).content == "bob picked take 8"
    assert sb.gateway.identify_count == 2


async def test_thread_from_a_message(world: World) -> None:
    sb = world.sandbox
    async with running(sb, build_bot(world.guild.id)) as bot:
        res = await sb.slash(world.alice, "thread", {"shot": "1.1"}, channel=world.dailies)
        reply = await res.reply()
        await until(lambda: ("thread", "Shot 1.1") in bot.events_seen)
    starter = world.dailies.messages[0]
    assert starter.thread is not None and starter.thread.id == starter.id
    assert [m.content for m in starter.thread.messages] == ["Post your notes here"]
    assert reply.ephemeral and reply.content == f"Opened <#{starter.thread.id}>"
    assert world.dailies.threads == [starter.thread]


async def test_forum_post_with_file(world: World) -> None:
    sb = world.sandbox
    async with running(sb, build_bot(world.guild.id)):
        await (await sb.slash(world.alice, "forumpost", {"title": "Episode 1 cut"})).reply()
    [post] = world.forum.threads
    assert post.name == "Episode 1 cut"
    assert post.applied_tags == [world.guild.tag_id(world.forum, "Episode 1")]
    [starter] = post.messages
    assert starter.id == post.id and starter.content == "First cut"
    assert starter.attachments[0].data == b"cut-bytes"
    assert starter.attachments[0].content_type == "video/mp4"


async def test_poll_votes_reach_the_bot_and_the_poll_closes(world: World) -> None:
    sb = world.sandbox
    async with running(sb, build_bot(world.guild.id)) as bot:
        msg = await (await sb.slash(world.alice, "poll", channel=world.dailies)).reply()
        assert msg.poll is not None and [a.text for a in msg.poll.answers] == ["Take A", "Take B"]
        await sb.poll_vote(world.alice, msg, 1)
        await sb.poll_vote(world.bob, msg, 1)
        await sb.poll_vote(world.bob, msg, 2)  # single choice: bob moves his vote
        seen = bot.events_seen
        await until(lambda: ("vote_add", 2) in seen and ("vote_remove", 1) in seen)
        closed = await (await sb.slash(world.alice, "endpoll", channel=world.dailies)).reply()
    assert closed.content == "Poll closed: {'Take A': 1, 'Take B': 1}"
    assert msg.poll.finalized


async def test_scheduled_premiere(world: World) -> None:
    sb = world.sandbox
    async with running(sb, build_bot(world.guild.id)) as bot:
        msg = await (await sb.slash(world.alice, "premiere", {"hours": 2})).reply()
        await until(lambda: ("event", "Episode 1 premiere") in bot.events_seen)
        past = await (await sb.slash(world.alice, "premiere", {"hours": -2})).reply()
        [event] = world.guild.scheduled_events.values()
        await sb.interested(world.alice, event)
        await sb.interested(world.bob, event)
        live = await (await sb.slash(world.alice, "golive")).reply()
    assert live.content == "['alice', 'bob'] completed 50035"
    assert event.status == 3
    assert msg.content.startswith(f"Premiere {event.id} at ")
    assert event.data["entity_metadata"] == {"location": "#premieres"}
    assert past.content == "error 50035"  # Discord refuses a start in the past


async def test_edit_drops_the_attachment(world: World) -> None:
    sb = world.sandbox
    seen: list[tuple[str, str]] = []
    sb.watch_messages(lambda kind, m: seen.append((kind, m.content)))
    async with running(sb, build_bot(world.guild.id)):
        res = await sb.slash(world.alice, "edit", channel=world.dailies)
        msg = await res.reply()
        await sb.wait_for_message(world.dailies, lambda m: m.content == "final")
    assert msg.edited and msg.attachments == []
    assert seen == [("create", "draft"), ("update", "final")]


async def test_modal_with_file_upload(world: World) -> None:
    sb = world.sandbox
    a, b = sb.attachment("a.png", b"a" * 10), sb.attachment("b.png", b"b" * 5)
    async with running(sb, build_bot(world.guild.id)):
        opened = await (
            await sb.slash(world.alice, "reference", channel=world.dailies)
        ).acknowledged()
        res = await sb.submit_modal(world.alice, opened, {"caption": "Mara", "image": [a, b]})
        msg = await res.reply()
    assert msg.content == "Mara: ['a.png', 'b.png'] 15"


async def test_channel_overwrites_forbid_the_bot(world: World) -> None:
    sb = world.sandbox
    locked = world.guild.add_channel("announcements")
    locked.set_permissions(world.guild.me, deny=discord.Permissions(send_messages=True))
    async with running(sb, build_bot(world.guild.id)):
        denied = await sb.slash(world.alice, "announce", {"where": locked, "text": "hi"})
        allowed = await sb.slash(world.alice, "announce", {"where": world.dailies, "text": "hi"})
        assert (await denied.reply()).content == "forbidden: 50013"
        assert (await allowed.reply()).content == "posted"
    assert locked.messages == [] and [m.content for m in world.dailies.messages] == ["hi"]


async def test_follow_up_after_the_token_expired(world: World) -> None:
    sb = world.sandbox
    async with running(sb, build_bot(world.guild.id)) as bot:
        res = await (await sb.slash(world.alice, "render", channel=world.dailies)).acknowledged()
        await until(lambda: bot.events_seen and bot.events_seen[-1][0] == "render_token")
        interaction = bot.events_seen[-1][1]
        res.expire_token()  # "15 minutes later"
        with pytest.raises(discord.NotFound) as caught:
            await interaction.followup.send("your render is ready")
        assert caught.value.code == 10015
        await interaction.channel.send("your render is ready")  # the fallback Dailies uses
    assert world.dailies.messages[-1].content == "your render is ready"
    assert res.original is not None and res.original.flags & 128  # still "thinking"


async def test_components_v2_gallery_button_after_restart(world: World) -> None:
    sb = world.sandbox
    async with running(sb, build_bot(world.guild.id)):
        post = await (await sb.slash(world.alice, "gallery", channel=world.dailies)).reply()
    assert post.flags & (1 << 15) and post.attachments[0].data == b"take-7-video"
    ids = [c["id"] for c in flatten(post.components)]  # Discord numbers them
    assert sorted(ids) == list(range(1, len(ids) + 1))
    async with running(sb, build_bot(world.guild.id)):
        res = await sb.click(world.bob, post, "take:7:pick")
        assert (await res.reply()).content == "bob picked take 7"


async def test_poll_closing_by_time_posts_the_result(world: World) -> None:
    sb = world.sandbox
    results: list[tuple[int | None, int]] = []
    async with running(sb, build_bot(world.guild.id)) as bot:

        @bot.event
        async def on_message(message: discord.Message) -> None:
            if message.type is discord.MessageType.poll_result and message.reference:
                # discord.py folds the result into the cached poll message.
                cached = discord.utils.get(bot.cached_messages, id=message.reference.message_id)
                assert cached is not None and cached.poll is not None
                results.append((cached.poll.victor_answer_id, cached.poll.total_votes))

        msg = await (await sb.slash(world.alice, "poll", channel=world.dailies)).reply()
        await sb.poll_vote(world.alice, msg, 2)
        await sb.poll_vote(world.bob, msg, 2)
        result = await sb.end_poll(msg)
        await until(lambda: bool(results))
        with pytest.raises(SandboxUsageError):
            await sb.poll_vote(world.bob, msg, 1)
    assert result.type == 46 and msg.poll is not None and msg.poll.finalized
    assert results == [(2, 2)]


async def test_context_menus_and_a_user_select(world: World) -> None:
    sb = world.sandbox
    async with running(sb, build_bot(world.guild.id)):
        post = await sb.say(
            world.bob, world.dailies, "my sketch", files=[sb.attachment("s.png", b"p")]
        )
        ref = await (await sb.message_command(world.alice, "Use as reference", post)).reply()
        assert ref.content == f"reference from {post.id}: ['s.png']"
        ask = await (await sb.user_command(world.alice, "Credit", world.bob)).reply()
        assert ask.content == "credit bob as?"
        picked = await sb.select(world.alice, ask, "cast-picker", [world.alice, world.bob])
        assert (await picked.reply()).content == "cast: ['alice', 'bob']"
    assert ask.components == []
