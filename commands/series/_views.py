"""The series card and the style-bible form."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.checks import bot_of, ensure_crew
from bot.errors import SafeModal
from bot.i18n import locale_of, t
from bot.views import form_id, id_template
from storage.bible import STYLE_FIELDS, update_style
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


STYLE_FORM = re.compile(id_template("series", r"(?P<id>[0-9]+)", "style", r"[0-9a-f]+"))


class StyleModal(SafeModal):
    """The long fields of the style bible, prefilled with what is written now."""

    def __init__(self, series: Series, locale: str) -> None:
        super().__init__(
            title=t("series.modal_title", locale),
            custom_id=form_id("series", series.id or 0, "style"),
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
        # Only what the member changed: someone may have edited other fields meanwhile.
        values = {
            field: item.value
            for field, item in self.inputs.items()
            if item.value != (item.default or "")
        }
        await save_style(interaction, self.series_id, values)


async def save_style(
    interaction: discord.Interaction[Any], series_id: int, values: dict[str, str]
) -> None:
    """The style form's submit, live or opened before a restart."""
    await ensure_crew(interaction)
    assert interaction.guild_id is not None
    locale = await locale_of(interaction)
    fields = {field: values[field] for field in MODAL_FIELDS if field in values}
    async with bot_of(interaction).db.session() as session:
        series, changed = await update_style(session, interaction.guild_id, series_id, **fields)
    await reply_style_saved(interaction, series, changed, locale)


async def orphan_style_form(
    interaction: discord.Interaction[Any], match: re.Match[str], values: dict[str, str]
) -> None:
    await save_style(interaction, int(match["id"]), values)


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
