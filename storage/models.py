"""Every table of Dailies. Each row belongs to exactly one guild (``guild_id``).

Discord snowflakes are ``BigInteger``. Our own ids are integers. Datetimes are timezone-aware
UTC (``TZDateTime``). Names that must be unique per server keep a lower-cased ``*_key`` column
so that "Mara" and "mara" collide on SQLite and Postgres alike.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, UniqueConstraint, text
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

from storage.types import TZDateTime, utcnow

# Every constraint gets a predictable name, the same on SQLite and Postgres, so that a later
# migration can drop or change it by name (SQLite's batch mode cannot touch unnamed ones).
# Set before any table is declared: names are fixed when a constraint joins its table.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def snowflake(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(
        default=None if nullable else ..., sa_type=BigInteger, nullable=nullable, index=index
    )


def guild_column() -> Any:
    return Field(sa_type=BigInteger, nullable=False, index=True)


def stamp() -> Any:
    return Field(default_factory=utcnow, sa_type=TZDateTime, nullable=False)


def when(*, nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_type=TZDateTime, nullable=nullable, index=index)


def json_list() -> Any:
    return Field(default_factory=list, sa_type=JSON, nullable=False)


def json_dict() -> Any:
    return Field(default_factory=dict, sa_type=JSON, nullable=False)


def choice(enum: type[StrEnum], default: Any = ..., *, nullable: bool = False) -> Any:
    """A StrEnum stored as its value ("queued") in a VARCHAR, not as a native Postgres ENUM.

    Why: adding a member to a native ENUM needs ``ALTER TYPE`` by hand, which Alembic's
    autogenerate does not see; as a VARCHAR a new member needs no migration at all.
    """
    sa_type = SAEnum(
        enum, native_enum=False, length=32, values_callable=lambda cls: [m.value for m in cls]
    )
    return Field(default=default, sa_type=sa_type, nullable=nullable)


# --------------------------------------------------------------------------- settings


class VoteMode(StrEnum):
    BUTTONS = "buttons"
    POLL = "poll"


class GuildSettings(SQLModel, table=True):
    __tablename__ = "guild_settings"

    guild_id: int = Field(
        sa_type=BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    locale: str = Field(default="en", max_length=8)
    dailies_channel_id: int | None = snowflake(nullable=True)
    premieres_channel_id: int | None = snowflake(nullable=True)
    showrunner_role_id: int | None = snowflake(nullable=True)
    crew_role_id: int | None = snowflake(nullable=True)
    viewers_role_id: int | None = snowflake(nullable=True)
    voter_role_id: int | None = snowflake(nullable=True)
    active_series_id: int | None = Field(default=None)
    monthly_budget_cents: int = Field(default=0, ge=0)
    member_daily_quota_cents: int = Field(default=0, ge=0)
    confirm_above_cents: int = Field(default=100, ge=0)
    vote_mode: VoteMode = choice(VoteMode, VoteMode.BUTTONS)
    vote_live_counts: bool = Field(default=True)
    vote_hours: int = Field(default=24, ge=1, le=768)
    vote_quorum: int = Field(default=1, ge=0)
    vote_min_account_age_days: int = Field(default=0, ge=0)
    vote_role_weights: dict[str, float] = json_dict()
    upload_limit_bytes: int = Field(default=10 * 1024 * 1024)
    created_at: datetime = stamp()
    updated_at: datetime = stamp()


# --------------------------------------------------------------------------- the bible


class Series(SQLModel, table=True):
    __tablename__ = "series"
    __table_args__ = (UniqueConstraint("guild_id", "name_key"),)

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = guild_column()
    name: str = Field(max_length=100)
    name_key: str = Field(max_length=100)
    logline: str = Field(default="", max_length=1000)
    look: str = Field(default="", max_length=1000)
    palette: str = Field(default="", max_length=500)
    lenses: str = Field(default="", max_length=500)
    era: str = Field(default="", max_length=200)
    references: str = Field(default="", max_length=1000)
    house_width: int = Field(default=1280)
    house_height: int = Field(default=720)
    house_fps: int = Field(default=24)
    created_by: int = snowflake()
    created_at: datetime = stamp()
    updated_at: datetime = stamp()


class Character(SQLModel, table=True):
    __tablename__ = "character"
    __table_args__ = (UniqueConstraint("guild_id", "series_id", "name_key"),)

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = guild_column()
    series_id: int = Field(foreign_key="series.id", ondelete="CASCADE", index=True)
    name: str = Field(max_length=80)
    name_key: str = Field(max_length=80)
    appearance: str = Field(default="", max_length=1000)
    wardrobe: str = Field(default="", max_length=500)
    age: str = Field(default="", max_length=40)
    personality: str = Field(default="", max_length=500)
    never_change: str = Field(default="", max_length=500)
    voice: str = Field(default="", max_length=80)
    locked: bool = Field(default=False)
    retired: bool = Field(default=False)
    version: int = Field(default=1)
    created_by: int = snowflake()
    created_at: datetime = stamp()
    updated_at: datetime = stamp()


class CharacterVersion(SQLModel, table=True):
    """One row per edit: the canon as it was after the edit, and who made it."""

    __tablename__ = "character_version"
    __table_args__ = (UniqueConstraint("character_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = guild_column()
    character_id: int = Field(foreign_key="character.id", ondelete="CASCADE", index=True)
    version: int
    canon: dict[str, Any] = json_dict()
    changed_fields: list[str] = json_list()
    changed_by: int = snowflake()
    changed_at: datetime = stamp()


class Location(SQLModel, table=True):
    __tablename__ = "location"
    __table_args__ = (UniqueConstraint("guild_id", "series_id", "name_key"),)

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = guild_column()
    series_id: int = Field(foreign_key="series.id", ondelete="CASCADE", index=True)
    name: str = Field(max_length=80)
    name_key: str = Field(max_length=80)
    description: str = Field(default="", max_length=1000)
    created_by: int = snowflake()
    created_at: datetime = stamp()
    updated_at: datetime = stamp()


class MediaAsset(SQLModel, table=True):
    """A file in the media store: bytes live under their sha256, this row says whose they are."""

    __tablename__ = "media_asset"
    __table_args__ = (UniqueConstraint("guild_id", "sha256"),)

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = guild_column()
    sha256: str = Field(max_length=64, index=True)
    mime: str = Field(max_length=100)
    size_bytes: int
    width: int | None = None
    height: int | None = None
    duration_s: float | None = None
    original_name: str = Field(default="", max_length=200)
    created_by: int | None = snowflake(nullable=True)
    created_at: datetime = stamp()


class ReferenceImage(SQLModel, table=True):
    """A reference picture of a character or a location (at most four each)."""

    __tablename__ = "reference_image"

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = guild_column()
    character_id: int | None = Field(
        default=None, foreign_key="character.id", ondelete="CASCADE", index=True
    )
    location_id: int | None = Field(
        default=None, foreign_key="location.id", ondelete="CASCADE", index=True
    )
    asset_id: int = Field(foreign_key="media_asset.id", ondelete="RESTRICT")
    position: int = Field(default=0)
    created_by: int = snowflake()
    created_at: datetime = stamp()


# --------------------------------------------------------------------------- the script


class Episode(SQLModel, table=True):
    __tablename__ = "episode"
    __table_args__ = (UniqueConstraint("guild_id", "series_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = guild_column()
    series_id: int = Field(foreign_key="series.id", ondelete="CASCADE", index=True)
    number: int = Field(ge=1)
    title: str = Field(max_length=100)
    synopsis: str = Field(default="", max_length=2000)
    board_channel_id: int | None = snowflake(nullable=True)
    board_message_id: int | None = snowflake(nullable=True)
    created_by: int = snowflake()
    created_at: datetime = stamp()
    updated_at: datetime = stamp()


class Scene(SQLModel, table=True):
    __tablename__ = "scene"

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = guild_column()
    episode_id: int = Field(foreign_key="episode.id", ondelete="CASCADE", index=True)
    position: int = Field(default=0)
    heading: str = Field(max_length=200)
    location_id: int | None = Field(default=None, foreign_key="location.id", ondelete="SET NULL")
    synopsis: str = Field(default="", max_length=1000)
    created_by: int = snowflake()
    created_at: datetime = stamp()


class ShotStatus(StrEnum):
    DRAFT = "draft"
    GENERATING = "generating"
    IN_REVIEW = "in_review"
    LOCKED = "locked"


class Shot(SQLModel, table=True):
    __tablename__ = "shot"
    # Autocomplete walks a server's shots newest first and stops at 25 (storage/script_lookup.py).
    __table_args__ = (Index("ix_shot_guild_newest", "guild_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = guild_column()
    episode_id: int = Field(foreign_key="episode.id", ondelete="CASCADE", index=True)
    scene_id: int = Field(foreign_key="scene.id", ondelete="CASCADE", index=True)
    position: int = Field(default=0)
    action: str = Field(default="", max_length=2000)
    # The action folded for search (lower case, no accents): "elodie" finds "Élodie" on SQLite
    # too, with a plain LIKE. Kept by storage/script.py; see fold_for_search.
    search_key: str = Field(default="", max_length=2000)
    shot_size: str = Field(default="medium", max_length=40)
    movement: str = Field(default="static", max_length=40)
    lens: str = Field(default="", max_length=40)
    duration_s: float = Field(default=5.0, ge=1.0, le=20.0)
    location_id: int | None = Field(default=None, foreign_key="location.id", ondelete="SET NULL")
    provider: str = Field(default="", max_length=40)
    status: ShotStatus = choice(ShotStatus, ShotStatus.DRAFT)
    locked_take_id: int | None = Field(default=None)
    is_key: bool = Field(default=False)
    created_by: int = snowflake()
    created_at: datetime = stamp()
    updated_at: datetime = stamp()


class ShotCharacter(SQLModel, table=True):
    __tablename__ = "shot_character"

    shot_id: int = Field(foreign_key="shot.id", ondelete="CASCADE", primary_key=True)
    character_id: int = Field(foreign_key="character.id", ondelete="CASCADE", primary_key=True)
    guild_id: int = guild_column()


class DialogueLine(SQLModel, table=True):
    __tablename__ = "dialogue_line"

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = guild_column()
    shot_id: int = Field(foreign_key="shot.id", ondelete="CASCADE", index=True)
    position: int = Field(default=0)
    character_id: int | None = Field(default=None, foreign_key="character.id", ondelete="SET NULL")
    speaker: str = Field(max_length=80)
    text: str = Field(max_length=1000)
    language: str = Field(default="en", max_length=8)
    memorable: bool = Field(default=False)


# --------------------------------------------------------------------------- production


class TakeKind(StrEnum):
    RAW = "raw"
    FACE = "face"
    VOICE = "voice"
    LIPSYNC = "lipsync"
    PERFORMANCE = "performance"
    DIALOGUE = "dialogue"  # all of a shot's voice lines on one track (audio only)


class Take(SQLModel, table=True):
    __tablename__ = "take"

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = guild_column()
    shot_id: int = Field(foreign_key="shot.id", ondelete="CASCADE", index=True)
    label: str = Field(default="A", max_length=4)
    kind: TakeKind = choice(TakeKind, TakeKind.RAW)
    parent_take_id: int | None = Field(default=None, foreign_key="take.id", ondelete="SET NULL")
    job_id: int | None = Field(default=None, index=True)
    provider: str = Field(default="", max_length=40)
    model: str = Field(default="", max_length=80)
    seed: int = Field(default=0, sa_type=BigInteger)
    compiled_prompt: str = Field(default="", max_length=8000)
    cost_cents: int = Field(default=0)
    video_asset_id: int | None = Field(default=None, foreign_key="media_asset.id")
    audio_asset_id: int | None = Field(default=None, foreign_key="media_asset.id")
    thumb_asset_id: int | None = Field(default=None, foreign_key="media_asset.id")
    duration_s: float | None = None
    flag_count: int = Field(default=0)
    created_at: datetime = stamp()


class Vote(SQLModel, table=True):
    __tablename__ = "vote"
    __table_args__ = (UniqueConstraint("shot_id", "member_id"),)

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = guild_column()
    shot_id: int = Field(foreign_key="shot.id", ondelete="CASCADE", index=True)
    take_id: int = Field(foreign_key="take.id", ondelete="CASCADE")
    member_id: int = snowflake()
    weight: float = Field(default=1.0)
    created_at: datetime = stamp()
    updated_at: datetime = stamp()


class Review(SQLModel, table=True):
    """A shot's dailies: where its takes were posted and when the vote closes."""

    __tablename__ = "review"

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = guild_column()
    shot_id: int = Field(foreign_key="shot.id", ondelete="CASCADE", index=True)
    thread_id: int | None = snowflake(nullable=True)
    message_id: int | None = snowflake(nullable=True)
    mode: VoteMode = choice(VoteMode, VoteMode.BUTTONS)
    deadline_at: datetime | None = when()
    quorum: int = Field(default=1)
    closed_at: datetime | None = when()
    winner_take_id: int | None = Field(default=None)
    created_at: datetime = stamp()


