"""/episode cut | recap | export, added to the /episode group (commands/episodes) at load.

Why inside /episode and not a group of its own: members already find their episode there
(`/episode show`), and "cut" reads as something you do to an episode. The commands are built per
bot in ``cog_load`` and attached to that bot's /episode group.

Renders are worker jobs (pipeline/cut/job.py: they survive restarts, any worker may run
them); the status card's channel and message travel in the job. The pipeline reports progress
through the outbox (``cut_progress`` / ``cut_ready`` / ``cut_failed``) and the relay renders those
here: the status card is edited in place, the finished copy is posted with its subtitles. A
second render of the same episode and kind is refused while one is queued or running (asked of
the database, so it holds across restarts and processes).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from pathlib import Path
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import bot_of, crew_only, ensure_showrunner
from bot.i18n import locale_of
from bot.i18n import t as tr
from commands.cuts import (
    _relay,
    _strings,  # noqa: F401  (registers the sentences)
)
from commands.episodes._pick import episode_choices
from pipeline.cut import (
    RECAP_DEFAULT_S,
    CutOptions,
    CutRequest,
    NothingLocked,
    NothingToRecap,
    RenderBusy,
    ShotsNotLocked,
    active_render,
    check_cut,
    enqueue_render,
    load_episode,
    run_export,
)
from storage.errors import InvalidInput
from storage.script_lookup import resolve_episode
from storage.uploads import DEFAULT_AUDIO_MAX_BYTES, check_audio_upload, check_upload_size

log = logging.getLogger(__name__)
NO_MENTIONS = discord.AllowedMentions.none()
MAX_MUSIC_S = 600.0  # a bed longer than ten minutes is not a bed


def _codes(codes: list[str], limit: int = 600) -> str:
    text = ", ".join(codes)
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def _checked(request: CutRequest, interaction: discord.Interaction[Any], number: int) -> None:
    """Refusals in the member's words, before anything is deferred or rendered."""
    try:
        await check_cut(bot_of(interaction).db, request)
    except NothingLocked:
        raise InvalidInput("cut.refused.nothing_locked", number=number) from None
    except ShotsNotLocked as exc:
        raise InvalidInput("cut.refused.not_locked", codes=_codes(exc.codes)) from None
    except NothingToRecap as exc:
        raise InvalidInput("cut.refused.no_recap", number=exc.number) from None
    db = bot_of(interaction).db
    if await active_render(db, request.guild_id, request.episode_id, request.kind):
        raise InvalidInput("cut.refused.busy", number=number)


async def _scene_ids(db: Any, guild_id: int, episode_id: int, typed: str) -> frozenset[int]:
    """Scene numbers ("1,3" or "1 3") -> the episode's scene ids; an unknown number refuses."""
    wanted = {int(x) for x in re.findall(r"\d+", typed)}
    episode = await load_episode(db, guild_id, episode_id)
    found = {s.position: s.scene_id for s in episode.scenes}
    missing = sorted(wanted - set(found))
    if not wanted or missing:
        raise InvalidInput("cut.refused.no_scene", value=typed[:40])
    return frozenset(found[n] for n in wanted)


