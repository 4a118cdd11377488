"""/episode through the sandbox with the real bot, in English and in French."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import func, select

from bot.sandbox import SandboxUsageError
from storage.models import DialogueLine, Episode, Location, Scene, Shot
from tests.commands.script_world import ScriptStudio, answer, script_studio

__all__ = ["script_studio"]
SAMPLE = Path(__file__).parent.parent / "data" / "la_nuit_du_phare.fountain"


async def script_counts(script_studio: ScriptStudio) -> tuple[int, ...]:
    async with script_studio.db.session() as s:
        return tuple(
            [
                (await s.exec(select(func.count()).select_from(model))).one()  # type: ignore[arg-type]
                for model in (Episode, Scene, Shot, DialogueLine, Location)
            ]
        )


async def test_create_and_list_in_english_and_french(script_studio: ScriptStudio) -> None:
    sb, room = script_studio.sandbox, script_studio.writers_room
    async with script_studio.bot():
        en = await answer(
            await sb.slash(script_studio.ana, "episode create", {"title": "Pilot"}, channel=room)
        )
        fr = await answer(
            await sb.slash(
                script_studio.bea,
                "episode create",
                {"title": "La Marée", "synopsis": "Le phare s'éteint."},
                channel=room,
            )
        )
        listed = await answer(await sb.slash(script_studio.bea, "episode list", channel=room))
    assert en.content == "Episode **1 · Pilot** is open. Add scenes with /scene add."
    assert fr.content.startswith("L'épisode **2 · La Marée** est ouvert.")
    assert listed.ephemeral
    assert "**1** · Pilot : 0 scènes, 0 plans (0 verrouillés)" in listed.content
    assert "**2** · La Marée" in listed.content


async def test_duplicate_number_is_refused_in_the_members_language(
    script_studio: ScriptStudio,
) -> None:
    sb, room = script_studio.sandbox, script_studio.writers_room
    async with script_studio.bot():
        await answer(
            await sb.slash(
                script_studio.ana, "episode create", {"title": "Pilot", "number": 1}, channel=room
            )
        )
        again = await answer(
            await sb.slash(
                script_studio.bea, "episode create", {"title": "Doublon", "number": 1}, channel=room
            )
        )
    assert again.ephemeral
    assert "L'épisode 1 existe déjà" in again.content
    assert await script_counts(script_studio) == (1, 0, 0, 0, 1)


BAD_TITLES = [
    ("   ", "The title cannot be empty."),
    ("x" * 5_000, "The title is 5000 characters long; keep it under 100."),
    ("Party @everyone", "Mentions (@everyone, @here, roles or members) are not allowed"),
    ("Hi <@&123456789012345678>", "Mentions (@everyone, @here, roles or members) are not allowed"),
]


async def test_bad_titles_get_a_clear_message_and_change_nothing(
    script_studio: ScriptStudio,
) -> None:
    sb, room = script_studio.sandbox, script_studio.writers_room
    async with script_studio.bot():
        for title, expected in BAD_TITLES:
            refused = await answer(
                await sb.slash(script_studio.ana, "episode create", {"title": title}, channel=room)
            )
            assert refused.ephemeral and expected in refused.content, refused.content
            assert not refused.mention_everyone and not refused.mention_roles
    assert await script_counts(script_studio) == (0, 0, 0, 0, 1)


async def test_ten_thousand_characters_never_leave_the_discord_client(
    script_studio: ScriptStudio,
) -> None:
    """Discord caps a text option at 6000 characters; the command is never even sent."""
    async with script_studio.bot():
        with pytest.raises(SandboxUsageError):
            await script_studio.sandbox.slash(
                script_studio.ana, "episode create", {"title": "x" * 10_000}
            )
    assert await script_counts(script_studio) == (0, 0, 0, 0, 1)


async def test_member_without_crew_role_is_refused(script_studio: ScriptStudio) -> None:
    sb, room = script_studio.sandbox, script_studio.writers_room
    async with script_studio.bot():
        refused = await answer(
            await sb.slash(script_studio.carl, "episode create", {"title": "Mine"}, channel=room)
        )
        listed = await answer(await sb.slash(script_studio.carl, "episode list", channel=room))
    assert refused.ephemeral and "Only the crew can do that" in refused.content
    assert listed.content == "No episodes yet. Start one with /episode create."
    assert await script_counts(script_studio) == (0, 0, 0, 0, 1)


async def test_import_fountain_makes_scenes_shots_and_lines(script_studio: ScriptStudio) -> None:
    sb, room = script_studio.sandbox, script_studio.writers_room
    script = sb.attachment(
        "la_nuit_du_phare.fountain", SAMPLE.read_bytes(), content_type="text/plain"
    )
    async with script_studio.bot():
        result = await sb.slash(
            script_studio.ana, "episode import", {"screenplay": script}, channel=room
        )
        reply = await answer(result)
        shown = await answer(
            await sb.slash(script_studio.ana, "episode show", {"episode": "1"}, channel=room)
        )
    assert result.deferred and reply.ephemeral
    assert reply.content.splitlines() == [
        "Imported **La Nuit du Phare** as episode 1: 4 scenes, 14 shots, 8 dialogue lines.",
        "New locations: Falaise, Sous-sol du Phare, Cuisine de l'Auberge.",
        "Not in the bible (kept as names on their lines): McCLANE, GRÉGOIRE.",
    ]
    assert await script_counts(script_studio) == (1, 4, 14, 8, 4)
    assert shown.ephemeral
    from tests.commands.script_world import component_text

    text = component_text(shown)
    assert "1.1 · INT. PHARE DE KERBRAS - SALLE DES LAMPES - NUIT" in text
    assert "`1.4.2`" in text


BAD_SCREENPLAYS = [
    (
        "still.png",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(512),
        "n'est pas un scénario texte",
    ),
    ("empty.fountain", b"", "Ce scénario est vide"),
    ("notes.fountain", b"Just some notes.\n\nNo scenes here.", "aucun en-tête de scène"),
    (
        "epic.fountain",
        b"INT. HALL - DAY\n\n" + b"The crowd roars. " * 40_000,
        "la limite est de 512 Ko",
    ),
    ("ping.fountain", b"INT. HALL - DAY\n\n@everyone come and see.", "ne sont pas permises"),
]


async def test_bad_screenplays_are_refused_in_french_and_change_nothing(
    script_studio: ScriptStudio,
) -> None:
    sb, room = script_studio.sandbox, script_studio.writers_room
    async with script_studio.bot():
        for filename, data, expected in BAD_SCREENPLAYS:
            upload = sb.attachment(filename, data, content_type="application/octet-stream")
            result = await sb.slash(
                script_studio.bea, "episode import", {"screenplay": upload}, channel=room
            )
            refused = await answer(result)
            assert refused.ephemeral and expected in refused.content, (filename, refused.content)
            assert not refused.mention_everyone
    assert await script_counts(script_studio) == (0, 0, 0, 0, 1)
