"""The one path for interaction errors: slash commands, buttons, selects, modals, dynamic items.

Every error becomes one polite ephemeral sentence in the member's language, sent by whichever
route the interaction still allows (response, follow-up, or the channel once the 15-minute token
is gone). Refusals we expect (``UserFacingError`` and friends, failed checks, bad input) are
logged at INFO; anything else is logged with its traceback and the member gets an error id to
quote. Nothing here may raise: a failing error handler would leave the member with "This
interaction failed" and no trace.

Wiring: ``bot.tree.on_error = interaction_error_handler`` (done in ``bot/client.py``) and every
view, modal and dynamic item in ``commands/`` subclasses ``SafeView``, ``SafeModal``,
``SafeLayoutView`` or ``SafeDynamicItem``.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

import discord
from discord import app_commands
from discord.ui import DynamicItem, Item

from bot.checks import MissingRole
from bot.i18n import locale_of, register_strings, t
from storage.errors import AlreadyExists, InvalidInput, NotAllowed, NotFound, UserFacingError
from storage.uploads import UploadRefused

__all__ = (
    "AlreadyExists",
    "InvalidInput",
    "NotAllowed",
    "NotFound",
    "SafeDynamicItem",
    "SafeLayoutView",
    "SafeModal",
    "SafeView",
    "UserFacingError",
    "explain",
    "interaction_error_handler",
    "send_ephemeral",
)

log = logging.getLogger(__name__)
NO_MENTIONS = discord.AllowedMentions.none()
ItemT = TypeVar("ItemT", bound=Item[Any])

register_strings(
    en={
        "error.generic": "That did not work. Please try again.",
        "error.not_found": "I could not find that in this server.",
        "error.not_allowed": "You are not allowed to do that here.",
        "error.already_exists": "That already exists in this server.",
        "error.invalid_input": "That value is not valid.",
        "error.unexpected": "Something went wrong on my side (error `{error_id}`). "
        "Please try again; if it keeps happening, give this id to the server's admins.",
        "error.bad_value": "I could not understand `{value}` for this option.",
        "error.cooldown": "Slow down a little: try again in {seconds} s.",
        "error.guild_only": "This command works only in a server.",
        "error.member_permissions": "You need the {permissions} permission for that.",
        "error.bot_permissions": "I need the {permissions} permission in this channel for that. "
        "Ask a server admin to grant it.",
        "error.out_of_date": "This command has just changed. Wait a minute and try again.",
        "error.discord_forbidden": "Discord would not let me do that here. A server admin can "
        "check my permissions in this channel.",
        "error.needs_showrunner": "Only the showrunner can do that (the {role} role, or "
        "Manage Server).",
        "error.needs_showrunner_unset": "Only the showrunner can do that. No showrunner role is "
        "set yet: a member with Manage Server can set one with /setup.",
        "error.needs_crew": "Only the crew can do that (the {role} role).",
        "error.needs_manage_server": "You need the Manage Server permission for that.",
        "error.not_yours": "These buttons belong to someone else's command.",
        "upload.not_an_image": "`{filename}` is not an image I can use (PNG, JPEG, WebP or GIF).",
        "upload.too_large": "`{filename}` is too large. Keep files under {limit}.",
        "upload.too_many_pixels": "`{filename}` has too many pixels. Keep images under {limit}.",
        "upload.corrupt": "`{filename}` looks damaged; I could not read it.",
        "upload.too_long": "`{filename}` is too long. Keep it under {limit}.",
        "upload.not_a_video": "`{filename}` is not a video I can use (MP4, MOV or WebM).",
        "upload.not_audio": "`{filename}` is not a sound file I can use (WAV, MP3, OGG or M4A).",
        "upload.refused": "I could not accept `{filename}`.",
        "upload.no_store": "Images cannot be saved right now: the media store is not set up. "
        "Ask the bot's host to run `dailies doctor`.",
    },
    fr={
        "error.generic": "Cela n'a pas fonctionné. Merci de réessayer.",
        "error.not_found": "Je n'ai pas trouvé cela sur ce serveur.",
        "error.not_allowed": "Vous n'avez pas le droit de faire cela ici.",
        "error.already_exists": "Cela existe déjà sur ce serveur.",
        "error.invalid_input": "Cette valeur n'est pas valide.",
        "error.unexpected": "Un problème est survenu de mon côté (erreur `{error_id}`). "
        "Réessayez ; si cela se reproduit, donnez ce code aux admins du serveur.",
        "error.bad_value": "Je n'ai pas compris `{value}` pour cette option.",
        "error.cooldown": "Doucement : réessayez dans {seconds} s.",
        "error.guild_only": "Cette commande ne fonctionne que sur un serveur.",
        "error.member_permissions": "Il vous faut la permission {permissions} pour cela.",
        "error.bot_permissions": "Il me faut la permission {permissions} dans ce salon pour "
        "cela. Demandez-la à un admin du serveur.",
        "error.out_of_date": "Cette commande vient de changer. Attendez une minute et réessayez.",
        "error.discord_forbidden": "Discord ne me laisse pas faire cela ici. Un admin du serveur "
        "peut vérifier mes permissions dans ce salon.",
        "error.needs_showrunner": "Seul le showrunner peut faire cela (le rôle {role}, ou "
        "Gérer le serveur).",
        "error.needs_showrunner_unset": "Seul le showrunner peut faire cela. Aucun rôle de "
        "showrunner n'est défini : un membre avec Gérer le serveur peut le choisir avec /setup.",
        "error.needs_crew": "Seule l'équipe peut faire cela (le rôle {role}).",
        "error.needs_manage_server": "Il vous faut la permission Gérer le serveur pour cela.",
        "error.not_yours": "Ces boutons appartiennent à la commande de quelqu'un d'autre.",
        "upload.not_an_image": "`{filename}` n'est pas une image utilisable "
        "(PNG, JPEG, WebP ou GIF).",
        "upload.too_large": "`{filename}` est trop lourd. Restez sous {limit}.",
        "upload.too_many_pixels": "`{filename}` a trop de pixels. Restez sous {limit}.",
        "upload.corrupt": "`{filename}` semble abîmé ; je n'ai pas pu le lire.",
        "upload.too_long": "`{filename}` est trop long. Restez sous {limit}.",
        "upload.not_a_video": "`{filename}` n'est pas une vidéo utilisable (MP4, MOV ou WebM).",
        "upload.not_audio": "`{filename}` n'est pas un fichier son utilisable (WAV, MP3, OGG ou "
        "M4A).",
        "upload.refused": "Je n'ai pas pu accepter `{filename}`.",
        "upload.no_store": "Impossible d'enregistrer des images : le stockage des médias n'est "
        "pas configuré. Demandez à l'hébergeur du bot de lancer `dailies doctor`.",
    },
)

_UPLOAD_CODES = frozenset(
    {
        "not_an_image",
        "not_a_video",
        "not_audio",
        "too_large",
        "too_many_pixels",
        "corrupt",
        "too_long",
    }
)


def _is_upload_refused(error: BaseException) -> bool:
    return isinstance(error, UploadRefused)


def _unwrap(error: BaseException) -> BaseException:
    """The error worth explaining: the command's own exception, or a transformer's refusal."""
    if isinstance(error, app_commands.CommandInvokeError):
        return error.original
    if isinstance(error, app_commands.TransformerError):
        cause = error.__cause__
        if isinstance(cause, UserFacingError) or (cause is not None and _is_upload_refused(cause)):
            return cause
    return error


def _human_permissions(names: list[str]) -> str:
    return ", ".join(name.replace("_", " ").replace("guild", "server").title() for name in names)


def _upload_limit(code: str, limit: object) -> str:
    """The limit an upload broke, as people say it: 10 MB, 40 MP, 60 s."""
    if not isinstance(limit, int | float):
        return "?"
    if code == "too_large":
        if limit >= 1024 * 1024:
            return f"{limit / (1024 * 1024):.0f} MB"
        return f"{limit / 1024:.0f} KB"
    if code == "too_many_pixels":
        return f"{limit / 1_000_000:.0f} MP"
    if code == "too_long":
        return f"{limit:.0f} s"
    return str(limit)


def explain(error: BaseException, locale: str) -> tuple[str, bool]:
    """The sentence for ``error`` in ``locale``, and whether it was expected (no traceback)."""
    error = _unwrap(error)
    if isinstance(error, UserFacingError):
        return t(error.key, locale, **error.kwargs), True
    if _is_upload_refused(error):
        assert isinstance(error, UploadRefused)
        code, filename = error.code, error.filename or "file"
        key = f"upload.{code}" if code in _UPLOAD_CODES else "upload.refused"
        limit = _upload_limit(code, error.limit)
        return t(key, locale, filename=filename, limit=limit), True
    if isinstance(error, MissingRole):
        role = f"<@&{error.role_id}>" if error.role_id else ""
        if error.need == "showrunner":
            key = "error.needs_showrunner" if error.role_id else "error.needs_showrunner_unset"
        elif error.need == "crew":
            key = "error.needs_crew"
        else:
            key = "error.needs_manage_server"
        return t(key, locale, role=role), True
    if isinstance(error, app_commands.TransformerError):
        return t("error.bad_value", locale, value=str(error.value)[:100]), True
    if isinstance(error, app_commands.CommandOnCooldown):
        return t("error.cooldown", locale, seconds=f"{error.retry_after:.0f}"), True
    if isinstance(error, app_commands.NoPrivateMessage):
        return t("error.guild_only", locale), True
    if isinstance(error, app_commands.MissingPermissions):
        perms = _human_permissions(error.missing_permissions)
        return t("error.member_permissions", locale, permissions=perms), True
    if isinstance(error, app_commands.BotMissingPermissions):
        perms = _human_permissions(error.missing_permissions)
        return t("error.bot_permissions", locale, permissions=perms), True
    if isinstance(error, app_commands.MissingRole | app_commands.MissingAnyRole):
        return t("error.not_allowed", locale), True
    if isinstance(error, app_commands.CheckFailure):
        return t("error.not_allowed", locale), True
    if isinstance(error, app_commands.CommandNotFound | app_commands.CommandSignatureMismatch):
        return t("error.out_of_date", locale), True
    if isinstance(error, discord.Forbidden):
        return t("error.discord_forbidden", locale), False
    return "", False


async def send_ephemeral(
    interaction: discord.Interaction[Any],
    content: str,
    *,
    view: discord.ui.View | None = None,
) -> None:
    """Say something to the member only, by whatever route the interaction still allows."""
    kwargs: dict[str, Any] = {"ephemeral": True, "allowed_mentions": NO_MENTIONS}
    if view is not None:
        kwargs["view"] = view
    if not interaction.response.is_done():
        try:
            await interaction.response.send_message(content, **kwargs)
            return
        except discord.InteractionResponded:
            pass
    if not _token_expired(interaction):
        await interaction.followup.send(content, **kwargs)
        return
    channel = interaction.channel
    if isinstance(channel, discord.abc.Messageable):
        # The token is gone: an ephemeral is impossible, so name the member without pinging.
        await channel.send(f"{interaction.user.mention} {content}", allowed_mentions=NO_MENTIONS)


def _token_expired(interaction: discord.Interaction[Any]) -> bool:
    age = discord.utils.utcnow() - interaction.created_at
    return age > timedelta(minutes=14, seconds=30)


async def interaction_error_handler(
    interaction: discord.Interaction[Any], error: BaseException, /
) -> None:
    """``tree.on_error`` and every Safe* base end here. Never raises."""
    try:
        await _handle(interaction, error)
    except Exception:
        log.exception("the error handler itself failed (interaction %s)", interaction.id)


async def _handle(interaction: discord.Interaction[Any], error: BaseException) -> None:
    if interaction.extras.get("error_handled") or interaction.client.is_closed():
        return
    interaction.extras["error_handled"] = True
    try:
        locale = await locale_of(interaction)
    except Exception:
        locale = "en"
    text, expected = explain(error, locale)
    context = _context(interaction)
    if expected:
        log.info("refused %s: %s", context, _unwrap(error))
    if not text:
        error_id = uuid.uuid4().hex[:8]
        original = _unwrap(error)
        log.error(
            "unexpected error %s in %s",
            error_id,
            context,
            exc_info=(type(original), original, original.__traceback__),
        )
        text = t("error.unexpected", locale, error_id=error_id)
    try:
        await send_ephemeral(interaction, text)
    except discord.HTTPException as exc:
        log.warning("could not tell the member about an error in %s: %s", context, exc)


def _context(interaction: discord.Interaction[Any]) -> str:
    command = interaction.command.qualified_name if interaction.command else None
    custom_id = interaction.data.get("custom_id") if interaction.data else None
    return (
        f"guild={interaction.guild_id} channel={interaction.channel_id} "
        f"user={interaction.user.id} command={command} custom_id={custom_id}"
    )


# --------------------------------------------------------------------------- safe bases


class SafeView(discord.ui.View):
    """A view whose callback and check errors take the one error path."""

    async def on_error(
        self, interaction: discord.Interaction[Any], error: Exception, item: Item[Any], /
    ) -> None:
        await interaction_error_handler(interaction, error)


class SafeLayoutView(discord.ui.LayoutView):
    """Components V2 layout with the same error path."""

    async def on_error(
        self, interaction: discord.Interaction[Any], error: Exception, item: Item[Any], /
    ) -> None:
        await interaction_error_handler(interaction, error)


class SafeModal(discord.ui.Modal):
    async def on_error(  # type: ignore[override]  # Modal narrows View's signature itself
        self, interaction: discord.Interaction[Any], error: Exception, /
    ) -> None:
        await interaction_error_handler(interaction, error)


def _guarded(
    method: Callable[..., Awaitable[Any]], *, refuse_on_error: bool
) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(method)
    async def wrapper(self: Any, interaction: discord.Interaction[Any]) -> Any:
        try:
            return await method(self, interaction)
        except Exception as error:
            await interaction_error_handler(interaction, error)
            return False if refuse_on_error else None

    return wrapper


class SafeDynamicItem(DynamicItem[ItemT], template=r"(?!)"):
    """A restart-proof component (custom id carries the ids) with the one error path.

    discord.py only logs errors raised by a ``DynamicItem``; subclasses of this one have their
    ``callback`` and ``interaction_check`` wrapped so a refusal (``MissingRole``,
    ``UserFacingError``) or a crash reaches the member like any other error. Declare it as usual::

        class RetryJobButton(
            SafeDynamicItem[discord.ui.Button[Any]], template=r"job:(?P<id>[0-9]+):retry"
        ): ...
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "callback" in cls.__dict__:
            setattr(cls, "callback", _guarded(cls.__dict__["callback"], refuse_on_error=False))  # noqa: B010
        if "interaction_check" in cls.__dict__:
            guarded = _guarded(cls.__dict__["interaction_check"], refuse_on_error=True)
            setattr(cls, "interaction_check", guarded)  # noqa: B010