class CutsCog(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot
        self.added: list[app_commands.Command[Any, ..., Any]] = []

    async def cog_load(self) -> None:
        group = self.bot.tree.get_command("episode")
        if not isinstance(group, app_commands.Group):
            log.warning("/episode is not loaded: /episode cut, recap and export are unavailable")
            return
        for name, callback, text in (
            ("cut", CutsCog.cut, "Render the episode from its locked takes"),
            ("recap", CutsCog.recap, 'Render "Previously on…" for this episode'),
            ("export", CutsCog.export, "The cut as a timeline (OTIO, EDL, FCP XML)"),
        ):
            command: app_commands.Command[Any, ..., Any] = app_commands.Command(
                name=name, description=text, callback=callback, parent=group
            )
            command.binding = self  # called as callback(self, interaction, ...)
            group.add_command(command, override=True)
            self.added.append(command)
        host = getattr(self.bot, "host", None)
        if host is not None:
            _relay.register(host.relay)

    async def cog_unload(self) -> None:
        group = self.bot.tree.get_command("episode")
        if isinstance(group, app_commands.Group):
            for command in self.added:
                group.remove_command(command.name)

    # ------------------------------------------------------------------ commands

    async def _start(
        self,
        interaction: discord.Interaction[Any],
        request: CutRequest,
        music_sha256: str | None,
        number: int,
    ) -> None:
        """Post the public status card, then queue the render for a worker."""
        bot = bot_of(interaction)
        assert interaction.channel is not None and interaction.guild_id is not None
        card = await interaction.channel.send(  # type: ignore[union-attr]
            await _relay.queued_text(bot, request.guild_id, request.kind, request.episode_id),
            allowed_mentions=NO_MENTIONS,
        )
        request = CutRequest(
            guild_id=request.guild_id, episode_id=request.episode_id,
            member_id=request.member_id, kind=request.kind, options=request.options,
            target_s=request.target_s, token=str(card.id), channel_id=card.channel.id,
            card_message_id=card.id,
        )  # fmt: skip
        out_dir = Path(bot.settings.data_dir) / "cuts" / str(request.guild_id)
        try:
            job = await enqueue_render(bot.db, request, out_dir=out_dir,
                                       music_sha256=music_sha256,
                                       label=f"{request.kind} {number}")  # fmt: skip
        except RenderBusy:  # another member's render won the race since the check above
            with contextlib.suppress(discord.HTTPException):
                await card.delete()
            raise InvalidInput("cut.refused.busy", number=number) from None
        await interaction.followup.send(
            tr("cut.started", await locale_of(interaction), id=job.id), ephemeral=True
        )

    @app_commands.describe(
        episode="The episode (number or pick one)",
        final="The finished cut: refuses while a shot is unlocked",
        crossfade="Crossfade between the shots of each scene",
        fade_scenes="Crossfade only these scenes (their numbers, e.g. 1,3)",
        burn_subtitles="Burn the dialogue into the picture",
        music="A music bed (showrunner; WAV, MP3, OGG, M4A)",
    )
    @app_commands.autocomplete(episode=episode_choices)
    @crew_only()
    async def cut(
        self,
        interaction: discord.Interaction[Any],
        episode: str,
        final: bool = False,
        crossfade: bool = False,
        fade_scenes: str | None = None,
        burn_subtitles: bool = False,
        music: discord.Attachment | None = None,
    ) -> None:
        """Render the episode from its locked takes"""
        assert interaction.guild_id is not None
        bot = bot_of(interaction)
        locale = await locale_of(interaction)
        if music is not None:
            await ensure_showrunner(interaction)
            check_upload_size(music.size, max_bytes=DEFAULT_AUDIO_MAX_BYTES,
                              filename=music.filename)  # fmt: skip
        async with bot.db.session() as session:
            found = await resolve_episode(session, interaction.guild_id, episode)
        fades: bool | frozenset[int] = crossfade
        if fade_scenes:
            fades = await _scene_ids(bot.db, interaction.guild_id, found.id or 0, fade_scenes)
        options = CutOptions(final=final, crossfade=fades, burn_subtitles=burn_subtitles,
                             locale=locale)  # fmt: skip
        request = CutRequest(interaction.guild_id, found.id or 0, interaction.user.id,
                             options=options)  # fmt: skip
        await _checked(request, interaction, found.number)
        await interaction.response.defer(ephemeral=True, thinking=True)
        sha: str | None = None
        if music is not None:
            data = await music.read()
            await asyncio.to_thread(
                check_audio_upload, data, max_bytes=DEFAULT_AUDIO_MAX_BYTES,
                max_duration_s=MAX_MUSIC_S, filename=music.filename,
            )  # fmt: skip
            # In the media store, not a local file: the worker that renders may be elsewhere.
            sha = (await bot.media.put_bytes(data)).sha256
        await self._start(interaction, request, sha, found.number)

    @app_commands.describe(
        episode="The new episode the recap leads into",
        seconds="Target length, 30 to 120 s (default 60)",
    )
    @app_commands.autocomplete(episode=episode_choices)
    @crew_only()
    async def recap(
        self,
        interaction: discord.Interaction[Any],
        episode: str,
        seconds: app_commands.Range[int, 30, 120] = int(RECAP_DEFAULT_S),
    ) -> None:
        """Render "Previously on…" for this episode"""
        assert interaction.guild_id is not None
        bot = bot_of(interaction)
        locale = await locale_of(interaction)
        async with bot.db.session() as session:
            found = await resolve_episode(session, interaction.guild_id, episode)
        request = CutRequest(interaction.guild_id, found.id or 0, interaction.user.id,
                             kind="recap", options=CutOptions(locale=locale),
                             target_s=float(seconds))  # fmt: skip
        await _checked(request, interaction, found.number)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self._start(interaction, request, None, found.number)

    @app_commands.describe(episode="The episode (number or pick one)")
    @app_commands.autocomplete(episode=episode_choices)
    @crew_only()
    async def export(self, interaction: discord.Interaction[Any], episode: str) -> None:
        """The cut as a timeline (OTIO, EDL, FCP XML)"""
        assert interaction.guild_id is not None
        bot = bot_of(interaction)
        locale = await locale_of(interaction)
        async with bot.db.session() as session:
            found = await resolve_episode(session, interaction.guild_id, episode)
        await interaction.response.defer(thinking=True)
        out_dir = Path(bot.settings.data_dir) / "cuts" / str(interaction.guild_id)
        exported, _plan = await run_export(
            bot.db, bot.media, interaction.guild_id, found.id or 0, out_dir
        )
        files = [discord.File(p, filename=p.name) for p in exported.files.values()]
        text = tr("cut.export.done", locale, number=found.number,
                  files=", ".join(f"`{p.name}`" for p in exported.files.values()))  # fmt: skip
        if exported.missing:
            text += "\n" + tr("cut.export.missing", locale, formats=", ".join(exported.missing))
        await interaction.followup.send(text, files=files, allowed_mentions=NO_MENTIONS)