class TakeFlag(SQLModel, table=True):
    __tablename__ = "take_flag"
    __table_args__ = (UniqueConstraint("take_id", "member_id"),)

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = guild_column()
    take_id: int = Field(foreign_key="take.id", ondelete="CASCADE", index=True)
    member_id: int = snowflake()
    reason: str = Field(default="", max_length=300)
    timecode_s: float | None = None
    seconds_flag_id: int | None = Field(default=None)
    created_at: datetime = stamp()


class JobStatus(StrEnum):
    """See pipeline/README.md for the state diagram."""

    QUEUED = "queued"
    SUBMITTING = "submitting"
    RUNNING = "running"
    FETCHING = "fetching"
    SUCCEEDED = "succeeded"
    RETRY_WAIT = "retry_wait"
    NEEDS_REVIEW = "needs_review"
    FAILED = "failed"
    CANCELLED = "cancelled"


TERMINAL_JOB_STATUSES = frozenset(
    {JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.NEEDS_REVIEW}
)


class Job(SQLModel, table=True):
    __tablename__ = "job"
    __table_args__ = (Index("ix_job_claim", "status", "run_after"),)

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = guild_column()
    kind: str = Field(max_length=40)
    status: JobStatus = choice(JobStatus, JobStatus.QUEUED)
    resume_status: JobStatus | None = choice(JobStatus, None, nullable=True)
    provider: str = Field(max_length=40)
    model: str = Field(default="", max_length=80)
    shot_id: int | None = Field(default=None, foreign_key="shot.id", ondelete="SET NULL")
    take_id: int | None = Field(default=None)
    requested_by: int = snowflake()
    idempotency_key: str = Field(max_length=80, unique=True)
    provider_handle: dict[str, Any] = json_dict()
    params: dict[str, Any] = json_dict()
    depends_on: list[int] = json_list()
    attempts: int = Field(default=0)
    run_after: datetime | None = when()
    lease_owner: str | None = Field(default=None, max_length=80)
    lease_expires_at: datetime | None = when()
    progress: float = Field(default=0.0)
    estimate_cents: int = Field(default=0)
    actual_cents: int | None = None
    last_error: str = Field(default="", max_length=2000)
    card_channel_id: int | None = snowflake(nullable=True)
    card_message_id: int | None = snowflake(nullable=True)
    created_at: datetime = stamp()
    updated_at: datetime = stamp()
    finished_at: datetime | None = when()


