"""/setup through the sandbox: who may run it, what it saves, what it shows."""

from __future__ import annotations

import pytest

from bot.sandbox import SandboxUsageError
from storage.guilds import get_settings
from tests.helpers import Studio, message_text

# Every command here runs on SQLite and on a real Postgres (the bot migrates it at start).
pytestmark = pytest.mark.parametrize("studio_database", ["sqlite", "postgres"], indirect=True)


async def test_admin_sets_roles_channels_and_language(bare_studio: Studio) -> None:
    """A member with Manage Server sets everything and sees the settings back, privately."""
    s = bare_studio
    res = await s.slash(
        s.admin,
        "setup",
        {
            "dailies": s.dailies,
            "showrunner": s.server.showrunner_role,
            "crew": s.server.crew_role,
            "language": "fr",
        },
    )
    reply = await res.reply()
    assert res.ephemeral
    text = message_text(reply)
    assert "Saved" in text and f"<#{s.dailies.id}>" in text
    assert f"<@&{s.server.showrunner_role.id}>" in text
    settings = await get_settings(s.db, s.server.id)
    assert settings.crew_role_id == int(s.server.crew_role.id)
    assert settings.locale == "fr"


async def test_setup_is_hidden_and_refused_for_members(bare_studio: Studio) -> None:
    """Discord hides /setup by default; a member who still gets to run it changes nothing."""
    s = bare_studio
    command = next(c for c in s.sandbox.commands() if c.name == "setup")
    assert int(command.data["default_member_permissions"]) == 1 << 5  # Manage Server
    with pytest.raises(SandboxUsageError):
        await s.slash(s.member, "setup", {"crew": s.server.crew_role})
    res = await s.slash(s.member, "setup", {"crew": s.server.crew_role}, force=True)
    reply = await res.reply()
    assert res.ephemeral and "Manage Server" in reply.content
    assert (await get_settings(s.db, s.server.id)).crew_role_id is None


async def test_setup_in_french_and_forget(studio: Studio) -> None:
    """A French admin reads French; 'forget' unsets the crew role again."""
    s = studio
    flo = s.guild.add_member("fleur", locale="fr", permissions=1 << 5)
    reply = await s.reply(flo, "setup", {"forget": "crew_role_id"})
    text = message_text(reply)
    assert "enregistré" in text and "tout le monde" in text
    assert (await get_settings(s.db, s.server.id)).crew_role_id is None


async def test_showrunner_role_alone_is_not_manage_server(studio: Studio) -> None:
    """The showrunner role does not grant /setup: that stays with Manage Server."""
    s = studio
    res = await s.slash(s.showrunner, "setup", {"language": "fr"}, force=True)
    await res.reply()
    assert res.ephemeral
    assert (await get_settings(s.db, s.server.id)).locale == "en"


async def test_forum_channel_can_host_dailies(bare_studio: Studio) -> None:
    """A forum is accepted as the dailies channel (takes become posts)."""
    s = bare_studio
    forum = s.guild.add_channel("dailies-forum", type=15)
    await s.reply(s.admin, "setup", {"dailies": forum})
    assert (await get_settings(s.db, s.server.id)).dailies_channel_id == int(forum.id)
