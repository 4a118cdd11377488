"""/scene and /shot through the sandbox with the real bot: options, modal, autocomplete, codes."""

from __future__ import annotations

from sqlmodel import col, select

from storage.models import DialogueLine, Shot
from tests.commands.script_world import (
    ScriptStudio,
    answer,
    component_text,
    script_studio,
    seed_bible,
)

__all__ = ["script_studio"]


async def open_scene(script_studio: ScriptStudio) -> None:
    sb, room = script_studio.sandbox, script_studio.writers_room
    await answer(
        await sb.slash(script_studio.ana, "episode create", {"title": "Pilote"}, channel=room)
    )
    await answer(
        await sb.slash(
            script_studio.ana, "scene add",
            {"episode": "1", "heading": "INT. PHARE - NUIT", "location": "Phare de Kerbras"},
            channel=room,
        )
    )  # fmt: skip


async def shots(script_studio: ScriptStudio) -> list[Shot]:
    async with script_studio.db.session() as s:
        return list((await s.exec(select(Shot).order_by(col(Shot.position)))).all())


async def test_shot_add_with_options_then_show_with_compiled_prompt(
    script_studio: ScriptStudio,
) -> None:
    sb, room, ana = script_studio.sandbox, script_studio.writers_room, script_studio.ana
    async with script_studio.bot():
        await open_scene(script_studio)
        added = await answer(
            await sb.slash(
                ana, "shot add",
                {"scene": "1.1", "action": "Élodie climbs the last steps, torch in hand.",
                 "size": "close-up", "movement": "handheld", "lens": "35mm", "duration": 6.0,
                 "characters": "élodie, MARA", "speaker": "Élodie",
                 "line": "Il y a quelqu'un ?", "generator": "veo"},
                channel=room,
            )
        )  # fmt: skip
        shown = await answer(await sb.slash(ana, "shot show", {"shot": "1.1.1"}, channel=room))
    assert added.content == "Shot **1.1.1** added: Élodie climbs the last steps, torch in hand."
    assert not added.ephemeral
    text = component_text(shown)
    assert shown.ephemeral
    assert "## Shot 1.1.1 · 📝 draft" in text
    assert "close-up · handheld · 35mm · 6 s" in text
    assert "**Characters** Mara, Élodie" in text
    assert "**Location** Phare de Kerbras" in text
    assert "> **Élodie** (fr) Il y a quelqu'un ?" in text
    assert "Prompt (" in text and "Élodie" in text.split("Prompt (", 1)[1]
    assert f"<@{ana.id}>" in text and not shown.mentions  # credited, never pinged


async def test_shot_add_without_action_opens_a_form_in_french(script_studio: ScriptStudio) -> None:
    sb, room, bea = script_studio.sandbox, script_studio.writers_room, script_studio.bea
    async with script_studio.bot():
        await open_scene(script_studio)
        opened = await sb.slash(bea, "shot add", {"scene": "1.1", "duration": 4.0}, channel=room)
        await opened.acknowledged()
        assert opened.ack_type == 9
        assert opened.modal is not None and opened.modal["title"] == "Nouveau plan dans 1.1"
        submitted = await sb.submit_modal(
            bea, opened,
            {"shot:action": "La pluie frappe la vitre.",
             "shot:dialogue": "ÉLODIE : Il y a quelqu'un ?\nMara [en]: Up here."},
        )  # fmt: skip
        reply = await answer(submitted)
    assert reply.content == "Plan **1.1.1** ajouté : La pluie frappe la vitre."
    async with script_studio.db.session() as s:
        lines = (await s.exec(select(DialogueLine).order_by(col(DialogueLine.position)))).all()
    assert [(x.speaker, x.text, x.language) for x in lines] == [
        ("Élodie", "Il y a quelqu'un ?", "fr"),
        ("Mara", "Up here.", "en"),
    ]
    assert (await shots(script_studio))[0].duration_s == 4.0