class LedgerKind(StrEnum):
    RESERVE = "reserve"
    SETTLE = "settle"
    RELEASE = "release"
    ADJUST = "adjust"


class LedgerEntry(SQLModel, table=True):
    """Append-only. Reserve holds money, settle spends it, release gives it back."""

    __tablename__ = "ledger_entry"

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = guild_column()
    member_id: int = snowflake()
    job_id: int | None = Field(default=None, foreign_key="job.id", ondelete="SET NULL", index=True)
    kind: LedgerKind = choice(LedgerKind)
    amount_cents: int
    provider: str = Field(default="", max_length=40)
    note: str = Field(default="", max_length=300)
    created_at: datetime = stamp()


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"


class OutboxMessage(SQLModel, table=True):
    """What the pipeline wants said in Discord. The bot relays it and retries until it lands."""

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_pending", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = guild_column()
    kind: str = Field(max_length=40)
    channel_id: int | None = snowflake(nullable=True)
    payload: dict[str, Any] = json_dict()
    dedupe_key: str = Field(max_length=120, unique=True)
    status: OutboxStatus = choice(OutboxStatus, OutboxStatus.PENDING)
    attempts: int = Field(default=0)
    next_attempt_at: datetime | None = when()
    discord_message_id: int | None = snowflake(nullable=True)
    last_error: str = Field(default="", max_length=1000)
    created_at: datetime = stamp()
    sent_at: datetime | None = when()


