"""Invariant 2 on the syntax tree: every storage query on a guild table names its guild.

A ``select``/``update``/``delete`` of a table with a ``guild_id`` column must carry a
``guild_id`` condition in its own chain (``.where``, ``.join``, ``.filter_by``; or a later
``stmt = stmt.where(...)``). A ``session.get(Model, id)`` must be followed by a comparison of
the row's ``guild_id``. Everything else is listed below with the reason it is safe; each entry
was read by hand (docs/architecture.md, "Guild scoping").
"""

from __future__ import annotations

from tests.meta._scoping import guild_tables, lookups, queries

# (file, function, tables) -> why the query may omit guild_id.
UNSCOPED_QUERIES: dict[tuple[str, str, str], str] = {
    # Cross-guild by design: machinery that serves every server, keyed by ids it claimed itself.
    ("storage/media/assets.py", "collect_garbage", "MediaAsset"): (
        "media GC: a file belongs to the store; any guild's row keeps it"
    ),
    ("storage/outbox.py", "claim", "OutboxMessage"): "the relay drains every guild's outbox",
    ("storage/outbox.py", "mark_sent", "OutboxMessage"): "by the id the relay just claimed",
    ("storage/outbox.py", "mark_failed", "OutboxMessage"): "by the id the relay just claimed",
    ("storage/premieres.py", "due_everywhere", "Premiere"): (
        "the scheduler holder re-arms every server's premieres at start"
    ),
    ("storage/queue.py", "load_job", "Job"): "the worker serves every guild (docstring says so)",
    ("storage/queue.py", "claim", "Job"): "the worker claims any guild's due job; by its own id",
    ("storage/queue.py", "update_job", "Job"): (
        "compare-and-set by job id; callers hold a claim or a get_job(guild_id, ...) row"
    ),
    ("storage/queue.py", "renew", "Job"): "lease renewal by the worker's own lease tokens",
    ("storage/queue.py", "next_due", "Job"): "when the worker should wake; `*scope` may be empty",
    # Through a row already checked against the guild in the same function.
    ("storage/reviews.py", "flag_take", "TakeFlag"): "take_in_review(guild_id) checked the take",
    ("storage/reviews.py", "second_flag", "TakeFlag"): "take_in_review(guild_id) checked the take",
    ("storage/reviews.py", "credit", "Take"): "shot row comes from close_review's scoped review",
    ("storage/reviews.py", "credit", "TakeFlag"): "take ids of that scoped shot",
    ("storage/script_cast.py", "set_lines", "ShotCharacter"): "shot row fetched by guild above",
    ("storage/votes.py", "cast_vote", "Review"): "_ballot_check(guild_id) checked this review",
    ("storage/votes.py", "close_review", "Review"): "get_review(guild_id) loaded it above",
    ("storage/votes.py", "_ballot_check", "Review,Take,Vote"): (
        "one round trip by id; review.guild_id and take.guild_id compared right after"
    ),
    # Scoped, but through a subquery or a helper the checker cannot see.
    ("storage/script_lookup.py", "suggest_shots", "Episode,Scene,Shot"): (
        "guild via the episode-id subquery or `.where(Shot.guild_id == guild_id)` in a wrapped "
        "chain (_in_active_series)"
    ),
}

# (file, function, table) -> why session.get(Model, id) needs no guild comparison.
UNCHECKED_LOOKUPS: dict[tuple[str, str, str], str] = {
    (
        "storage/script_lookup.py",
        "episode_outline",
        "Series",
    ): "episode.series_id of a scoped episode",
    ("storage/script_lookup.py", "shot_detail", "Location"): "shot.location_id of a scoped shot",
    ("storage/votes.py", "close_review", "Shot"): "review.shot_id of a scoped review",
}


def test_guild_tables_are_found() -> None:
    """The checker sees the guild-scoped tables (a rename in models.py must not blind it)."""
    assert {"Character", "Shot", "Take", "Job", "Vote", "Premiere"} <= guild_tables()


def test_every_storage_query_names_its_guild() -> None:
    """A query on a guild table filters by guild_id, or is listed with the reason it is safe."""
    found = list(queries())
    assert len(found) > 50  # the walker really walks storage/
    new = [
        f"{q.file}:{q.line}: {q.function}() queries {', '.join(q.tables)} without guild_id"
        for q in found
        if not q.scoped and q.key not in UNSCOPED_QUERIES
    ]
    assert not new, "unscoped queries (add a guild_id condition):\n" + "\n".join(new)
    unscoped = {q.key for q in found if not q.scoped}
    stale = sorted(set(UNSCOPED_QUERIES) - unscoped)
    assert not stale, f"allow-list entries that no longer match (remove them): {stale}"


def test_every_lookup_by_id_checks_the_guild() -> None:
    """session.get(Model, id) on a guild table is followed by `row.guild_id != guild_id`."""
    found = list(lookups())
    new = [
        f"{g.file}:{g.line}: {g.function}() gets {g.table} by id without comparing guild_id"
        for g in found
        if not g.checked and g.key not in UNCHECKED_LOOKUPS
    ]
    assert not new, "lookups that could cross guilds:\n" + "\n".join(new)
    unchecked = {g.key for g in found if not g.checked}
    stale = sorted(set(UNCHECKED_LOOKUPS) - unchecked)
    assert not stale, f"allow-list entries that no longer match (remove them): {stale}"
