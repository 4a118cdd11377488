"""/premiere schedule | list | move | cancel in the sandbox, in English and French, the "Notify me"
button, and every bad input answered privately without changing anything."""

from __future__ import annotations

from datetime import timedelta

import discord
import pytest

from bot.sandbox import Member
from storage.models import PremiereStatus
from storage.types import utcnow
from tests.commands.premiere_world import episodes, premieres_channel, rows
from tests.helpers import Studio, buttons


def french_showrunner(studio: Studio) -> Member:
    return studio.guild.add_member("fanny", roles=[studio.server.showrunner_role], locale="fr")


async def test_schedule_list_move_cancel_with_the_discord_event(studio: Studio) -> None:
    """A showrunner schedules episode 1 in Paris time: an event with the title card as cover,
    an announcement with Notify me; /premiere list shows it; move and cancel follow the event."""
    await premieres_channel(studio)
    await episodes(studio, [[True]])
    res = await studio.slash(studio.showrunner, "premiere schedule",
                             {"episode": "1", "when": "2030-06-01 20:00",
                              "timezone": "Europe/Paris"})  # fmt: skip
    reply = await res.reply()
    assert res.ephemeral and "premieres <t:1906567200:F>" in reply.content
    assert "Discord event is up" in reply.content
    (premiere,) = await rows(studio)
    assert premiere.status == PremiereStatus.SCHEDULED and premiere.timezone == "Europe/Paris"
    assert premiere.starts_at.isoformat() == "2030-06-01T18:00:00+00:00"  # 20:00 CEST
    keys = await studio.bot.scheduler.keys()  # type: ignore[union-attr]
    assert {f"premiere:{premiere.id}:prepare", f"premiere:{premiere.id}:start"} <= set(keys)

    (event,) = studio.guild.scheduled_events.values()
    assert event.data["entity_type"] == 3 and event.data["image"]
    assert event.data["entity_metadata"]["location"] == "#premieres"
    assert event.data["scheduled_start_time"].startswith("2030-06-01T18:00:00")
    assert event.data["scheduled_end_time"] > event.data["scheduled_start_time"]
    assert premiere.event_id == event.id
    (announcement,) = studio.server.premieres.messages
    assert "Episode 1" in announcement.content and "<t:1906567200:F>" in announcement.content
    assert [b["label"] for b in buttons(announcement)] == ["🔔 Notify me"]

    listed = await studio.reply(studio.member, "premiere list")
    assert "Episode 1: La Nuit du Phare" in listed.content and "(Europe/Paris), scheduled" in (
        listed.content
    )
    choices = await studio.choices(studio.showrunner, "premiere move",
                                   {"premiere": ""}, "premiere")  # fmt: skip
    assert choices == [{"name": "Episode 1: La Nuit du Phare · 2030-06-01 20:00 Europe/Paris",
                        "value": str(premiere.id)}]  # fmt: skip

    moved = await studio.reply(
        studio.showrunner,
        "premiere move",
        {"premiere": str(premiere.id), "when": "2030-06-02 21:00"},
    )
    assert "moves to <t:1906657200:F>" in moved.content
    assert event.data["scheduled_start_time"].startswith("2030-06-02T19:00:00")
    await studio.sandbox.wait_for_message(channel=studio.server.premieres,
                                          predicate=lambda m: "moves to" in m.content)  # fmt: skip

    cancelled = await studio.reply(studio.showrunner, "premiere cancel",
                                   {"premiere": str(premiere.id)})  # fmt: skip
    assert "called off" in cancelled.content
    assert event.status == 4
    assert [p.status for p in await rows(studio)] == [PremiereStatus.CANCELLED]
    assert not [k for k in await studio.bot.scheduler.keys() if k.startswith("premiere:")]  # type: ignore[union-attr]
    assert (
        "No premiere is scheduled" in (await studio.reply(studio.member, "premiere list")).content
    )


async def test_in_french_demain_21h30_and_the_zone_autocomplete(studio: Studio) -> None:
    """Une showrunneuse francophone programme « demain 21h30 » ; le fuseau récent vient en tête."""
    await premieres_channel(studio)
    await episodes(studio, [[True], [True]])
    fanny = french_showrunner(studio)
    res = await studio.slash(fanny, "premiere schedule",
                             {"episode": "1", "when": "demain 21h30",
                              "timezone": "europe/paris"})  # fmt: skip
    reply = await res.reply()
    assert res.ephemeral and "sort <t:" in reply.content and "dans <#" in reply.content
    (premiere,) = await rows(studio)
    local = premiere.starts_at.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Paris"))
    assert (local.hour, local.minute) == (21, 30) and local.date() > utcnow().date() - timedelta(1)
    zones = await studio.choices(fanny, "premiere schedule", {"timezone": ""}, "timezone")
    assert zones[0]["value"] == "Europe/Paris"
    liste = await studio.reply(fanny, "premiere list")
    assert "Premières à venir" in liste.content and "programmée" in liste.content


