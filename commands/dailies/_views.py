"""Restart-proof components of the dailies (invariant 8): custom ids carry the review and take
ids, every callback reloads from storage with ``interaction.guild_id``.

    dailies:vote:<review>:<take>                       choose this take
    dailies:take:<review>:<take>:flag|second|reroll|remix|lock
    dailies:review:<review>:veto                       showrunner: throw the vote out
    dailies:ballot:<review>:<take>:flag|remix:<nonce>    the modals (routed after a restart too)

A forged or stale id is answered like any other refusal (``storage.votes.take_in_review``):
another server's ids are "not found", a take of another shot is refused.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import discord

from bot.i18n import t
from bot.views import SafeDynamicItem, SafeModal, custom_id, form_id, id_template
from commands.dailies import _actions

Interaction = discord.Interaction[Any]
ID = r"[0-9]{1,19}"

FLAG_FORM = re.compile(
    id_template("ballot", f"(?P<review>{ID})", f"(?P<take>{ID})", "flag", r"[0-9a-f]+")
)
REMIX_FORM = re.compile(
    id_template("ballot", f"(?P<review>{ID})", f"(?P<take>{ID})", "remix", r"[0-9a-f]+")
)


class VoteButton(
    SafeDynamicItem[discord.ui.Button[Any]],
    template=id_template("vote", f"(?P<review>{ID})", f"(?P<take>{ID})"),
):
    def __init__(
        self, review_id: int, take_id: int, label: str = "?", locale: str = "en", warn: bool = False
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=t("dailies.vote_button", locale, label=label) + (" ⚠️" if warn else ""),
                style=discord.ButtonStyle.primary,
                custom_id=custom_id("vote", review_id, take_id),
            )
        )
        self.review_id, self.take_id = review_id, take_id

    @classmethod
    async def from_custom_id(
        cls, interaction: Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> VoteButton:
        return cls(int(match["review"]), int(match["take"]))

    async def callback(self, interaction: Interaction) -> None:
        # Acknowledge first: a burst of hundreds of clicks must each be answered within 3 s.
        await interaction.response.defer(ephemeral=True, thinking=True)
        await _actions.vote(interaction, self.review_id, self.take_id)


class TakeActionButton(
    SafeDynamicItem[discord.ui.Button[Any]],
    template=id_template(
        "take", f"(?P<review>{ID})", f"(?P<take>{ID})", "(?P<action>flag|second|reroll|remix|lock)"
    ),
):
    ACTIONS: ClassVar[tuple[str, ...]] = ("flag", "second", "reroll", "remix", "lock")
    STYLES: ClassVar[dict[str, discord.ButtonStyle]] = {
        "flag": discord.ButtonStyle.danger,
        "lock": discord.ButtonStyle.success,
    }

    def __init__(self, review_id: int, take_id: int, action: str, locale: str = "en") -> None:
        super().__init__(
            discord.ui.Button(
                label=t(f"dailies.action_{action}", locale),
                style=self.STYLES.get(action, discord.ButtonStyle.secondary),
                custom_id=custom_id("take", review_id, take_id, action),
            )
        )
        self.review_id, self.take_id, self.action = review_id, take_id, action

    @classmethod
    async def from_custom_id(
        cls, interaction: Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> TakeActionButton:
        return cls(int(match["review"]), int(match["take"]), match["action"])

    async def callback(self, interaction: Interaction) -> None:
        if self.action == "flag":
            await _actions.open_flag_form(interaction, self.review_id, self.take_id)
        elif self.action == "remix":
            await _actions.open_remix_form(interaction, self.review_id, self.take_id)
        else:
            await interaction.response.defer(ephemeral=True, thinking=True)
            if self.action == "second":
                await _actions.second(interaction, self.review_id, self.take_id)
            elif self.action == "reroll":
                await _actions.reroll(interaction, self.review_id, self.take_id)
            else:
                await _actions.lock(interaction, self.review_id, self.take_id)


class VetoButton(
    SafeDynamicItem[discord.ui.Button[Any]],
    template=id_template("review", f"(?P<review>{ID})", "veto"),
):
    def __init__(self, review_id: int, locale: str = "en") -> None:
        super().__init__(
            discord.ui.Button(
                label=t("dailies.action_veto", locale),
                style=discord.ButtonStyle.secondary,
                custom_id=custom_id("review", review_id, "veto"),
            )
        )
        self.review_id = review_id

    @classmethod
    async def from_custom_id(
        cls, interaction: Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> VetoButton:
        return cls(int(match["review"]))

    async def callback(self, interaction: Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await _actions.veto(interaction, self.review_id)


class FlagModal(SafeModal):
    def __init__(self, review_id: int, take_id: int, label: str, locale: str) -> None:
        super().__init__(
            title=t("dailies.flag_title", locale, label=label)[:45],
            custom_id=form_id("ballot", review_id, take_id, "flag"),
        )
        self.review_id, self.take_id = review_id, take_id
        self.reason: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label=t("dailies.flag_reason", locale)[:45], custom_id="reason", max_length=300
        )
        self.at: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label=t("dailies.flag_timecode", locale)[:45], custom_id="at", required=False,
            max_length=12, placeholder="0:03",
        )  # fmt: skip
        self.add_item(self.reason)
        self.add_item(self.at)

    async def on_submit(self, interaction: Interaction, /) -> None:
        values = {"reason": self.reason.value, "at": self.at.value}
        await _actions.submit_flag(interaction, self.review_id, self.take_id, values)


class RemixModal(SafeModal):
    def __init__(self, review_id: int, take_id: int, action: str, locale: str) -> None:
        super().__init__(
            title=t("dailies.remix_title", locale)[:45],
            custom_id=form_id("ballot", review_id, take_id, "remix"),
        )
        self.review_id, self.take_id = review_id, take_id
        self.action: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label=t("dailies.remix_label", locale)[:45], custom_id="action",
            style=discord.TextStyle.paragraph, default=action[:2000], max_length=2000,
        )  # fmt: skip
        self.add_item(self.action)

    async def on_submit(self, interaction: Interaction, /) -> None:
        await _actions.submit_remix(
            interaction, self.review_id, self.take_id, {"action": self.action.value}
        )


async def orphan_flag(
    interaction: Interaction, match: re.Match[str], values: dict[str, str]
) -> None:
    await _actions.submit_flag(interaction, int(match["review"]), int(match["take"]), values)


async def orphan_remix(
    interaction: Interaction, match: re.Match[str], values: dict[str, str]
) -> None:
    await _actions.submit_remix(interaction, int(match["review"]), int(match["take"]), values)


FORMS = {FLAG_FORM: orphan_flag, REMIX_FORM: orphan_remix}