class ContributionRole(StrEnum):
    SHOWRUNNER = "showrunner"
    WRITER = "writer"
    VOTER = "voter"
    FLAGGER = "flagger"
    PERFORMER = "performer"


class Contribution(SQLModel, table=True):
    __tablename__ = "contribution"
    __table_args__ = (UniqueConstraint("guild_id", "shot_id", "member_id", "role"),)

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = guild_column()
    episode_id: int | None = Field(default=None, foreign_key="episode.id", ondelete="CASCADE")
    shot_id: int | None = Field(default=None, foreign_key="shot.id", ondelete="CASCADE")
    member_id: int = snowflake()
    member_name: str = Field(default="", max_length=100)
    role: ContributionRole = choice(ContributionRole)
    created_at: datetime = stamp()


# --------------------------------------------------------------------------- cut and premiere


class Render(SQLModel, table=True):
    __tablename__ = "render"

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = guild_column()
    episode_id: int = Field(foreign_key="episode.id", ondelete="CASCADE", index=True)
    kind: str = Field(max_length=16)  # episode | recap | preview
    final: bool = Field(default=False)
    job_id: int | None = Field(default=None)
    video_asset_id: int | None = Field(default=None, foreign_key="media_asset.id")
    discord_asset_id: int | None = Field(default=None, foreign_key="media_asset.id")
    subtitles: dict[str, int] = json_dict()
    timeline_asset_id: int | None = Field(default=None, foreign_key="media_asset.id")
    created_by: int = snowflake()
    created_at: datetime = stamp()


