"""The location card and the description form."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.attachments import asset_files
from bot.checks import bot_of, ensure_crew
from bot.errors import SafeLayoutView, SafeModal
from bot.i18n import locale_of, t
from bot.views import form_id, id_template
from storage.bible import LOCATION_FIELDS, edit_location, get_series
from storage.models import Location
from storage.references import reference_assets

NO_MENTIONS = discord.AllowedMentions.none()
CARD_COLOUR = discord.Colour.dark_green()


def field_names(fields: list[str], locale: str) -> str:
    return ", ".join(t(f"location.field.{field}", locale) for field in fields)


async def card_message(
    interaction: discord.Interaction[Any],
    location: Location,
    locale: str,
    headline: str | None = None,
) -> dict[str, Any]:
    """The keyword arguments to send a location card (Components V2: ``view=``, ``files=``)."""
    assert interaction.guild_id is not None and location.id is not None
    bot = bot_of(interaction)
    async with bot.db.session() as session:
        series = await get_series(session, interaction.guild_id, location.series_id)
        assets = await reference_assets(session, interaction.guild_id, location_id=location.id)
    files = await asset_files(bot.media, assets)
    container: discord.ui.Container[Any] = discord.ui.Container(accent_colour=CARD_COLOUR)
    container.add_item(discord.ui.TextDisplay(f"## {location.name}"))
    if location.description:
        container.add_item(discord.ui.TextDisplay(location.description))
    if files:
        gallery = [discord.MediaGalleryItem(f"attachment://{f.filename}") for f in files]
        container.add_item(discord.ui.MediaGallery(*gallery))
    footer = t("location.footer", locale, series=series.name)
    container.add_item(discord.ui.TextDisplay(f"-# {footer}"))
    view = SafeLayoutView(timeout=None)
    if headline:
        view.add_item(discord.ui.TextDisplay(headline))
    view.add_item(container)
    return {"view": view, "files": files}


async def reply_location(
    interaction: discord.Interaction[Any], location: Location, text: str | None
) -> None:
    locale = await locale_of(interaction)
    message = await card_message(interaction, location, locale, headline=text)
    await interaction.response.send_message(allowed_mentions=NO_MENTIONS, **message)


DESCRIPTION_FORM = re.compile(id_template("location", r"(?P<id>[0-9]+)", "describe", r"[0-9a-f]+"))


class DescriptionModal(SafeModal):
    def __init__(self, location: Location, locale: str) -> None:
        assert location.id is not None
        super().__init__(
            title=t("location.modal_title", locale, name=location.name)[:45],
            custom_id=form_id("location", location.id, "describe"),
        )
        self.location_id = location.id
        self.description: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label=t("location.field.description", locale),
            custom_id="description",
            style=discord.TextStyle.paragraph,
            default=location.description or None,
            required=False,
            max_length=LOCATION_FIELDS["description"],
        )
        self.add_item(self.description)

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        await save_description(interaction, self.location_id, self.description.value)


async def save_description(
    interaction: discord.Interaction[Any], location_id: int, description: str
) -> None:
    """The description form's submit, live or opened before a restart."""
    await ensure_crew(interaction)
    assert interaction.guild_id is not None
    locale = await locale_of(interaction)
    async with bot_of(interaction).db.session() as session:
        location, changed = await edit_location(
            session, interaction.guild_id, location_id, description=description
        )
    if not changed:
        await interaction.response.send_message(
            t("location.unchanged", locale, name=location.name),
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )
        return
    text = t("location.updated", locale, name=location.name, fields=field_names(changed, locale))
    await reply_location(interaction, location, text)


async def orphan_description_form(
    interaction: discord.Interaction[Any], match: re.Match[str], values: dict[str, str]
) -> None:
    await save_description(interaction, int(match["id"]), values.get("description", ""))