async def test_edit_form_is_prefilled_and_options_edit_directly(
    script_studio: ScriptStudio,
) -> None:
    sb, room, ana = script_studio.sandbox, script_studio.writers_room, script_studio.ana
    async with script_studio.bot():
        await open_scene(script_studio)
        await answer(
            await sb.slash(
                ana,
                "shot add",
                {"scene": "1.1", "action": "Rain.", "speaker": "Mara", "line": "Up here."},
                channel=room,
            )
        )
        opened = await sb.slash(ana, "shot edit", {"shot": "1.1.1"}, channel=room)
        await opened.acknowledged()
        inputs = {
            c["custom_id"]: c.get("value")
            for row in (opened.modal or {})["components"]
            for c in ([row["component"]] if "component" in row else row["components"])
        }
        assert inputs == {"shot:action": "Rain.", "shot:dialogue": "Mara [en]: Up here."}
        await answer(await sb.submit_modal(ana, opened, {"shot:action": "Rain on the lens."}))
        edited = await answer(
            await sb.slash(
                ana, "shot edit", {"shot": "1.1.1", "size": "wide", "duration": 3.0}, channel=room
            )
        )
    assert edited.content == "Shot **1.1.1** updated: Rain on the lens."
    shot = (await shots(script_studio))[0]
    assert (shot.action, shot.shot_size, shot.duration_s) == ("Rain on the lens.", "wide", 3.0)


async def test_moves_renumber_codes(script_studio: ScriptStudio) -> None:
    sb, room, ana = script_studio.sandbox, script_studio.writers_room, script_studio.ana
    async with script_studio.bot():
        await open_scene(script_studio)
        for beat in ("One.", "Two.", "Three."):
            await answer(
                await sb.slash(ana, "shot add", {"scene": "1.1", "action": beat}, channel=room)
            )
        moved = await answer(
            await sb.slash(ana, "shot move", {"shot": "1.1.3", "position": 1}, channel=room)
        )
        await answer(
            await sb.slash(
                ana, "scene add", {"episode": "1", "heading": "EXT. FALAISE"}, channel=room
            )
        )
        across = await answer(
            await sb.slash(
                ana, "shot move", {"shot": "1.1.1", "position": 1, "scene": "1.2"}, channel=room
            )
        )
        scene_moved = await answer(
            await sb.slash(ana, "scene move", {"scene": "1.2", "position": 1}, channel=room)
        )
        listed = await answer(await sb.slash(ana, "shot list", {"episode": "1"}, channel=room))
    assert moved.content == "That shot is now **1.1.1**."
    assert across.content == "That shot is now **1.2.1**."
    assert scene_moved.content == "Scene **EXT. FALAISE** is now scene 1.1."
    assert [
        line.split(" ")[0] + " " + line.split(" ")[2] for line in listed.content.splitlines()
    ] == [
        "`1.1.1` Three.",
        "`1.2.1` One.",
        "`1.2.2` Two.",
    ]


async def test_autocomplete_is_guild_scoped_and_typed_values_resolve_or_fail(
    script_studio: ScriptStudio,
) -> None:
    sb, room, ana = script_studio.sandbox, script_studio.writers_room, script_studio.ana
    other = sb.create_guild("Other Server", locale="en-US")
    stranger = other.add_member("stranger", locale="en-US")
    other_room = other.add_channel("room")
    await seed_bible(script_studio.db, other.id, crew_role_id=None)  # type: ignore[arg-type]
    async with script_studio.bot():
        await open_scene(script_studio)
        await answer(
            await sb.slash(
                ana, "shot add", {"scene": "1.1", "action": "Rain on the glass."}, channel=room
            )
        )
        mine = (await shots(script_studio))[0]
        offered = await sb.autocomplete(
            ana, "shot show", {"shot": "1.1"}, focused="shot", channel=room
        )
        by_text = await sb.autocomplete(
            ana, "shot show", {"shot": "rain"}, focused="shot", channel=room
        )
        cast = await sb.autocomplete(
            ana,
            "shot add",
            {"scene": "1.1", "characters": "Élodie, m"},
            focused="characters",
            channel=room,
        )
        theirs = await sb.autocomplete(
            stranger, "shot show", {"shot": ""}, focused="shot", channel=other_room
        )
        typed = await answer(await sb.slash(ana, "shot show", {"shot": "1.1.1"}, channel=room))
        garbage = await answer(await sb.slash(ana, "shot show", {"shot": "banana"}, channel=room))
        foreign = await answer(
            await sb.slash(stranger, "shot show", {"shot": f"#{mine.id}"}, channel=other_room)
        )
        moved_from_outside = await answer(
            await sb.slash(
                stranger, "shot move", {"shot": f"#{mine.id}", "position": 2}, channel=other_room
            )
        )
        their_episode = await answer(
            await sb.slash(
                stranger, "episode show", {"episode": f"#{mine.episode_id}"}, channel=other_room
            )
        )
    assert offered == [{"name": "1.1.1 · Rain on the glass.", "value": f"#{mine.id}"}]
    assert by_text == offered
    assert cast == [{"name": "Élodie, Mara", "value": "Élodie, Mara"}]
    assert theirs == []
    assert "Shot 1.1.1" in component_text(typed)
    assert garbage.ephemeral and "I could not find shot `banana` in this server." in garbage.content
    assert foreign.ephemeral and f"I could not find shot `#{mine.id}`" in foreign.content
    assert moved_from_outside.ephemeral and "could not find shot" in moved_from_outside.content
    assert their_episode.ephemeral
    assert f"I could not find episode `#{mine.episode_id}`" in their_episode.content
    assert (await shots(script_studio))[0].position == 1


