"""/character create | edit | show | list | retire | lock | unlock."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.app_commands import Choice, Range, locale_str
from discord.ext import commands
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.attachments import ImageUpload, receive_images, store_images
from bot.checks import bot_of, ensure_crew, ensure_showrunner, is_showrunner
from bot.client import DailiesBot
from bot.i18n import locale_of, t
from bot.views import route_orphan_form
from commands.characters._strings import VOICES
from commands.characters._views import (
    CANON_FORM,
    NO_MENTIONS,
    EditCanonButton,
    HistoryButton,
    card_message,
    field_names,
    history_embed,
    open_canon_form,
    orphan_canon_form,
    reply_edited,
)
from storage.bible import current_series, suggest_names
from storage.characters import (
    character_history,
    create_character,
    edit_character,
    list_characters,
    resolve_character,
    retire_character,
    set_locked,
)
from storage.errors import NotFound
from storage.models import Character
from storage.references import replace_references

VOICE_CHOICES = [Choice(name=locale_str(v, key=f"choice.voice.{v}"), value=v) for v in VOICES]
Image = discord.Attachment | None
CANON_DESCRIPTIONS = {
    "appearance": "Face, build, hair: what never changes on screen",
    "wardrobe": "What they usually wear",
    "age": "How old they are or look",
    "personality": "How they behave and speak",
    "never_change": "Details every take must keep (scar, tattoo, glasses)",
    "voice": "The local voice for dialogue",
    "image1": "A reference image (PNG, JPEG or WebP)",
    "image2": "Another reference image",
    "image3": "Another reference image",
    "image4": "Another reference image",
}


async def _autocomplete(
    interaction: discord.Interaction[Any], current: str, *, include_retired: bool
) -> list[Choice[str]]:
    if interaction.guild_id is None:
        return []
    async with bot_of(interaction).db.session() as session:
        try:
            series = await current_series(session, interaction.guild_id)
        except NotFound:
            return []
        found = await suggest_names(
            session,
            Character,
            interaction.guild_id,
            series.id or 0,
            current,
            include_retired=include_retired,
        )
    return [Choice(name=c.name, value=str(c.id)) for c in found]


async def cast_autocomplete(
    interaction: discord.Interaction[Any], current: str
) -> list[Choice[str]]:
    """Characters of the active series, retired ones left out (for shots and edits)."""
    return await _autocomplete(interaction, current, include_retired=False)


async def everyone_autocomplete(
    interaction: discord.Interaction[Any], current: str
) -> list[Choice[str]]:
    return await _autocomplete(interaction, current, include_retired=True)


async def find_character(interaction: discord.Interaction[Any], typed: str) -> Character:
    """The picked id or the exact name typed by hand, in the active series of this server."""
    assert interaction.guild_id is not None
    async with bot_of(interaction).db.session() as session:
        series = await current_series(session, interaction.guild_id)
        return await resolve_character(session, interaction.guild_id, series.id or 0, typed)


async def _post_card(
    interaction: discord.Interaction[Any], text: str, character: Character, *, deferred: bool
) -> None:
    """The card, public. After an ephemeral defer (uploads) it goes to the channel instead."""
    locale = await locale_of(interaction)
    message = await card_message(interaction, character, locale, headline=text)
    if not deferred:
        await interaction.response.send_message(allowed_mentions=NO_MENTIONS, **message)
        return
    channel = interaction.channel
    if isinstance(channel, discord.abc.Messageable):
        try:
            await channel.send(allowed_mentions=NO_MENTIONS, **message)
        except discord.HTTPException:
            pass  # no right to post here: the member gets the card privately instead
        else:
            done = t("character.posted", locale, name=character.name)
            await interaction.followup.send(done, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
    message = await card_message(interaction, character, locale, headline=text)
    await interaction.followup.send(allowed_mentions=NO_MENTIONS, **message)


@app_commands.guild_only()
class CharactersCog(
    commands.GroupCog,
    group_name="character",
    group_description="The cast: canon, reference images, voices",
):
    def __init__(self, bot: DailiesBot) -> None:
        self.bot = bot
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(HistoryButton, EditCanonButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(HistoryButton, EditCanonButton)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        await route_orphan_form(interaction, {CANON_FORM: orphan_canon_form})

    async def _store_references(
        self,
        session: AsyncSession,
        interaction: discord.Interaction[Any],
        character_id: int,
        uploads: list[ImageUpload],
    ) -> None:
        """Store and attach the images in ``session``; the caller commits."""
        assert interaction.guild_id is not None
        assets = await store_images(
            session, self.bot.media, interaction.guild_id, uploads, interaction.user.id
        )
        await replace_references(
            session, interaction.guild_id, assets, interaction.user.id, character_id=character_id
        )

    @app_commands.command(name="create", description="Add a character to the active series")
    @app_commands.describe(name="The character's name", **CANON_DESCRIPTIONS)
    @app_commands.choices(voice=VOICE_CHOICES)
    async def create(
        self,
        interaction: discord.Interaction[Any],
        name: Range[str, 1, 80],
        appearance: Range[str, 0, 1000] = "",
        wardrobe: Range[str, 0, 500] = "",
        age: Range[str, 0, 40] = "",
        personality: Range[str, 0, 500] = "",
        never_change: Range[str, 0, 500] = "",
        voice: Choice[str] | None = None,
        image1: Image = None,
        image2: Image = None,
        image3: Image = None,
        image4: Image = None,
    ) -> None:
        await ensure_crew(interaction)
        assert interaction.guild_id is not None
        images = [image1, image2, image3, image4]
        deferred, uploads = await receive_images(interaction, images, self.bot.media)
        async with self.bot.db.session() as session:
            series = await current_series(session, interaction.guild_id)
            character = await create_character(
                session,
                interaction.guild_id,
                series.id or 0,
                name,
                interaction.user.id,
                appearance=appearance,
                wardrobe=wardrobe,
                age=age,
                personality=personality,
                never_change=never_change,
                voice=voice.value if voice else "",
            )
            if uploads:
                await self._store_references(session, interaction, character.id or 0, uploads)
                await session.commit()
        locale = await locale_of(interaction)
        text = t("character.created", locale, name=character.name)
        await _post_card(interaction, text, character, deferred=deferred)

    @app_commands.command(
        name="edit", description="Change a character's canon (no options: opens a form)"
    )
    @app_commands.describe(
        character="The character (pick from the list)", name="A new name", **CANON_DESCRIPTIONS
    )
    @app_commands.autocomplete(character=cast_autocomplete)
    @app_commands.choices(voice=VOICE_CHOICES)
    async def edit(
        self,
        interaction: discord.Interaction[Any],
        character: Range[str, 1, 100],
        name: Range[str, 1, 80] | None = None,
        appearance: Range[str, 0, 1000] | None = None,
        wardrobe: Range[str, 0, 500] | None = None,
        age: Range[str, 0, 40] | None = None,
        personality: Range[str, 0, 500] | None = None,
        never_change: Range[str, 0, 500] | None = None,
        voice: Choice[str] | None = None,
        image1: Image = None,
        image2: Image = None,
        image3: Image = None,
        image4: Image = None,
    ) -> None:
        settings = await ensure_crew(interaction)
        assert interaction.guild_id is not None
        found = await find_character(interaction, character)
        canon = {
            "appearance": appearance,
            "wardrobe": wardrobe,
            "age": age,
            "personality": personality,
            "never_change": never_change,
            "voice": voice.value if voice else None,
        }
        images = [image1, image2, image3, image4]
        if name is None and not any(images) and all(v is None for v in canon.values()):
            await open_canon_form(interaction, found)
            return
        showrunner = is_showrunner(interaction, settings)
        deferred, uploads = await receive_images(interaction, images, self.bot.media)
        async with self.bot.db.session() as session:
            if uploads:
                await self._store_references(session, interaction, found.id or 0, uploads)
            edited, changed = await edit_character(
                session,
                interaction.guild_id,
                found.id or 0,
                interaction.user.id,
                may_edit_locked=showrunner,
                name=name,
                also_changed=["references"] if uploads else [],
                **canon,
            )
        if not deferred:
            await reply_edited(interaction, edited, changed)
            return
        locale = await locale_of(interaction)
        text = t("character.updated", locale, name=edited.name, fields=field_names(changed, locale))
        await _post_card(interaction, text, edited, deferred=True)

    @app_commands.command(name="show", description="Show a character card")
    @app_commands.describe(
        character="The character (pick from the list)",
        history="List every change: who, what, when",
    )
    @app_commands.autocomplete(character=everyone_autocomplete)
    async def show(
        self,
        interaction: discord.Interaction[Any],
        character: Range[str, 1, 100],
        history: bool = False,
    ) -> None:
        assert interaction.guild_id is not None
        found = await find_character(interaction, character)
        locale = await locale_of(interaction)
        if history:
            async with self.bot.db.session() as session:
                versions = await character_history(session, interaction.guild_id, found.id or 0)
            await interaction.response.send_message(
                embed=history_embed(found, versions, locale), allowed_mentions=NO_MENTIONS
            )
            return
        message = await card_message(interaction, found, locale)
        await interaction.response.send_message(allowed_mentions=NO_MENTIONS, **message)

    @app_commands.command(name="list", description="The cast of the active series")
    @app_commands.describe(retired="Include retired characters")
    async def list(self, interaction: discord.Interaction[Any], retired: bool = False) -> None:
        assert interaction.guild_id is not None
        locale = await locale_of(interaction)
        async with self.bot.db.session() as session:
            series = await current_series(session, interaction.guild_id)
            cast = await list_characters(
                session, interaction.guild_id, series.id or 0, include_retired=retired
            )
        lines = []
        for member in cast[:100]:
            tags = ("🔒 " if member.locked else "") + (
                f" *({t('character.tag.retired', locale)})*" if member.retired else ""
            )
            lines.append(f"• **{member.name}** {tags}".rstrip())
        embed = discord.Embed(
            title=t("character.cast_title", locale, series=series.name),
            description="\n".join(lines)[:4000] or t("character.none", locale),
            colour=discord.Colour.dark_purple(),
        )
        await interaction.response.send_message(embed=embed, allowed_mentions=NO_MENTIONS)

    @app_commands.command(name="retire", description="Retire a character (showrunner)")
    @app_commands.describe(character="The character (pick from the list)")
    @app_commands.autocomplete(character=cast_autocomplete)
    async def retire(
        self, interaction: discord.Interaction[Any], character: Range[str, 1, 100]
    ) -> None:
        await ensure_showrunner(interaction)
        assert interaction.guild_id is not None
        found = await find_character(interaction, character)
        async with self.bot.db.session() as session:
            retired = await retire_character(
                session, interaction.guild_id, found.id or 0, interaction.user.id
            )
        locale = await locale_of(interaction)
        await interaction.response.send_message(
            t("character.retired", locale, name=retired.name), allowed_mentions=NO_MENTIONS
        )

    async def _set_lock(
        self, interaction: discord.Interaction[Any], typed: str, locked: bool
    ) -> None:
        await ensure_showrunner(interaction)
        assert interaction.guild_id is not None
        found = await find_character(interaction, typed)
        async with self.bot.db.session() as session:
            changed = await set_locked(
                session, interaction.guild_id, found.id or 0, locked, interaction.user.id
            )
        locale = await locale_of(interaction)
        key = "character.now_locked" if locked else "character.now_unlocked"
        await interaction.response.send_message(
            t(key, locale, name=changed.name), allowed_mentions=NO_MENTIONS
        )

    @app_commands.command(name="lock", description="Lock a character's canon (showrunner)")
    @app_commands.describe(character="The character (pick from the list)")
    @app_commands.autocomplete(character=everyone_autocomplete)
    async def lock(
        self, interaction: discord.Interaction[Any], character: Range[str, 1, 100]
    ) -> None:
        await self._set_lock(interaction, character, True)

    @app_commands.command(name="unlock", description="Unlock a character's canon (showrunner)")
    @app_commands.describe(character="The character (pick from the list)")
    @app_commands.autocomplete(character=everyone_autocomplete)
    async def unlock(
        self, interaction: discord.Interaction[Any], character: Range[str, 1, 100]
    ) -> None:
        await self._set_lock(interaction, character, False)