@pytest.mark.parametrize("lang", ["en", "fr"])
async def test_bad_input_is_refused_privately_and_changes_nothing(
    studio: Studio, lang: str
) -> None:
    await premieres_channel(studio)
    await episodes(studio, [[True], [False]])
    who = studio.showrunner if lang == "en" else french_showrunner(studio)
    base = {"episode": "1", "when": "2030-06-01 20:00", "timezone": "Europe/Paris"}
    words = {
        "en": ["has already passed", "don't know the time zone", "can't read",
               "no locked shot", "Only the showrunner", "already has a premiere",
               "I can't premiere in"],
        "fr": ["est déjà passé", "ne connais pas le fuseau", "ne sais pas lire",
               "aucun plan verrouillé", "Seul le showrunner", "a déjà une première",
               "Je ne peux pas diffuser"],
    }[lang]  # fmt: skip

    async def refused(member: Member, options: dict[str, str], expected: str) -> None:
        res = await studio.slash(member, "premiere schedule", {**base, **options})
        reply = await res.reply()
        assert res.ephemeral and expected in reply.content, reply.content

    await refused(who, {"when": "2020-01-01 20:00"}, words[0])
    await refused(who, {"timezone": "Mars/Olympus"}, words[1])
    await refused(who, {"when": "sometime soon"}, words[2])
    await refused(who, {"episode": "2"}, words[3])
    member = studio.member if lang == "en" else studio.francophone
    await refused(member, {}, words[4])
    assert await rows(studio) == [] and not studio.guild.scheduled_events
    assert studio.server.premieres.messages == []

    await (await studio.slash(who, "premiere schedule", base)).reply()
    await refused(who, {"when": "2030-07-01 20:00"}, words[5])
    assert len(await rows(studio)) == 1 and len(studio.guild.scheduled_events) == 1

    studio.server.premieres.set_permissions(
        studio.guild.me, deny=discord.Permissions(send_messages=True)
    )
    await refused(who, {"episode": "2", "when": "2030-07-01 20:00"}, words[3])
    await episodes_lock_more(studio)
    res = await studio.slash(who, "premiere schedule", {**base, "episode": "3"})
    reply = await res.reply()
    assert res.ephemeral and words[6] in reply.content and "send messages" in reply.content
    assert len(await rows(studio)) == 1 and len(studio.guild.scheduled_events) == 1


async def episodes_lock_more(studio: Studio) -> None:
    """A third episode with a locked shot (for the channel refusal, after the others)."""
    from tests.cut.seed import seed_episode

    await seed_episode(studio.db, studio.media, studio.server.id, studio.tmp_path / "takes",
                       number=3, locked=[True])  # fmt: skip


async def test_notify_me_creates_the_viewers_role_and_toggles_it(studio: Studio) -> None:
    await premieres_channel(studio)
    await episodes(studio, [[True]])
    await (await studio.slash(studio.showrunner, "premiere schedule",
                              {"episode": "1", "when": "2030-06-01 20:00",
                               "timezone": "UTC"})).reply()  # fmt: skip
    (announcement,) = studio.server.premieres.messages
    custom = buttons(announcement)[0]["custom_id"]
    res = await studio.sandbox.click(studio.member, announcement, custom)
    on = await res.reply()
    assert res.ephemeral and "You will be pinged" in on.content
    (role,) = [r for r in studio.guild.roles.values() if r.name == "Premiere viewers"]
    assert role.mentionable and role.id in studio.member.roles
    res = await studio.sandbox.click(studio.francophone, announcement, custom)
    assert "Vous serez notifié" in (await res.reply()).content
    await studio.restart()  # the button survives a restart
    res = await studio.sandbox.click(studio.member, announcement, custom)
    assert "No more premiere pings" in (await res.reply()).content
    assert role.id not in studio.member.roles and role.id in studio.francophone.roles
    assert [r.name for r in studio.guild.roles.values()].count("Premiere viewers") == 1
