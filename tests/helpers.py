"""Test helpers: a sandbox Discord with a configured server, its members, and a running DailiesBot.

Loaded for every test through ``pytest_plugins`` in tests/conftest.py, so the fixtures below are
available everywhere. See docs/commands.md ("Testing a command") for a walk-through.

- ``studio`` (fixture): a started ``Studio`` — the sandbox, the server "Nightshift" with
  #dailies and #premieres, the roles Showrunner and Crew configured in /setup, five members
  (``showrunner``, ``crew``, ``member`` with no role, ``admin`` with Manage Server and no role,
  ``francophone``: crew with a French Discord client), a real ``DailiesBot`` on a fresh SQLite
  file and a local media folder, and an active series "Nuit Blanche".
- ``bare_studio`` (fixture): the same world, bot running, but no /setup and no series.
- ``await studio.restart()``: close the bot and start a new one on the same database, media and
  sandbox (a deploy, a crash).
- ``studio.add_guild(name)``: a second server (``Server``) sharing the same bot and database.
- ``png(width, height)``, ``bomb_png()``, ``first_pixel(data)``: images for upload tests.
- ``message_text(msg)``, ``buttons(msg)``, ``gallery_urls(msg)``: what a member sees.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import discord
import psycopg
import pytest
from PIL import Image
from pydantic import SecretStr

from bot.client import DailiesBot
from bot.config import DiscordSection, Settings
from bot.sandbox import Channel, Guild, InteractionResult, Member, Message, Role, Sandbox, running
from storage import bible
from storage.db import Database
from storage.guilds import update_settings
from storage.media import LocalMediaStore
from storage.migrate import upgrade

SERIES_NAME = "Nuit Blanche"


def png(width: int = 64, height: int = 48, colour: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    """A small valid PNG."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def first_pixel(data: bytes) -> tuple[int, ...]:
    """The top-left colour of an image (stored images are clean re-encoded copies, not the
    uploaded bytes, so tests compare what they look like)."""
    with Image.open(io.BytesIO(data)) as image:
        pixel = image.convert("RGB").getpixel((0, 0))
    assert isinstance(pixel, tuple)
    return pixel


def bomb_png(megapixels: int = 100) -> bytes:
    """A tiny file that claims ``megapixels`` (a decompression bomb): 1-bit, all black."""
    side = int((megapixels * 1_000_000) ** 0.5) + 1
    buffer = io.BytesIO()
    Image.new("1", (side, side)).save(buffer, format="PNG")
    return buffer.getvalue()


@dataclass
class Server:
    """One Discord server in the sandbox, with its roles and members."""

    guild: Guild
    dailies: Channel
    premieres: Channel
    showrunner_role: Role
    crew_role: Role
    showrunner: Member
    crew: Member
    member: Member
    admin: Member
    francophone: Member

    @property
    def id(self) -> int:
        return int(self.guild.id)


def build_server(sandbox: Sandbox, name: str, *, locale: str = "en-US") -> Server:
    guild = sandbox.create_guild(name, locale=locale)
    showrunner_role = guild.add_role("Showrunner")
    crew_role = guild.add_role("Crew")
    return Server(
        guild=guild,
        dailies=guild.add_channel("dailies"),
        premieres=guild.add_channel("premieres"),
        showrunner_role=showrunner_role,
        crew_role=crew_role,
        showrunner=guild.add_member("sasha", roles=[showrunner_role]),
        crew=guild.add_member("cam", roles=[crew_role]),
        member=guild.add_member("milo"),
        admin=guild.add_member("ada", permissions=discord.Permissions(manage_guild=True)),
        francophone=guild.add_member("flore", roles=[crew_role], locale="fr"),
    )


@dataclass
class Studio:
    sandbox: Sandbox
    tmp_path: Path
    server: Server
    db: Database
    media: LocalMediaStore
    settings: Settings
    bot: DailiesBot | None = None
    startup_seconds: list[float] = field(default_factory=list)
    _stack: contextlib.AsyncExitStack | None = None

    # Shortcuts to the first server.
    @property
    def guild(self) -> Guild:
        return self.server.guild

    @property
    def dailies(self) -> Channel:
        return self.server.dailies

    @property
    def showrunner(self) -> Member:
        return self.server.showrunner

    @property
    def crew(self) -> Member:
        return self.server.crew

    @property
    def member(self) -> Member:
        return self.server.member

    @property
    def admin(self) -> Member:
        return self.server.admin

    @property
    def francophone(self) -> Member:
        return self.server.francophone

    def add_guild(self, name: str, *, locale: str = "en-US") -> Server:
        """Another server on the same bot and database (works while the bot runs)."""
        return build_server(self.sandbox, name, locale=locale)

    async def configure(self, server: Server, *, series: str | None = SERIES_NAME) -> None:
        """What a showrunner's /setup and /series create would leave in the database."""
        await update_settings(
            self.db,
            server.id,
            showrunner_role_id=int(server.showrunner_role.id),
            crew_role_id=int(server.crew_role.id),
            dailies_channel_id=int(server.dailies.id),
        )
        if series:
            async with self.db.session() as session:
                await bible.create_series(
                    session, server.id, series, int(server.showrunner.user.id)
                )

    async def start_bot(self) -> DailiesBot:
        assert self._stack is None, "the bot is already running"
        bot = DailiesBot(self.settings, db=self.db, media=self.media)
        started = time.monotonic()
        stack = contextlib.AsyncExitStack()
        await stack.enter_async_context(running(self.sandbox, bot))
        self.startup_seconds.append(time.monotonic() - started)
        self._stack, self.bot = stack, bot
        return bot

    async def stop_bot(self) -> None:
        if self._stack is not None:
            stack, self._stack = self._stack, None
            await stack.aclose()

    async def restart(self) -> DailiesBot:
        await self.stop_bot()
        return await self.start_bot()

    # Acting as members, with the first server's #dailies as the default channel.
    async def slash(
        self,
        who: Member,
        command: str,
        options: dict[str, Any] | None = None,
        *,
        channel: Channel | None = None,
        force: bool = False,
    ) -> InteractionResult:
        """``force=True``: send a command Discord hides from ``who`` (as if an admin had changed
        the command's permissions in the server's Integrations settings)."""
        return await self.sandbox.slash(
            who, command, options or {}, channel=channel or self.dailies, force=force
        )

    async def reply(
        self,
        who: Member,
        command: str,
        options: dict[str, Any] | None = None,
        *,
        channel: Channel | None = None,
    ) -> Message:
        """Run a command and return the message the member sees."""
        result = await self.slash(who, command, options, channel=channel)
        return await result.reply()

    async def choices(
        self,
        who: Member,
        command: str,
        options: dict[str, Any],
        focused: str,
        *,
        channel: Channel | None = None,
    ) -> list[dict[str, Any]]:
        return await self.sandbox.autocomplete(
            who, command, options, focused=focused, channel=channel or self.dailies
        )

    def attachment(self, filename: str, data: bytes) -> Any:
        return self.sandbox.attachment(filename, data)


