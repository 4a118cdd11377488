"""The location card and the description form."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.attachments import asset_files
from bot.checks import bot_of, ensure_crew
from bot.errors import SafeModal
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
    interaction: discord.Interaction[Any], location: Location, locale: str
) -> dict[str, Any]:
    assert interaction.guild_id is not None and location.id is not None
    bot = bot_of(interaction)
    async with bot.db.session() as session:
        series = await get_series(session, interaction.guild_id, location.series_id)
        assets = await reference_assets(session, interaction.guild_id, location_id=location.id)
    embed = discord.Embed(
        title=location.name, description=location.description or None, colour=CARD_COLOUR
    )
    embed.set_footer(text=t("location.footer", locale, series=series.name))
    files = await asset_files(bot.media, assets)
    if files:
        embed.set_image(url=f"attachment://{files[0].filename}")
    return {"embed": embed, "files": files}


async def reply_location(
    interaction: discord.Interaction[Any], location: Location, text: str
) -> None:
    locale = await locale_of(interaction)
    message = await card_message(interaction, location, locale)
    await interaction.response.send_message(text, allowed_mentions=NO_MENTIONS, **message)


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
