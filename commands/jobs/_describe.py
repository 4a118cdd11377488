"""What a job makes, in the member's words: "take B of shot 1.2.3", "cut of episode 2".

A render job (cut, recap) has no shot: it names its episode. Used by /job status and /queue.
"""

from __future__ import annotations

import contextlib

from bot import cards
from bot.i18n import t
from storage.db import Database
from storage.errors import NotFound
from storage.models import Job
from storage.script import get_episode

_RENDERS = {"cut": "job.what.cut", "recap": "job.what.recap"}
_SHOT_KINDS = {
    "take": "job.what.take",
    "voice": "job.what.voice",
    "lipsync": "job.what.lipsync",
    "face": "job.what.face",
    "dialogue": "job.what.dialogue",
    "performance": "job.what.performance",
}


async def episode_number_of(db: Database, guild_id: int, job: Job) -> str:
    episode_id = job.params.get("episode_id")
    if not isinstance(episode_id, int):
        return "?"
    async with db.session() as session:
        with contextlib.suppress(NotFound):
            return str((await get_episode(session, guild_id, episode_id)).number)
    return "?"


async def describe_job(
    db: Database, guild_id: int, job: Job, locale: str, codes: dict[int | None, str] | None = None
) -> str:
    """One phrase for the job; unknown kinds fall back to the take wording. ``codes``: shot
    codes already looked up (a list of jobs shares them)."""
    if job.kind in _RENDERS:
        number = await episode_number_of(db, guild_id, job)
        return t(_RENDERS[job.kind], locale, number=number)
    codes = {} if codes is None else codes
    if job.shot_id not in codes:
        codes[job.shot_id] = await cards.shot_code_of(db, guild_id, job.shot_id)
    code = codes[job.shot_id]
    key = _SHOT_KINDS.get(job.kind, "job.what.take")
    return t(key, locale, label=job.params.get("label") or "?", code=code)