class PremiereStatus(StrEnum):
    SCHEDULED = "scheduled"
    POSTPONED = "postponed"
    FIRING = "firing"  # posting now; a restart resumes it without posting twice
    PREMIERED = "premiered"
    CANCELLED = "cancelled"
    MISSED = "missed"


# An episode has at most one premiere still to come. The database holds the rule (a partial
# unique index), so two /premiere schedule calls racing each other cannot both win.
PREMIERE_ACTIVE_SQL = "status IN ('scheduled', 'postponed', 'firing')"


class Premiere(SQLModel, table=True):
    __tablename__ = "premiere"
    __table_args__ = (
        Index(
            "uq_premiere_active_episode",
            "guild_id",
            "episode_id",
            unique=True,
            sqlite_where=text(PREMIERE_ACTIVE_SQL),
            postgresql_where=text(PREMIERE_ACTIVE_SQL),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = guild_column()
    episode_id: int = Field(foreign_key="episode.id", ondelete="CASCADE", index=True)
    starts_at: datetime = Field(sa_type=TZDateTime, nullable=False)
    timezone: str = Field(default="UTC", max_length=64)
    weekly: bool = Field(default=False)
    status: PremiereStatus = choice(PremiereStatus, PremiereStatus.SCHEDULED)
    event_id: int | None = snowflake(nullable=True)
    thread_id: int | None = snowflake(nullable=True)
    note: str = Field(default="", max_length=300)
    created_by: int = snowflake()
    created_at: datetime = stamp()