def _walk_components(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for component in components:
        found.append(component)
        found.extend(_walk_components(component.get("components") or []))
        for key in ("accessory", "component"):
            if isinstance(component.get(key), dict):
                found.extend(_walk_components([component[key]]))
    return found


def message_text(message: Message) -> str:
    """What a member reads: content, embeds (title, description, fields, footer) and the text
    displays of a Components V2 message."""
    parts = [message.content or ""]
    for embed in message.embeds:
        parts.append(str(embed.get("title", "")))
        parts.append(str(embed.get("description", "")))
        for item in embed.get("fields", []):
            parts.append(f"{item.get('name', '')}: {item.get('value', '')}")
        parts.append(str(embed.get("footer", {}).get("text", "")))
    for component in _walk_components(message.components):
        if component.get("type") == 10:
            parts.append(str(component.get("content", "")))
    return "\n".join(p for p in parts if p)


def buttons(message: Message) -> list[dict[str, Any]]:
    """Every button of a message, classic rows or Components V2 alike."""
    return [c for c in _walk_components(message.components) if c.get("type") == 2]


def gallery_urls(message: Message) -> list[str]:
    """The media URLs of a message's galleries (``attachment://ref0.png`` ...)."""
    return [
        str(item.get("media", {}).get("url", ""))
        for c in _walk_components(message.components)
        if c.get("type") == 12
        for item in c.get("items", [])
    ]


_template_db: Path | None = None


async def migrated_sqlite(path: Path) -> Database:
    """A SQLite database at ``path`` at the migrations' head, copied from a per-session template
    (migrating from scratch costs about a second; the copy, a millisecond)."""
    global _template_db
    if _template_db is None:
        template = Path(tempfile.mkdtemp(prefix="dailies-template-")) / "template.db"
        await upgrade(f"sqlite:///{template}")
        _template_db = template
    shutil.copyfile(_template_db, path)
    return Database(f"sqlite:///{path}")


async def _open_studio(
    tmp_path: Path, *, configured: bool, postgres_url: str | None = None
) -> AsyncIterator[Studio]:
    sandbox = Sandbox()
    server = build_server(sandbox, "Nightshift")
    await sandbox.start()
    if postgres_url is None:
        db = await migrated_sqlite(tmp_path / "dailies.db")
    else:  # an empty database: the bot migrates it at start, as in production
        db = Database(postgres_url)
    media = LocalMediaStore(tmp_path / "media")
    settings = Settings(
        data_dir=tmp_path,
        database_url=db.url,
        media_dir=tmp_path / "media",
        default_locale="en",
        discord=DiscordSection(
            token=SecretStr(sandbox.token),
            api_base=sandbox.api_base,
            gateway_url=sandbox.gateway_url,
            guild_ready_timeout=0.1,
        ),
    )
    studio = Studio(sandbox, tmp_path, server, db, media, settings)
    try:
        await studio.start_bot()
        if configured:
            await studio.configure(server)
        yield studio
    finally:
        await studio.stop_bot()
        await db.dispose()
        await sandbox.stop()
    assert not sandbox.emulator_errors, sandbox.emulator_errors


@pytest.fixture
def studio_database(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """Which database the studio's bot runs on: SQLite by default. A module opts into both with
    ``pytestmark = pytest.mark.parametrize("studio_database", ["sqlite", "postgres"],
    indirect=True)``; "postgres" gives a fresh, empty database (dropped afterwards)."""
    backend = getattr(request, "param", "sqlite")
    if backend == "sqlite":
        yield None
        return
    base_url = request.getfixturevalue("pg_database_url")  # skips or fails like the db fixture
    admin = base_url  # any database of the server can create and drop another
    name = f"studio_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def studio(tmp_path: Path, studio_database: str | None) -> AsyncIterator[Studio]:
    """A running DailiesBot in a configured sandbox server with an active series."""
    async for value in _open_studio(tmp_path, configured=True, postgres_url=studio_database):
        yield value


@pytest.fixture
async def bare_studio(tmp_path: Path, studio_database: str | None) -> AsyncIterator[Studio]:
    """A running DailiesBot in a sandbox server that never ran /setup and has no series."""
    async for value in _open_studio(tmp_path, configured=False, postgres_url=studio_database):
        yield value