async def test_bad_shot_input_is_refused_and_changes_nothing(script_studio: ScriptStudio) -> None:
    world = script_studio
    sb, room, ana, bea, carl = world.sandbox, world.writers_room, world.ana, world.bea, world.carl
    async with script_studio.bot():
        await open_scene(script_studio)
        cases = [
            (ana, {"scene": "1.1", "action": "   "}, "The action cannot be empty."),
            (ana, {"scene": "1.1", "action": "y" * 5000}, "The action is 5000 characters long"),
            (ana, {"scene": "1.1", "action": "Look @here"}, "are not allowed in the action"),
            (bea, {"scene": "1.1", "action": "Pluie.", "speaker": "Mara",
                   "line": "<@&42424242424242>"}, "ne sont pas permises dans le champ line"),
            (ana, {"scene": "1.1", "action": "Rain.", "characters": "Élodie, Gaston"},
             "Not in this server's bible: Gaston."),
            (ana, {"scene": "9.9", "action": "Rain."}, "I could not find scene `9.9`"),
            (ana, {"scene": "1.1", "action": "Rain.", "location": "Atlantis"},
             "I could not find the location `Atlantis`"),
            (bea, {"scene": "1.1", "action": "Pluie.", "speaker": "Mara"},
             "Je n'ai pas pu lire cette réplique"),
            (carl, {"scene": "1.1", "action": "Rain."}, "Only the crew can do that"),
        ]  # fmt: skip
        for member, options, expected in cases:
            refused = await answer(await sb.slash(member, "shot add", options, channel=room))
            assert refused.ephemeral and expected in refused.content, (options, refused.content)
            assert not refused.mention_everyone and not refused.mention_roles
    assert await shots(script_studio) == []


async def test_scene_and_shot_replies_in_french(script_studio: ScriptStudio) -> None:
    sb, room, bea = script_studio.sandbox, script_studio.writers_room, script_studio.bea
    async with script_studio.bot():
        await answer(await sb.slash(bea, "episode create", {"title": "Pilote"}, channel=room))
        scene = await answer(
            await sb.slash(
                bea, "scene add", {"episode": "1", "heading": "EXT. FALAISE - AUBE"}, channel=room
            )
        )
        await answer(
            await sb.slash(
                bea, "shot add",
                {"scene": "1.1", "action": "Mara guette le phare.", "characters": "mara"},
                channel=room,
            )
        )  # fmt: skip
        listed = await answer(
            await sb.slash(bea, "shot list", {"episode": "1", "scene": "1.1"}, channel=room)
        )
        shown = await answer(await sb.slash(bea, "shot show", {"shot": "1.1.1"}, channel=room))
    assert scene.content == "Scène **1.1 · EXT. FALAISE - AUBE** ajoutée."
    assert listed.content.startswith("`1.1.1` 📝 Mara guette le phare. · 5 s")
    text = component_text(shown)
    assert "## Plan 1.1.1 · 📝 brouillon" in text
    assert "**Personnages** Mara" in text and "**Écrit par**" in text


async def test_form_refusals_are_explained_and_change_nothing(
    script_studio: ScriptStudio,
) -> None:
    sb, room, bea = script_studio.sandbox, script_studio.writers_room, script_studio.bea
    cases = [
        ({"shot:action": "Tout le monde @everyone !"}, "ne sont pas permises dans le champ action"),
        ({"shot:action": "Pluie.", "shot:dialogue": "une ligne sans personnage"},
         "Je n'ai pas pu lire cette réplique : `une ligne sans personnage`"),
        ({"shot:action": "Pluie.", "shot:dialogue": "GASTON: Bonjour."},
         "Absents de la bible de ce serveur : GASTON."),
    ]  # fmt: skip
    async with script_studio.bot():
        await open_scene(script_studio)
        for values, expected in cases:
            opened = await sb.slash(bea, "shot add", {"scene": "1.1"}, channel=room)
            await opened.acknowledged()
            refused = await answer(await sb.submit_modal(bea, opened, values))
            assert refused.ephemeral and expected in refused.content, refused.content
            assert not refused.mention_everyone
    assert await shots(script_studio) == []
