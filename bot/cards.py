"""What a member sees while shots become takes: the status card and the notices, en and fr.

The status card is one embed per request (a *batch*: the takes queued by one ``/shot queue``),
always drawn from the jobs as they are in storage now, never from an outbox payload. So cards
can be redrawn in any order, any number of times, by the command or by the relay, and they
converge on the truth. Notices (a take is ready, a job failed or needs review) are drawn from
their outbox payload, which carries ids and values only (pipeline/notices.py).

A message the relay *posts* carries ``ref <outbox id>`` in its footer: after a crash between
"Discord created it" and "we wrote that down", the relay finds it in the channel by that
marker instead of posting it again (bot/relay.py).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import discord

from bot.i18n import register_strings, t
from bot.views import custom_id
from storage import queue
from storage.db import Database
from storage.errors import NotFound
from storage.job_outputs import batch_jobs
from storage.models import Job, JobStatus
from storage.script_lookup import shot_detail
from storage.types import utcnow

S = JobStatus
ACTIVE = frozenset({S.SUBMITTING, S.RUNNING, S.FETCHING, S.RETRY_WAIT})
ENDED = frozenset({S.SUCCEEDED, S.FAILED, S.CANCELLED, S.NEEDS_REVIEW})
COLOURS = {
    "queued": discord.Colour.light_grey(),
    "generating": discord.Colour.blurple(),
    "ready": discord.Colour.green(),
    "partial": discord.Colour.gold(),
    "failed": discord.Colour.red(),
    "cancelled": discord.Colour.dark_grey(),
    "needs_review": discord.Colour.orange(),
}
ICONS = {
    S.QUEUED: "⏳",
    S.SUBMITTING: "📤",
    S.RUNNING: "🎬",
    S.FETCHING: "📥",
    S.RETRY_WAIT: "🔁",
    S.SUCCEEDED: "✅",
    S.FAILED: "❌",
    S.CANCELLED: "🚫",
    S.NEEDS_REVIEW: "⚠️",
}
REASONS = (
    "rate_limited", "transient", "download_failed", "finish_failed", "provider_failed",
    "refused", "result_expired", "submit_outcome_unknown", "attempts_exhausted",
    "wait_too_long", "dependency_failed", "cancelled", "unknown_provider", "bad_input",
)  # fmt: skip


def ref_marker(outbox_id: int) -> str:
    """The footer tail that identifies a posted notice (see the module docstring)."""
    return f"ref {outbox_id}"


def has_marker(message: discord.Message, outbox_id: int) -> bool:
    tail = "· " + ref_marker(outbox_id)
    return any((e.footer.text or "").endswith(tail) for e in message.embeds)


def money(cents: int, locale: str) -> str:
    value = f"{abs(cents) / 100:,.2f}"
    sign = "-" if cents < 0 else ""
    if locale == "fr":
        return sign + value.replace(",", "\u202f").replace(".", ",") + " $"
    return f"{sign}${value}"


def duration(seconds: float, locale: str) -> str:
    whole = max(0, round(seconds))
    minutes, secs = divmod(whole, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"


def reason_text(reason: str, locale: str) -> str:
    key = f"reason.{reason}" if reason in REASONS else "reason.other"
    return t(key, locale)


def status_word(job: Job, locale: str) -> str:
    word = t(f"job.state.{job.status.value}", locale)
    if job.status == S.RUNNING and 0 < job.progress < 1:
        word += f" {int(job.progress * 100)} %"
    return word


def job_reason(job: Job) -> str:
    """``last_error`` is ``"<reason>: <detail>"`` (pipeline/executor.py)."""
    return job.last_error.split(":", 1)[0].strip() if job.last_error else ""


@dataclass(frozen=True)
class Batch:
    """The jobs of one request and what the card needs to name them."""

    guild_id: int
    shot_id: int | None
    shot_code: str
    jobs: list[Job]

    @property
    def job_ids(self) -> list[int]:
        return [j.id for j in self.jobs if j.id is not None]

    @property
    def first(self) -> Job:
        return self.jobs[0]

    @property
    def card(self) -> tuple[int, int] | None:
        """(channel id, message id) of the card, once it was posted."""
        for job in self.jobs:
            if job.card_channel_id and job.card_message_id:
                return job.card_channel_id, job.card_message_id
        return None

    @property
    def channel_id(self) -> int | None:
        return next((j.card_channel_id for j in self.jobs if j.card_channel_id), None)

    @property
    def state(self) -> str:
        statuses = [j.status for j in self.jobs]
        if all(s in ENDED for s in statuses):
            done = statuses.count(S.SUCCEEDED)
            if done == len(statuses):
                return "ready"
            if done:
                return "partial"
            if S.NEEDS_REVIEW in statuses:
                return "needs_review"
            if all(s == S.CANCELLED for s in statuses):
                return "cancelled"
            return "failed"
        if any(s in ACTIVE or s in ENDED for s in statuses):
            return "generating"
        return "queued"

    @property
    def finished(self) -> bool:
        return all(j.status in ENDED for j in self.jobs)


async def shot_code_of(db: Database, guild_id: int, shot_id: int | None) -> str:
    if shot_id is None:
        return "?"
    async with db.session() as session:
        with contextlib.suppress(NotFound):
            return (await shot_detail(session, guild_id, shot_id)).code
    return f"#{shot_id}"


async def load_batch(db: Database, guild_id: int, job_ids: list[int]) -> Batch | None:
    """The jobs of one request (``params["batch_ids"]``), fresh from storage."""
    async with db.session() as session:
        jobs = await batch_jobs(session, guild_id, job_ids)
    if not jobs:
        return None
    shot_id = jobs[0].shot_id
    return Batch(guild_id, shot_id, await shot_code_of(db, guild_id, shot_id), jobs)


def batch_ids_of(job: Job) -> list[int]:
    ids = [int(i) for i in job.params.get("batch_ids", [])]
    return ids or ([job.id] if job.id is not None else [])


async def load_batch_of_job(db: Database, guild_id: int, job: Job) -> Batch | None:
    return await load_batch(db, guild_id, batch_ids_of(job))


async def load_batch_of_job_id(db: Database, guild_id: int, job_id: int) -> Batch | None:
    async with db.session() as session:
        job = await queue.get_job(session, guild_id, job_id)
    return None if job is None else await load_batch_of_job(db, guild_id, job)


def _timing(batch: Batch, now: datetime) -> float:
    start = min(j.created_at for j in batch.jobs)
    if batch.finished:
        ends = [j.finished_at for j in batch.jobs if j.finished_at is not None]
        end = max(ends) if ends else now
    else:
        end = now
    return (end - start).total_seconds()


def card_embed(batch: Batch, locale: str, *, now: datetime | None = None) -> discord.Embed:
    """The status card: queued, generating n of N, ready, failed (reason, refunded)."""
    now = now or utcnow()
    jobs = batch.jobs
    total = len(jobs)
    done = sum(1 for j in jobs if j.status == S.SUCCEEDED)
    state = batch.state
    ended = sum(1 for j in jobs if j.status in ENDED)
    headline = {
        "queued": t("card.queued", locale, total=total),
        "generating": t("card.generating", locale, n=min(total, ended + 1), total=total),
        "ready": t("card.ready", locale, total=total),
        "partial": t("card.partial", locale, done=done, total=total),
        "failed": t("card.failed", locale, total=total),
        "cancelled": t("card.cancelled", locale),
        "needs_review": t("card.needs_review", locale),
    }[state]
    lines = [f"**{headline}**", ""]
    for job in jobs:
        label = str(job.params.get("label") or "?")
        line = f"`{label}` {ICONS[job.status]} {status_word(job, locale)}"
        if job.status in (S.FAILED, S.NEEDS_REVIEW) and job.last_error:
            line += f" · {reason_text(job_reason(job), locale)}"
        if job.status == S.FAILED and not job.actual_cents and job.estimate_cents:
            line += " · " + t("card.refunded", locale, amount=money(job.estimate_cents, locale))
        elif job.status == S.FAILED and not job.actual_cents:
            line += " · " + t("card.refunded_free", locale)
        lines.append(line)
    provider = jobs[0].provider
    embed = discord.Embed(
        title=t("card.title", locale, code=batch.shot_code, provider=provider),
        description="\n".join(lines),
        colour=COLOURS[state],
    )
    embed.add_field(name=t("card.elapsed", locale), value=duration(_timing(batch, now), locale))
    spent = sum(j.actual_cents or 0 for j in jobs)
    estimate = sum(j.estimate_cents for j in jobs)
    embed.add_field(
        name=t("card.cost", locale),
        value=t("card.cost_value", locale, spent=money(spent, locale),
                estimate=money(estimate, locale)),
    )  # fmt: skip
    ids = ", ".join(f"#{j.id}" for j in jobs)
    embed.set_footer(text=t("card.footer", locale, ids=ids))
    return embed


def _notice(title: str, body: str, colour: discord.Colour, footer: str) -> discord.Embed:
    embed = discord.Embed(title=title, description=body, colour=colour)
    embed.set_footer(text=footer)
    return embed


def _footer(payload: dict[str, Any], outbox_id: int, locale: str) -> str:
    return t("notice.footer", locale, job_id=payload.get("job_id"), ref=ref_marker(outbox_id))


def take_ready_embed(
    payload: dict[str, Any], shot_code: str, outbox_id: int, locale: str
) -> discord.Embed:
    body = t(
        "notice.take_ready.body",
        locale,
        provider=payload.get("provider", ""),
        seed=payload.get("seed", 0),
        duration=duration(float(payload.get("duration_s") or 0), locale),
        cost=money(int(payload.get("cost_cents") or 0), locale),
    )
    title = t("notice.take_ready.title", locale, label=payload.get("label") or "?", code=shot_code)
    return _notice(title, body, COLOURS["ready"], _footer(payload, outbox_id, locale))


def job_failed_embed(
    payload: dict[str, Any], shot_code: str, outbox_id: int, locale: str
) -> discord.Embed:
    status = payload.get("status", "failed")
    label = payload.get("label") or "?"
    reason = reason_text(str(payload.get("reason", "")), locale)
    refund = int(payload.get("refund_cents") or 0)
    charged = int(payload.get("charged_cents") or 0)
    if status == S.CANCELLED:
        title = t("notice.cancelled.title", locale, label=label, code=shot_code)
        body = t("notice.cancelled.body", locale, refund=money(refund, locale))
    else:
        title = t("notice.failed.title", locale, label=label, code=shot_code)
        body = t("notice.failed.reason", locale, reason=reason)
        if charged:
            body += "\n" + t("notice.failed.charged", locale, amount=money(charged, locale))
        else:
            body += "\n" + t("notice.failed.refunded", locale, amount=money(refund, locale))
        body += "\n" + t("notice.failed.retry", locale, job_id=payload.get("job_id"))
    colour = COLOURS["cancelled" if status == S.CANCELLED else "failed"]
    return _notice(title, body, colour, _footer(payload, outbox_id, locale))


def needs_review_embed(
    payload: dict[str, Any], shot_code: str, outbox_id: int, locale: str
) -> discord.Embed:
    title = t("notice.review.title", locale, label=payload.get("label") or "?", code=shot_code)
    body = t(
        "notice.review.body",
        locale,
        held=money(int(payload.get("held_cents") or 0), locale),
        provider=payload.get("provider", ""),
        key=payload.get("idempotency_key", ""),
        job_id=payload.get("job_id"),
    )
    return _notice(title, body, COLOURS["needs_review"], _footer(payload, outbox_id, locale))


def card_view(batch: Batch, locale: str) -> discord.ui.View | None:
    """A Cancel button while the request is not over (handled by the /job feature's
    ``CancelBatchButton``); none once it is, so a finished card has no components."""
    if batch.finished or not batch.job_ids:
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(
        discord.ui.Button(
            label=t("card.cancel_button", locale),
            style=discord.ButtonStyle.secondary,
            custom_id=custom_id("batch", batch.job_ids[0], "cancel"),
        )
    )
    view.stop()
    return view


def retry_view(job_id: int, locale: str) -> discord.ui.View:
    """A Retry button for a failure notice. The click is handled by the /job feature's
    ``RetryJobButton`` (a DynamicItem matching this custom id), so this view is stopped before
    it is sent: discord.py keeps nothing for it in memory."""
    view = discord.ui.View(timeout=None)
    view.add_item(
        discord.ui.Button(
            label=t("notice.retry_button", locale),
            style=discord.ButtonStyle.secondary,
            custom_id=custom_id("job", job_id, "retry"),
        )
    )
    view.stop()
    return view


_STATES_EN = {
    "queued": "queued", "submitting": "sending", "running": "generating",
    "fetching": "downloading", "retry_wait": "waiting to retry", "succeeded": "ready",
    "failed": "failed", "cancelled": "cancelled", "needs_review": "needs review",
}  # fmt: skip
_STATES_FR = {
    "queued": "en file", "submitting": "envoi", "running": "en génération",
    "fetching": "téléchargement", "retry_wait": "nouvel essai bientôt", "succeeded": "prête",
    "failed": "échouée", "cancelled": "annulée", "needs_review": "à vérifier",
}  # fmt: skip
_REASONS_EN = {
    "rate_limited": "the generator is busy (rate limited)",
    "transient": "the generator had a temporary error",
    "download_failed": "the result could not be downloaded",
    "finish_failed": "the result could not be converted",
    "provider_failed": "the generator failed",
    "refused": "the generator refused the prompt (moderation or invalid request)",
    "result_expired": "the result link expired before download",
    "submit_outcome_unknown": "the generator never confirmed the request",
    "attempts_exhausted": "too many failed attempts",
    "wait_too_long": "the generator asked to wait too long",
    "dependency_failed": "a step it needed failed",
    "cancelled": "cancelled",
    "unknown_provider": "the generator is not configured on this bot",
    "bad_input": "the request was not valid",
    "other": "an unexpected error",
}
_REASONS_FR = {
    "rate_limited": "le générateur est saturé (limite de débit)",
    "transient": "le générateur a eu une erreur passagère",
    "download_failed": "le résultat n'a pas pu être téléchargé",
    "finish_failed": "le résultat n'a pas pu être converti",
    "provider_failed": "le générateur a échoué",
    "refused": "le générateur a refusé la consigne (modération ou requête invalide)",
    "result_expired": "le lien du résultat a expiré avant le téléchargement",
    "submit_outcome_unknown": "le générateur n'a jamais confirmé la demande",
    "attempts_exhausted": "trop d'essais ratés",
    "wait_too_long": "le générateur demandait d'attendre trop longtemps",
    "dependency_failed": "une étape dont elle dépendait a échoué",
    "cancelled": "annulée",
    "unknown_provider": "ce générateur n'est pas configuré sur ce bot",
    "bad_input": "la demande n'était pas valide",
    "other": "une erreur inattendue",
}

register_strings(
    en={
        **{f"job.state.{k}": v for k, v in _STATES_EN.items()},
        **{f"reason.{k}": v for k, v in _REASONS_EN.items()},
        "card.title": "🎬 Shot {code} · {provider}",
        "card.queued": "Queued: {total} take(s) waiting for the generator",
        "card.generating": "Generating {n} of {total}",
        "card.ready": "Ready: {total} of {total} take(s)",
        "card.partial": "Ready: {done} of {total} take(s)",
        "card.failed": "Failed: no take came back ({total} asked)",
        "card.cancelled": "Cancelled: nothing was spent",
        "card.needs_review": "Needs review: a showrunner must decide (see /job status)",
        "card.refunded": "{amount} refunded",
        "card.refunded_free": "refunded",
        "card.elapsed": "Elapsed",
        "card.cost": "Cost",
        "card.cost_value": "{spent} (estimate {estimate})",
        "card.footer": "Jobs {ids} · /job status",
        "notice.footer": "Job #{job_id} · {ref}",
        "notice.take_ready.title": "🎞️ Take {label} of shot {code} is ready",
        "notice.take_ready.body": "{provider} · seed {seed} · {duration} · {cost}",
        "notice.failed.title": "❌ Take {label} of shot {code} failed",
        "notice.failed.reason": "Why: {reason}.",
        "notice.failed.refunded": "{amount} refunded to the budget.",
        "notice.failed.charged": "The generator did the work, so {amount} was spent.",
        "notice.failed.retry": "Try again with the button or `/job retry id:{job_id}`.",
        "notice.cancelled.title": "🚫 Take {label} of shot {code} was cancelled",
        "notice.cancelled.body": "{refund} released back to the budget.",
        "notice.review.title": "⚠️ Take {label} of shot {code} needs a showrunner",
        "notice.review.body": "{provider} never confirmed the request, so it may or may not "
        "have been charged ({held} held). Check the provider's dashboard for `{key}`, then "
        "`/job retry id:{job_id}` (may pay twice) or `/job cancel id:{job_id}`.",
        "notice.retry_button": "Retry",
        "card.cancel_button": "Cancel",
    },
    fr={
        **{f"job.state.{k}": v for k, v in _STATES_FR.items()},
        **{f"reason.{k}": v for k, v in _REASONS_FR.items()},
        "card.title": "🎬 Plan {code} · {provider}",
        "card.queued": "En file : {total} prise(s) attendent le générateur",
        "card.generating": "Génération {n} sur {total}",
        "card.ready": "Prêt : {total} prise(s) sur {total}",
        "card.partial": "Prêt : {done} prise(s) sur {total}",
        "card.failed": "Échec : aucune prise n'est revenue ({total} demandée(s))",
        "card.cancelled": "Annulé : rien n'a été dépensé",
        "card.needs_review": "À vérifier : un showrunner doit décider (voir /job status)",
        "card.refunded": "{amount} remboursé",
        "card.refunded_free": "remboursé",
        "card.elapsed": "Durée",
        "card.cost": "Coût",
        "card.cost_value": "{spent} (estimation {estimate})",
        "card.footer": "Tâches {ids} · /job status",
        "notice.footer": "Tâche n°{job_id} · {ref}",
        "notice.take_ready.title": "🎞️ La prise {label} du plan {code} est prête",
        "notice.take_ready.body": "{provider} · graine {seed} · {duration} · {cost}",
        "notice.failed.title": "❌ La prise {label} du plan {code} a échoué",
        "notice.failed.reason": "Pourquoi : {reason}.",
        "notice.failed.refunded": "{amount} remboursé au budget.",
        "notice.failed.charged": "Le générateur a fait le travail : {amount} dépensé.",
        "notice.failed.retry": "Réessayez avec le bouton ou `/job retry id:{job_id}`.",
        "notice.cancelled.title": "🚫 La prise {label} du plan {code} est annulée",
        "notice.cancelled.body": "{refund} rendu au budget.",
        "notice.review.title": "⚠️ La prise {label} du plan {code} attend un showrunner",
        "notice.review.body": "{provider} n'a jamais confirmé la demande : elle a peut-être "
        "été facturée ({held} réservé). Vérifiez `{key}` sur le tableau de bord du fournisseur, "
        "puis `/job retry id:{job_id}` (risque de payer deux fois) ou `/job cancel id:{job_id}`.",
        "notice.retry_button": "Réessayer",
        "card.cancel_button": "Annuler",
    },
)
