"""The series card and the style-bible form."""

from __future__ import annotations

from typing import Any

import discord

from bot.checks import bot_of, ensure_crew
from bot.errors import SafeModal
from bot.i18n import locale_of, t
from storage.bible import STYLE_FIELDS, get_series, update_style
from storage.models import Series

NO_MENTIONS = discord.AllowedMentions.none()
# A modal holds five inputs: the long fields. The era (short) is a /series style option.
MODAL_FIELDS = ("logline", "look", "palette", "lenses", "references")
SERIES_COLOUR = discord.Colour.dark_teal()


def changed_list(fields: list[str], locale: str) -> str:
    return ", ".join(t(f"series.field.{field}", locale) for field in fields)


def series_embed(series: Series, locale: str, *, active: bool) -> discord.Embed:
    embed = discord.Embed(title=series.name, colour=SERIES_COLOUR)
    if active:
        embed.set_footer(text=t("series.active", locale))
    for field in STYLE_FIELDS:
        value = getattr(series, field) or t("series.empty", locale)
        embed.add_field(
            name=t(f"series.field.{field}", locale),
            value=value[:1024],
            inline=field in ("palette", "lenses", "era"),
        )
    return embed


class StyleModal(SafeModal):
    """The long fields of the style bible, prefilled with what is written now."""

    def __init__(self, series: Series, locale: str) -> None:
        super().__init__(
            title=t("series.modal_title", locale), custom_id=f"dailies:series:{series.id}:style"
        )
        self.series_id = series.id or 0
        self.inputs: dict[str, discord.ui.TextInput[Any]] = {}
        for field in MODAL_FIELDS:
            text_input: discord.ui.TextInput[Any] = discord.ui.TextInput(
                label=t(f"series.field.{field}", locale),
                custom_id=field,
                style=discord.TextStyle.paragraph,
                default=getattr(series, field) or None,
                required=False,
                max_length=STYLE_FIELDS[field],
            )
            self.inputs[field] = text_input
            self.add_item(text_input)

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        await ensure_crew(interaction)
        assert interaction.guild_id is not None
        locale = await locale_of(interaction)
        async with bot_of(interaction).db.session() as session:
            await get_series(session, interaction.guild_id, self.series_id)
            values = {field: item.value for field, item in self.inputs.items()}
            series, changed = await update_style(
                session, interaction.guild_id, self.series_id, **values
            )
        await reply_style_saved(interaction, series, changed, locale)


async def reply_style_saved(
    interaction: discord.Interaction[Any], series: Series, changed: list[str], locale: str
) -> None:
    if changed:
        text = t(
            "series.style_saved", locale, name=series.name, fields=changed_list(changed, locale)
        )
    else:
        text = t("series.style_unchanged", locale, name=series.name)
    await interaction.response.send_message(
        text, embed=series_embed(series, locale, active=True), allowed_mentions=NO_MENTIONS
    )
