"""English and French for /queue and /job."""

from __future__ import annotations

import bot.cards  # noqa: F401  (job states and failure reasons this feature shows)
import commands.shots._queue_strings  # noqa: F401  (refusals shared with /shot queue)
from bot.i18n import register_strings

register_strings(
    en={
        # /queue
        "cmd.queue.name": "queue",
        "cmd.queue.description": "Takes being generated in this server, and yours",
        "queue.list.title": "Generation queue",
        "queue.list.server": "This server ({count} waiting or running)",
        "queue.list.mine": "Your latest jobs",
        "queue.list.empty": "Nothing waiting or running.",
        "queue.list.none_mine": "You have not queued anything yet.",
        "queue.list.position": "#{position} in line",
        # /job
        "cmd.job.name": "job",
        "cmd.job.description": "Look after one generation job",
        "cmd.job.status.name": "status",
        "cmd.job.status.description": "Where a job is, what it cost, why it failed",
        "cmd.job.status.id.name": "id",
        "cmd.job.status.id.description": "The job number (on its card, or in /queue)",
        "cmd.job.cancel.name": "cancel",
        "cmd.job.cancel.description": "Stop a job and release its budget hold",
        "cmd.job.cancel.id.name": "id",
        "cmd.job.cancel.id.description": "The job number (on its card, or in /queue)",
        "cmd.job.retry.name": "retry",
        "cmd.job.retry.description": "Try a failed job again (under the budget rules)",
        "cmd.job.retry.id.name": "id",
        "cmd.job.retry.id.description": "The job number (on its card, or in /queue)",
        "job.not_found": "There is no job #{id} in this server.",
        "job.not_owner": "Only the member who queued job #{id}, or a showrunner, can do that.",
        "job.status.title": "Job #{id} · take {label} of shot {code}",
        "job.status.state": "State",
        "job.status.provider": "Generator",
        "job.status.requested_by": "Queued by",
        "job.status.elapsed": "Elapsed",
        "job.status.cost": "Cost",
        "job.status.attempts": "Attempts",
        "job.status.why": "Why",
        "job.status.card": "Card",
        "job.status.review_help": "The generator never confirmed the request. A showrunner "
        "decides: `/job retry id:{id}` (may pay twice) or `/job cancel id:{id}`.",
        "job.cancelled": "Job #{id} is cancelled; {amount} released back to the budget.",
        "job.batch_cancelled": "Cancelled {count} take(s); {amount} released back to the budget.",
        "job.cancel_ended": "Job #{id} had already ended ({state}): nothing to cancel.",
        "job.retried": "Job #{id} is queued again (estimate {estimate}). Its card follows it.",
        "job.retry_not_failed": "Job #{id} is {state}: only a failed job can be retried.",
        "job.review_confirm": "⚠️ Job #{id}'s request may already have reached {provider} and "
        "been charged. Sending it again may **pay twice** ({estimate} more, and the first hold "
        "is counted as spent). Send it again?",
        "job.review_button": "Send again",
        "job.review_kept": "Nothing was sent again. `/job cancel id:{id}` ends it.",
    },
    fr={
        "cmd.queue.name": "file",
        "cmd.queue.description": "Les prises en cours de génération sur ce serveur, et les vôtres",
        "queue.list.title": "File de génération",
        "queue.list.server": "Ce serveur ({count} en attente ou en cours)",
        "queue.list.mine": "Vos dernières tâches",
        "queue.list.empty": "Rien en attente ni en cours.",
        "queue.list.none_mine": "Vous n'avez encore rien lancé.",
        "queue.list.position": "n°{position} dans la file",
        "cmd.job.name": "tâche",
        "cmd.job.description": "Suivre une tâche de génération",
        "cmd.job.status.name": "état",
        "cmd.job.status.description": "Où en est une tâche, ce qu'elle a coûté, pourquoi elle a "
        "échoué",
        "cmd.job.status.id.name": "id",
        "cmd.job.status.id.description": "Le numéro de la tâche (sur sa carte, ou dans /file)",
        "cmd.job.cancel.name": "annuler",
        "cmd.job.cancel.description": "Arrêter une tâche et libérer sa réserve de budget",
        "cmd.job.cancel.id.name": "id",
        "cmd.job.cancel.id.description": "Le numéro de la tâche (sur sa carte, ou dans /file)",
        "cmd.job.retry.name": "relancer",
        "cmd.job.retry.description": "Relancer une tâche échouée (selon les règles du budget)",
        "cmd.job.retry.id.name": "id",
        "cmd.job.retry.id.description": "Le numéro de la tâche (sur sa carte, ou dans /file)",
        "job.not_found": "Il n'y a pas de tâche n°{id} sur ce serveur.",
        "job.not_owner": "Seul le membre qui a lancé la tâche n°{id}, ou un showrunner, peut "
        "faire cela.",
        "job.status.title": "Tâche n°{id} · prise {label} du plan {code}",
        "job.status.state": "État",
        "job.status.provider": "Générateur",
        "job.status.requested_by": "Lancée par",
        "job.status.elapsed": "Durée",
        "job.status.cost": "Coût",
        "job.status.attempts": "Essais",
        "job.status.why": "Pourquoi",
        "job.status.card": "Carte",
        "job.status.review_help": "Le générateur n'a jamais confirmé la demande. Un showrunner "
        "décide : `/job retry id:{id}` (risque de payer deux fois) ou `/job cancel id:{id}`.",
        "job.cancelled": "La tâche n°{id} est annulée ; {amount} rendu au budget.",
        "job.batch_cancelled": "{count} prise(s) annulée(s) ; {amount} rendu au budget.",
        "job.cancel_ended": "La tâche n°{id} était déjà terminée ({state}) : rien à annuler.",
        "job.retried": "La tâche n°{id} est relancée (estimation {estimate}). Sa carte la suit.",
        "job.retry_not_failed": "La tâche n°{id} est {state} : seule une tâche échouée peut "
        "être relancée.",
        "job.review_confirm": "⚠️ La demande de la tâche n°{id} est peut-être déjà arrivée chez "
        "{provider} et a peut-être été facturée. La renvoyer peut faire **payer deux fois** "
        "({estimate} de plus, et la première réserve compte comme dépensée). On renvoie ?",
        "job.review_button": "Renvoyer",
        "job.review_kept": "Rien n'a été renvoyé. `/job cancel id:{id}` la termine.",
    },
)
