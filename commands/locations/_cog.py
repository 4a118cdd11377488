"""/location create | edit | show | list."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.app_commands import Choice, Range
from discord.ext import commands

from bot.attachments import receive_images, store_images
from bot.checks import bot_of, ensure_crew
from bot.client import DailiesBot
from bot.i18n import locale_of, t
from bot.views import route_orphan_form
from commands.locations import _strings  # noqa: F401  (registers the strings)
from commands.locations._views import (
    DESCRIPTION_FORM,
    NO_MENTIONS,
    DescriptionModal,
    card_message,
    field_names,
    orphan_description_form,
    reply_location,
)
from storage.bible import (
    create_location,
    current_series,
    edit_location,
    list_locations,
    resolve_location,
    suggest_locations,
)
from storage.errors import NotFound
from storage.models import Location
from storage.references import replace_references

Image = discord.Attachment | None
IMAGE_DESCRIPTIONS = {
    "image1": "A reference image (PNG, JPEG or WebP)",
    "image2": "Another reference image",
    "image3": "Another reference image",
    "image4": "Another reference image",
}
DESCRIPTION = "What it looks like: light, materials, time of day"


async def location_autocomplete(
    interaction: discord.Interaction[Any], current: str
) -> list[Choice[str]]:
    if interaction.guild_id is None:
        return []
    async with bot_of(interaction).db.session() as session:
        try:
            series = await current_series(session, interaction.guild_id)
        except NotFound:
            return []
        found = await suggest_locations(session, interaction.guild_id, series.id or 0, current)
    return [Choice(name=c.name, value=str(c.id)) for c in found]


async def find_location(interaction: discord.Interaction[Any], typed: str) -> Location:
    assert interaction.guild_id is not None
    async with bot_of(interaction).db.session() as session:
        series = await current_series(session, interaction.guild_id)
        return await resolve_location(session, interaction.guild_id, series.id or 0, typed)


@app_commands.guild_only()
class LocationsCog(
    commands.GroupCog, group_name="location", group_description="The places of the series"
):
    def __init__(self, bot: DailiesBot) -> None:
        self.bot = bot
        super().__init__()

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        await route_orphan_form(interaction, {DESCRIPTION_FORM: orphan_description_form})

    async def _finish(
        self, interaction: discord.Interaction[Any], location: Location, text: str, deferred: bool
    ) -> None:
        if not deferred:
            await reply_location(interaction, location, text)
            return
        locale = await locale_of(interaction)
        message = await card_message(interaction, location, locale, headline=text)
        channel = interaction.channel
        if isinstance(channel, discord.abc.Messageable):
            try:
                await channel.send(allowed_mentions=NO_MENTIONS, **message)
            except discord.HTTPException:
                pass  # no right to post here: the member gets the card privately instead
            else:
                done = t("location.posted", locale, name=location.name)
                await interaction.followup.send(done, ephemeral=True, allowed_mentions=NO_MENTIONS)
                return
        message = await card_message(interaction, location, locale, headline=text)
        await interaction.followup.send(allowed_mentions=NO_MENTIONS, **message)

    @app_commands.command(name="create", description="Add a location to the active series")
    @app_commands.describe(
        name="The location's name", description=DESCRIPTION, **IMAGE_DESCRIPTIONS
    )
    async def create(
        self,
        interaction: discord.Interaction[Any],
        name: Range[str, 1, 80],
        description: Range[str, 0, 1000] = "",
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
            location = await create_location(
                session,
                interaction.guild_id,
                series.id or 0,
                name,
                interaction.user.id,
                description=description,
            )
            if uploads:
                assets = await store_images(
                    session, self.bot.media, interaction.guild_id, uploads, interaction.user.id
                )
                await replace_references(
                    session,
                    interaction.guild_id,
                    assets,
                    interaction.user.id,
                    location_id=location.id,
                )
                await session.commit()
        locale = await locale_of(interaction)
        await self._finish(
            interaction, location, t("location.created", locale, name=location.name), deferred
        )

    @app_commands.command(name="edit", description="Change a location (no options: opens a form)")
    @app_commands.describe(
        location="The location (pick from the list)",
        name="A new name",
        description=DESCRIPTION,
        **IMAGE_DESCRIPTIONS,
    )
    @app_commands.autocomplete(location=location_autocomplete)
    async def edit(
        self,
        interaction: discord.Interaction[Any],
        location: Range[str, 1, 100],
        name: Range[str, 1, 80] | None = None,
        description: Range[str, 0, 1000] | None = None,
        image1: Image = None,
        image2: Image = None,
        image3: Image = None,
        image4: Image = None,
    ) -> None:
        await ensure_crew(interaction)
        assert interaction.guild_id is not None
        found = await find_location(interaction, location)
        images = [image1, image2, image3, image4]
        locale = await locale_of(interaction)
        if name is None and description is None and not any(images):
            await interaction.response.send_modal(DescriptionModal(found, locale))
            return
        deferred, uploads = await receive_images(interaction, images, self.bot.media)
        async with self.bot.db.session() as session:
            if uploads:
                assets = await store_images(
                    session, self.bot.media, interaction.guild_id, uploads, interaction.user.id
                )
                await replace_references(
                    session, interaction.guild_id, assets, interaction.user.id, location_id=found.id
                )
            edited, changed = await edit_location(
                session, interaction.guild_id, found.id or 0, name=name, description=description
            )
        if uploads:
            changed.append("references")
        if not changed:
            await interaction.response.send_message(
                t("location.unchanged", locale, name=edited.name),
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )
            return
        text = t("location.updated", locale, name=edited.name, fields=field_names(changed, locale))
        await self._finish(interaction, edited, text, deferred)

    @app_commands.command(name="show", description="Show a location card")
    @app_commands.describe(location="The location (pick from the list)")
    @app_commands.autocomplete(location=location_autocomplete)
    async def show(
        self, interaction: discord.Interaction[Any], location: Range[str, 1, 100]
    ) -> None:
        found = await find_location(interaction, location)
        locale = await locale_of(interaction)
        message = await card_message(interaction, found, locale)
        await interaction.response.send_message(allowed_mentions=NO_MENTIONS, **message)

    @app_commands.command(name="list", description="The locations of the active series")
    async def list(self, interaction: discord.Interaction[Any]) -> None:
        assert interaction.guild_id is not None
        locale = await locale_of(interaction)
        async with self.bot.db.session() as session:
            series = await current_series(session, interaction.guild_id)
            places = await list_locations(session, interaction.guild_id, series.id or 0)
        lines = [f"• **{place.name}**" for place in places[:100]]
        embed = discord.Embed(
            title=t("location.list_title", locale, series=series.name),
            description="\n".join(lines)[:4000] or t("location.none", locale),
            colour=discord.Colour.dark_green(),
        )
        await interaction.response.send_message(embed=embed, allowed_mentions=NO_MENTIONS)
