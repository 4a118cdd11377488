"""The character card, its restart-proof buttons, the canon form and the history list."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.attachments import asset_files
from bot.checks import bot_of, ensure_crew, is_showrunner
from bot.errors import SafeDynamicItem, SafeLayoutView, SafeModal
from bot.i18n import locale_of, t
from bot.views import custom_id, form_id, id_template
from storage.bible import CANON_FIELDS, get_series
from storage.characters import canon_at, character_history, edit_character, get_character
from storage.errors import NotAllowed
from storage.models import Character, CharacterVersion
from storage.references import reference_assets

NO_MENTIONS = discord.AllowedMentions.none()
CARD_COLOUR = discord.Colour.dark_purple()
# Five inputs fit in a modal: the long canon fields and the age. Voice and name are options.
MODAL_FIELDS = ("appearance", "wardrobe", "personality", "never_change", "age")
TEXT_FIELDS = ("appearance", "wardrobe", "age", "personality", "never_change", "voice")


def field_names(fields: list[str], locale: str) -> str:
    return ", ".join(t(f"character.field.{field}", locale) for field in fields)


def card_layout(
    character: Character,
    series_name: str,
    locale: str,
    files: list[discord.File],
    headline: str | None = None,
) -> SafeLayoutView:
    """The card (Components V2): canon, every reference image in a gallery, and the History and
    Edit buttons, whose custom ids carry the character id (invariant 8)."""
    assert character.id is not None
    tags = []
    if character.locked:
        tags.append("🔒 " + t("character.tag.locked", locale))
    if character.retired:
        tags.append(t("character.tag.retired", locale))
    title = f"## {character.name}" + (f"\n{' · '.join(tags)}" if tags else "")
    canon = "\n".join(
        f"**{t(f'character.field.{field}', locale)}**: {getattr(character, field)}"
        for field in TEXT_FIELDS
        if getattr(character, field)
    )
    container: discord.ui.Container[Any] = discord.ui.Container(accent_colour=CARD_COLOUR)
    container.add_item(discord.ui.TextDisplay(title))
    if canon:
        container.add_item(discord.ui.TextDisplay(canon[:3000]))
    if files:
        gallery = [discord.MediaGalleryItem(f"attachment://{f.filename}") for f in files]
        container.add_item(discord.ui.MediaGallery(*gallery))
    footer = t("character.footer", locale, version=character.version, series=series_name)
    container.add_item(discord.ui.TextDisplay(f"-# {footer}"))
    view = SafeLayoutView(timeout=None)
    if headline:
        view.add_item(discord.ui.TextDisplay(headline))
    view.add_item(container)
    row: discord.ui.ActionRow[Any] = discord.ui.ActionRow()
    row.add_item(HistoryButton(character.id, t("character.button.history", locale)))
    row.add_item(EditCanonButton(character.id, t("character.button.edit", locale)))
    view.add_item(row)
    return view


async def card_message(
    interaction: discord.Interaction[Any],
    character: Character,
    locale: str,
    headline: str | None = None,
) -> dict[str, Any]:
    """The keyword arguments to send a character card (``view=`` and ``files=``); a
    Components V2 message takes no content, so ``headline`` goes on top of the card."""
    assert interaction.guild_id is not None and character.id is not None
    bot = bot_of(interaction)
    async with bot.db.session() as session:
        series = await get_series(session, interaction.guild_id, character.series_id)
        assets = await reference_assets(session, interaction.guild_id, character_id=character.id)
    files = await asset_files(bot.media, assets)
    return {"view": card_layout(character, series.name, locale, files, headline), "files": files}


def history_embed(
    character: Character, versions: list[CharacterVersion], locale: str
) -> discord.Embed:
    lines = []
    for version in versions:
        when = discord.utils.format_dt(version.changed_at, "R")
        fields = [f for f in version.changed_fields if f != "created"]
        what = field_names(fields, locale) if fields else t("character.field.created", locale)
        lines.append(
            t(
                "character.history_line",
                locale,
                version=version.version,
                when=when,
                who=f"<@{version.changed_by}>",
                fields=what,
            )
        )
    return discord.Embed(
        title=t("character.history_title", locale, name=character.name),
        description="\n".join(lines)[:4000],
        colour=CARD_COLOUR,
    )


async def open_canon_form(interaction: discord.Interaction[Any], character: Character) -> None:
    """The canon form, prefilled; refused up front if the member could not save it."""
    settings = await ensure_crew(interaction)
    if character.locked and not is_showrunner(interaction, settings):
        raise NotAllowed("character.locked", name=character.name)
    locale = await locale_of(interaction)
    await interaction.response.send_modal(CanonModal(character, locale))


CANON_FORM = re.compile(
    id_template("character", r"(?P<id>[0-9]+)", "canon", r"(?P<version>[0-9]+)", r"[0-9a-f]+")
)


class CanonModal(SafeModal):
    """The long canon fields, prefilled with what is canon now."""

    def __init__(self, character: Character, locale: str) -> None:
        assert character.id is not None
        super().__init__(
            title=t("character.modal_title", locale, name=character.name)[:45],
            custom_id=form_id("character", character.id, "canon", character.version),
        )
        self.character_id = character.id
        self.version = character.version
        self.inputs: dict[str, discord.ui.TextInput[Any]] = {}
        for field in MODAL_FIELDS:
            limit = CANON_FIELDS[field]
            text_input: discord.ui.TextInput[Any] = discord.ui.TextInput(
                label=t(f"character.field.{field}", locale),
                custom_id=field,
                style=discord.TextStyle.paragraph if limit > 100 else discord.TextStyle.short,
                default=getattr(character, field) or None,
                required=False,
                max_length=limit,
            )
            self.inputs[field] = text_input
            self.add_item(text_input)

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        values = {field: item.value for field, item in self.inputs.items()}
        await save_canon(interaction, self.character_id, self.version, values)


async def save_canon(
    interaction: discord.Interaction[Any], character_id: int, version: int, values: dict[str, str]
) -> None:
    """The canon form's submit, from the live modal or from a form opened before a restart.

    Only the fields the member changed are saved: the form was prefilled with the canon of
    ``version``, and someone may have changed other fields since (no lost updates).
    """
    settings = await ensure_crew(interaction)
    assert interaction.guild_id is not None
    async with bot_of(interaction).db.session() as session:
        before = await canon_at(session, interaction.guild_id, character_id, version) or {}
        canon = {
            field: values[field]
            for field in MODAL_FIELDS
            if field in values and values[field] != (before.get(field) or "")
        }
        character, changed = await edit_character(
            session,
            interaction.guild_id,
            character_id,
            interaction.user.id,
            may_edit_locked=is_showrunner(interaction, settings),
            **canon,
        )
    await reply_edited(interaction, character, changed)


async def orphan_canon_form(
    interaction: discord.Interaction[Any], match: re.Match[str], values: dict[str, str]
) -> None:
    await save_canon(interaction, int(match["id"]), int(match["version"]), values)


async def reply_edited(
    interaction: discord.Interaction[Any], character: Character, changed: list[str]
) -> None:
    locale = await locale_of(interaction)
    if not changed:
        text = t("character.unchanged", locale, name=character.name)
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
        return
    text = t("character.updated", locale, name=character.name, fields=field_names(changed, locale))
    message = await card_message(interaction, character, locale, headline=text)
    await interaction.response.send_message(allowed_mentions=NO_MENTIONS, **message)


class HistoryButton(
    SafeDynamicItem[discord.ui.Button[Any]],
    template=id_template("character", r"(?P<id>[0-9]+)", "history"),
):
    def __init__(self, character_id: int, label: str = "History") -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                emoji="🕘",
                style=discord.ButtonStyle.secondary,
                custom_id=custom_id("character", character_id, "history"),
            )
        )
        self.character_id = character_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> HistoryButton:
        return cls(int(match["id"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        assert interaction.guild_id is not None
        locale = await locale_of(interaction)
        async with bot_of(interaction).db.session() as session:
            character = await get_character(session, interaction.guild_id, self.character_id)
            versions = await character_history(session, interaction.guild_id, self.character_id)
        await interaction.response.send_message(
            embed=history_embed(character, versions, locale),
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )


class EditCanonButton(
    SafeDynamicItem[discord.ui.Button[Any]],
    template=id_template("character", r"(?P<id>[0-9]+)", "edit"),
):
    def __init__(self, character_id: int, label: str = "Edit canon") -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                emoji="✏️",
                style=discord.ButtonStyle.primary,
                custom_id=custom_id("character", character_id, "edit"),
            )
        )
        self.character_id = character_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> EditCanonButton:
        return cls(int(match["id"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        assert interaction.guild_id is not None
        async with bot_of(interaction).db.session() as session:
            character = await get_character(session, interaction.guild_id, self.character_id)
        await open_canon_form(interaction, character)
