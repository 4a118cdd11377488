"""A premiere firing in the sandbox: after the bot was down (late, with a note, within the grace
window; missed past it), and postponed when its renders are not ready. Timings are shortened
(``short_timing`` in tests/commands/premiere_world.py); the literal two-minute kill-and-restart
check is bench/bench_premiere_restart.py."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import bot.premieres as firing
from storage.models import Premiere, PremiereStatus
from storage.types import utcnow
from tests.commands.premiere_world import (
    episodes,
    posts,
    premieres_channel,
    rendered,
    rows,
    short_timing,
    until,
    utc_text,
)
from tests.helpers import Studio, buttons


async def schedule_in(studio: Studio, episode: int, seconds: float, weekly: bool = False) -> None:
    when = (utcnow() + timedelta(seconds=seconds)).replace(microsecond=0)
    options = {"episode": str(episode), "when": utc_text(when), "timezone": "UTC", "weekly": weekly}
    reply = await (await studio.slash(studio.showrunner, "premiere schedule", options)).reply()
    assert "premieres <t:" in reply.content, reply.content


async def sleep_past_start(studio: Studio, extra: float) -> None:
    (premiere,) = [p for p in await rows(studio) if p.status in ("scheduled", "postponed")]
    await asyncio.sleep(max(0.0, (premiere.starts_at - utcnow()).total_seconds() + extra))


async def test_fires_late_with_a_note_after_the_bot_was_down(studio: Studio) -> None:
    with short_timing() as timing:
        await _fires_late_with_a_note_after_the_bot_was_down(studio, timing)


async def _fires_late_with_a_note_after_the_bot_was_down(
    studio: Studio, timing: firing.Timing
) -> None:
    """Scheduled a few seconds ahead, the bot stops, the start passes, a new bot starts: the
    recap then the episode are posted with a late note, the viewers role (only it) is pinged,
    a thread opens, the event goes live; another restart posts nothing twice. Weekly: episode 3
    is scheduled a week later, with its own event and announcement."""
    await premieres_channel(studio)
    _first, second, _third = await episodes(studio, [[True, True], [True, True], [True]])
    ready = await rendered(studio, second)
    await schedule_in(studio, 2, 4, weekly=True)
    (announcement,) = studio.server.premieres.messages
    res = await studio.sandbox.click(studio.member, announcement,
                                     buttons(announcement)[0]["custom_id"])  # fmt: skip
    await res.reply()
    (role,) = [r for r in studio.guild.roles.values() if r.name == "Premiere viewers"]
    await until(lambda: role.id in studio.member.roles)

    await studio.stop_bot()
    await sleep_past_start(studio, 1.5)
    assert len(studio.server.premieres.messages) == 1  # nothing while the bot was down
    await studio.start_bot()

    recap = await studio.sandbox.wait_for_message(
        channel=studio.server.premieres, predicate=lambda m: "· recap" in m.content, timeout=20
    )
    episode = await studio.sandbox.wait_for_message(
        channel=studio.server.premieres, predicate=lambda m: "· episode" in m.content, timeout=20
    )
    assert "Premiering late: the bot was offline" in recap.content
    assert "Previously on" in recap.content and "Episode 2" in recap.content
    assert recap.mention_roles == [role.id] and not recap.mention_everyone
    assert recap.mentions == [] and episode.mention_roles == []
    assert [a.filename for a in recap.attachments] == ["recap-2.mp4", "recap-2.en.srt"]
    assert [a.filename for a in episode.attachments] == ["episode-2.mp4", "episode-2.en.srt"]
    assert recap.attachments[0].size == ready.recap.size_bytes <= studio.guild.upload_limit  # type: ignore[union-attr]
    assert episode.attachments[0].size == ready.episode.size_bytes <= studio.guild.upload_limit  # type: ignore[union-attr]
    messages = studio.server.premieres.messages
    assert messages.index(recap) < messages.index(episode)
    await until(lambda: episode.thread is not None)
    assert episode.thread is not None and "discussion" in episode.thread.name
    premiere = (await until(lambda: _premiered(studio)))[0]
    assert premiere.thread_id == episode.thread.id and premiere.note == "late"
    event = studio.guild.scheduled_events[premiere.event_id or 0]
    await until(lambda: event.status == 2)
    upcoming = (await until(lambda: _upcoming(studio)))[0]
    assert upcoming.weekly and upcoming.starts_at == premiere.starts_at + timedelta(days=7)
    await studio.sandbox.wait_for_message(channel=studio.server.premieres,
                                          predicate=lambda m: "Episode 3" in m.content)  # fmt: skip
    assert len(studio.guild.scheduled_events) == 2

    await studio.restart()
    await asyncio.sleep(1.0)
    assert len(posts(studio, "· recap")) == 1 and len(posts(studio, "· episode")) == 1


async def _premiered(studio: Studio) -> list[Premiere]:
    return [p for p in await rows(studio) if p.status == PremiereStatus.PREMIERED]


async def _upcoming(studio: Studio) -> list[Premiere]:
    return [p for p in await rows(studio) if p.status == PremiereStatus.SCHEDULED]


async def test_past_the_grace_window_it_is_missed_and_the_showrunner_told(studio: Studio) -> None:
    with short_timing() as timing:
        await _past_the_grace_window_it_is_missed_and_the_showrunner_told(studio, timing)


async def _past_the_grace_window_it_is_missed_and_the_showrunner_told(
    studio: Studio, timing: firing.Timing
) -> None:
    timing.grace_s = 1.0
    await premieres_channel(studio)
    await episodes(studio, [[True]])
    await schedule_in(studio, 1, 2)
    await studio.stop_bot()
    await sleep_past_start(studio, 2.5)
    await studio.start_bot()
    told = await studio.sandbox.wait_for_message(
        channel=studio.dailies, predicate=lambda m: "did not happen" in m.content, timeout=15
    )
    assert "the bot was offline past the" in told.content and "grace window" in told.content
    assert told.mentions == [studio.showrunner.user.id] and not told.mention_roles
    (premiere,) = await rows(studio)
    assert premiere.status == PremiereStatus.MISSED and premiere.note == "offline"
    (event,) = studio.guild.scheduled_events.values()
    assert event.status == 4
    assert len(studio.server.premieres.messages) == 1  # the announcement only: no file posted
    keys = await studio.bot.scheduler.keys()  # type: ignore[union-attr]
    assert f"premiere:{premiere.id}:start" not in keys


async def test_renders_not_ready_postpone_then_miss_and_never_post_a_file(studio: Studio) -> None:
    with short_timing() as timing:
        await _renders_not_ready_postpone_then_miss_and_never_post_a_file(studio, timing)


async def _renders_not_ready_postpone_then_miss_and_never_post_a_file(
    studio: Studio, timing: firing.Timing
) -> None:
    """Episode 1 has a shot without a locked take: the final cut refuses, so at T the premiere
    is postponed (once here), then missed; no video is ever posted."""
    await premieres_channel(studio)
    await episodes(studio, [[True, False]])
    await schedule_in(studio, 1, 2)
    postponed = await studio.sandbox.wait_for_message(
        channel=studio.server.premieres, predicate=lambda m: "postponed to" in m.content,
        timeout=20)  # fmt: skip
    assert "have no locked take yet" in postponed.content and "shots 1." in postponed.content
    (premiere,) = await rows(studio)
    assert premiere.status in (PremiereStatus.POSTPONED, PremiereStatus.MISSED)
    told = await studio.sandbox.wait_for_message(
        channel=studio.dailies, predicate=lambda m: "did not happen" in m.content, timeout=20
    )
    assert "no locked take yet" in told.content
    (premiere,) = await rows(studio)
    assert premiere.status == PremiereStatus.MISSED
    assert not [a for m in studio.server.premieres.messages for a in m.attachments]
    (event,) = studio.guild.scheduled_events.values()
    assert event.status == 4


async def test_a_lost_answer_mid_post_is_retried_without_posting_twice(studio: Studio) -> None:
    with short_timing() as timing:
        await _a_lost_answer_mid_post_is_retried_without_posting_twice(studio, timing)


async def _a_lost_answer_mid_post_is_retried_without_posting_twice(
    studio: Studio, timing: firing.Timing
) -> None:
    """Discord creates the episode's post but the answer is lost (the bot cannot know it went
    out); the premiere stays 'firing', is retried, finds its post by the marker line, opens the
    thread and is premiered: one post, not two. A restart in between changes nothing."""
    await premieres_channel(studio)
    (seeded,) = await episodes(studio, [[True]])
    await rendered(studio, seeded)
    timing.retry_s = 1.5
    lost = studio.sandbox.faults.add(
        "POST", r"/channels/\d+/messages", when="after", body_contains="episode-1.mp4", times=1
    )
    await schedule_in(studio, 1, 2)
    await until(lambda: lost.hits == 1)
    (premiere,) = await rows(studio)
    assert premiere.status == PremiereStatus.FIRING
    await studio.restart()  # resume_premieres picks the firing premiere up at once
    done = (await until(lambda: _premiered(studio)))[0]
    (post,) = posts(studio, "· episode")
    assert post.thread is not None and done.thread_id == post.thread.id
    await asyncio.sleep(timing.retry_s + 0.5)  # the retry stored before the restart finds it done
    assert len(posts(studio, "· episode")) == 1
