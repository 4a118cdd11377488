"""Typed settings: environment variables ``DAILIES_*`` over an optional TOML file.

Secrets are ``SecretStr`` so they never reach a log or a repr. See ``config.example.toml``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

DISCORD_API_BASE = "https://discord.com/api/v10"
DISCORD_GATEWAY = "wss://gateway.discord.gg/"


class DiscordSection(BaseModel):
    token: SecretStr | None = Field(
        default=None, description="Bot token from the developer portal."
    )
    api_base: str = Field(
        default=DISCORD_API_BASE, description="REST base URL, ending in /api/v10."
    )
    gateway_url: str = Field(default=DISCORD_GATEWAY, description="Gateway WebSocket URL.")
    sync_guilds: list[int] = Field(
        default_factory=list,
        description="Guild ids to sync commands to instantly; empty means a global sync.",
    )
    guild_ready_timeout: float = Field(
        default=0.5,
        description="How long discord.py waits after the last GUILD_CREATE before it is ready "
        "(its own default is 2 s; servers that arrive later are still served).",
    )
    work_slots: int = Field(
        default=4,
        ge=1,
        description="Commands that acknowledge first (bot/tree.py) then do their database work "
        "this many at a time, so a burst delays the last answers instead of every "
        "acknowledgement.",
    )


class ProviderSection(BaseModel):
    api_key: SecretStr | None = Field(default=None, description="The provider's API key.")
    base_url: str | None = Field(default=None, description="Override the provider's base URL.")
    concurrency: int | None = Field(default=None, ge=1, description="Jobs in flight at once.")


class MediaSection(BaseModel):
    """Signed, expiring public links to the media store, for providers that take inputs only by
    URL (Luma keyframes, Sync lip-sync). Off unless both the base URL and the secret are set."""

    public_base_url: str | None = Field(
        default=None,
        description="HTTPS origin the providers reach the link server at (a reverse proxy in "
        "front of bind_host:bind_port), e.g. https://media.example.org",
    )
    link_secret: SecretStr | None = Field(
        default=None,
        description="HMAC key for the links (16+ characters, e.g. `openssl rand -hex 32`); the "
        "same value in every process.",
    )
    link_ttl_s: int = Field(default=3600, ge=60, description="How long a link stays valid.")
    bind_host: str = Field(default="127.0.0.1", description="Where the link server listens.")
    bind_port: int = Field(default=8780, ge=0, le=65535, description="Its port.")


class Settings(BaseSettings):
    """Everything Dailies reads from its environment."""

    model_config = SettingsConfigDict(
        env_prefix="DAILIES_",
        env_nested_delimiter="__",
        extra="ignore",
    )

    data_dir: Path = Field(default=Path("data"), description="Database and media folder.")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default is SQLite in data_dir. Postgres: "
        "postgresql+psycopg://user@host/db",
    )
    media_dir: Path | None = Field(
        default=None, description="Media store folder (default data_dir/media)."
    )
    ffmpeg_path: str | None = Field(
        default=None, description="ffmpeg binary; else PATH, else the wheel's."
    )
    default_locale: str = Field(
        default="en", description="Locale when neither member nor server has one."
    )
    log_level: str = Field(default="INFO")
    discord: DiscordSection = Field(default_factory=DiscordSection)
    providers: dict[str, ProviderSection] = Field(
        default_factory=dict,
        description="Per-provider keys and overrides, e.g. DAILIES_PROVIDERS__LUMA__API_KEY.",
    )
    media: MediaSection = Field(
        default_factory=MediaSection,
        description="Public links to media, e.g. DAILIES_MEDIA__PUBLIC_BASE_URL.",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = os.environ.get("DAILIES_CONFIG")
        if config_file:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(config_file)))
        return tuple(sources)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'dailies.db').resolve()}"

    @property
    def resolved_media_dir(self) -> Path:
        return self.media_dir if self.media_dir is not None else self.data_dir / "media"

    def provider(self, name: str) -> ProviderSection:
        return self.providers.get(name, ProviderSection())


def load_settings(**overrides: Any) -> Settings:
    return Settings(**overrides)
