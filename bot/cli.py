"""``dailies``: run the bot, migrate the database, check the setup, play the demo.

Settings come from ``DAILIES_*`` environment variables and the TOML file named by
``$DAILIES_CONFIG`` (see config.example.toml).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import os
import shutil
import signal
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import discord
import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from bot.config import Settings, load_settings

app = typer.Typer(
    help="Dailies: a Discord production assistant for AI-made series.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
TOKEN_HELP = (
    "Set it in the environment: export DAILIES_DISCORD__TOKEN=<your bot token> "
    "(Discord Developer Portal > your application > Bot > Reset Token), "
    'or put token = "..." under [discord] in the file named by DAILIES_CONFIG.'
)


def _settings() -> Settings:
    try:
        return load_settings()
    except ValidationError as exc:
        console.print(f"[red]Your settings are not valid:[/red]\n{exc}")
        raise typer.Exit(2) from exc


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for chatty in ("discord.http", "alembic"):
        logging.getLogger(chatty).setLevel(logging.WARNING)


@app.command()
def run() -> None:
    """Run the bot (with the job worker and the outbox relay) in this one process."""
    settings = _settings()
    if settings.discord.token is None or not settings.discord.token.get_secret_value().strip():
        console.print(f"[red]No Discord bot token.[/red] {escape(TOKEN_HELP)}")
        raise typer.Exit(2)
    configure_logging(settings.log_level)
    from bot.client import DailiesBot

    bot = DailiesBot(settings)
    token = settings.discord.token.get_secret_value().strip()

    async def main() -> None:
        # Ctrl-C, `docker stop` and systemd (SIGTERM) all end the same way: a clean close, so
        # the worker hands back its lease and the database is disposed before the loop ends.
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(signum, stop.set)
        async with bot:
            running = asyncio.create_task(bot.start(token), name="dailies-bot")
            stopping = asyncio.create_task(stop.wait(), name="dailies-stop")
            done, _ = await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if running in done:
                running.result()
                return
            await bot.close()
            with contextlib.suppress(asyncio.CancelledError):
                await running

    try:
        asyncio.run(main())
    except discord.LoginFailure:
        console.print(f"[red]Discord refused the token.[/red] {escape(TOKEN_HELP)}")
        raise typer.Exit(2) from None


@app.command()
def migrate() -> None:
    """Bring the database schema up to date (safe to run any time)."""
    settings = _settings()
    from storage.migrate import current_revision_sync, head_revision, upgrade_sync

    url = settings.resolved_database_url
    upgrade_sync(url)
    revision = current_revision_sync(url)
    console.print(f"[green]Database is at {revision}[/green] (code expects {head_revision()}).")


@app.command()
def worker(
    worker_id: str = typer.Option(None, help="Name in logs and leases (default host:pid)."),
) -> None:
    """Run the job worker alone (next to a bot started with the worker elsewhere), until
    Ctrl-C / SIGTERM; jobs in flight hand their lease back on the way out."""
    settings = _settings()
    configure_logging(settings.log_level)
    from bot.host import run_worker

    asyncio.run(run_worker(settings, worker_id=worker_id))


Level = Literal["ok", "warn", "fail"]
MARK = {"ok": "[green]✓[/green]", "warn": "[yellow]![/yellow]", "fail": "[red]✗[/red]"}


@dataclass(frozen=True)
class Check:
    level: Level
    what: str
    detail: str = ""


def _check_token(settings: Settings) -> Check:
    token = settings.discord.token
    if token is None or not token.get_secret_value().strip():
        return Check("warn", "Discord token missing (needed by `dailies run`)", TOKEN_HELP)
    return Check("ok", "Discord token is set")


async def _check_database(settings: Settings) -> Check:
    from storage.migrate import current_revision, head_revision

    url = settings.resolved_database_url
    shown = url.split("@")[-1]  # never print a password
    try:
        current = await current_revision(url)
    except Exception as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return Check(
            "fail",
            f"Database unreachable ({shown})",
            f"{first}. Check DAILIES_DATABASE_URL, or unset it to use SQLite in data_dir.",
        )
    head = head_revision()
    if current != head:
        return Check(
            "warn",
            f"Database reachable but not migrated ({current or 'empty'} -> {head})",
            "Run `dailies migrate` (`dailies run` also migrates at start).",
        )
    return Check("ok", f"Database reachable and migrated ({shown})")


def _check_media(settings: Settings) -> Check:
    folder = settings.resolved_media_dir
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".doctor-"):
            pass
    except OSError as exc:
        return Check(
            "fail",
            f"Media folder not writable: {folder}",
            f"{exc.strerror}. Set DAILIES_MEDIA_DIR (or DAILIES_DATA_DIR) to a folder you own.",
        )
    return Check("ok", f"Media folder writable: {folder}")


def _check_ffmpeg(settings: Settings) -> Check:
    explicit = os.environ.get("DAILIES_FFMPEG") or settings.ffmpeg_path
    if explicit:
        if shutil.which(explicit) or Path(explicit).is_file():
            return Check("ok", f"ffmpeg: {explicit} (DAILIES_FFMPEG)")
        return Check(
            "fail",
            f"ffmpeg not found at {explicit}",
            "Fix DAILIES_FFMPEG, or unset it to use ffmpeg on PATH or the imageio-ffmpeg wheel.",
        )
    on_path = shutil.which("ffmpeg")
    if on_path:
        return Check("ok", f"ffmpeg on PATH: {on_path}")
    try:
        import imageio_ffmpeg

        return Check(
            "ok", f"ffmpeg from the imageio-ffmpeg wheel: {imageio_ffmpeg.get_ffmpeg_exe()}"
        )
    except Exception:
        return Check(
            "fail",
            "ffmpeg not found",
            "Install it (apt install ffmpeg / brew install ffmpeg) or "
            "`pip install imageio-ffmpeg`.",
        )


def _check_espeak() -> Check:
    try:
        import espeakng_loader

        library = Path(espeakng_loader.get_library_path())
        data = Path(espeakng_loader.get_data_path())
    except Exception:
        return Check(
            "warn",
            "espeak-ng voices unavailable (local dialogue will be silent)",
            "`pip install espeakng-loader`.",
        )
    if not library.exists() or not data.exists():
        return Check("warn", "espeak-ng files missing", f"Reinstall espeakng-loader ({library}).")
    return Check("ok", "espeak-ng voices (English, French) from espeakng-loader")


def _check_providers(settings: Settings) -> list[Check]:
    try:
        from pipeline.registry import REMOTE_PROVIDERS
    except ImportError:
        return []
    present = [n for n in REMOTE_PROVIDERS if settings.provider(n).api_key is not None]
    missing = [n for n in REMOTE_PROVIDERS if n not in present and n != "facefusion"]
    checks = [
        Check(
            "ok",
            "Local generators need no key: animatic, espeak voices, dialogue track, lip-sync, "
            "performance stand-in",
        )
    ]
    if present:
        checks.append(Check("ok", f"Provider keys set: {', '.join(present)}"))
    if missing:
        checks.append(
            Check(
                "warn",
                f"No key for: {', '.join(missing)} (optional)",
                "Add one with DAILIES_PROVIDERS__<NAME>__API_KEY, e.g. "
                "DAILIES_PROVIDERS__LUMA__API_KEY=...",
            )
        )
    return checks


def _check_media_links(settings: Settings) -> Check:
    """Luma and Sync take inputs only by URL: can they be given our local files?"""
    section = settings.media
    if not section.public_base_url and section.link_secret is None:
        return Check(
            "warn",
            "Public media links off: Luma and Sync take text prompts only, not local pictures, "
            "takes or voices (optional)",
            "Set DAILIES_MEDIA__PUBLIC_BASE_URL (an HTTPS proxy to "
            f"{section.bind_host}:{section.bind_port}) and DAILIES_MEDIA__LINK_SECRET.",
        )
    from pipeline.media.links_server import media_links

    links = media_links(settings)
    if links is None:
        return Check(
            "fail",
            "Public media links misconfigured",
            "Set both DAILIES_MEDIA__PUBLIC_BASE_URL (http(s)://...) and "
            "DAILIES_MEDIA__LINK_SECRET (16+ characters, e.g. `openssl rand -hex 32`).",
        )
    if not links.base_url.startswith("https://"):
        return Check(
            "warn",
            f"Public media links at {links.base_url} are not HTTPS",
            "Providers (Runway at least) fetch only https:// links; put a TLS proxy in front.",
        )
    return Check(
        "ok",
        f"Public media links: {links.base_url}/media/ (served on "
        f"{section.bind_host}:{section.bind_port}); Luma and Sync can take local files",
    )


async def diagnose(settings: Settings) -> list[Check]:
    checks = [Check("ok", "Settings loaded"), _check_token(settings)]
    checks.append(await _check_database(settings))
    checks.extend([_check_media(settings), _check_ffmpeg(settings), _check_espeak()])
    checks.extend(_check_providers(settings))
    checks.append(_check_media_links(settings))
    return checks


@app.command()
def doctor() -> None:
    """Check that this machine can run Dailies, and say what is missing and how to fix it."""
    settings = _settings()
    logging.getLogger("alembic").setLevel(logging.WARNING)
    checks = asyncio.run(diagnose(settings))
    for check in checks:
        console.print(f"{MARK[check.level]} {escape(check.what)}")
        if check.detail:
            console.print(f"    {check.detail}", style="dim", markup=False)
    failed = [c for c in checks if c.level == "fail"]
    if failed:
        console.print(f"[red]{len(failed)} problem(s) to fix before Dailies can run.[/red]")
        raise typer.Exit(1)
    console.print("[green]Dailies can run here.[/green]")


@app.command()
def cut(
    episode: str = typer.Argument(..., help="Episode number (in the active series)."),
    guild: int = typer.Option(..., help="The Discord server's id."),
    out: Path = typer.Option(Path("cuts"), help="Where the files go."),
    recap: bool = typer.Option(False, help='Render "Previously on..." instead.'),
    seconds: float = typer.Option(60.0, min=30, max=120, help="Recap length."),
    final: bool = typer.Option(False, help="Refuse while a shot is unlocked."),
    crossfade: bool = typer.Option(False, help="Crossfade the shots of each scene."),
    burn: bool = typer.Option(False, help="Burn the subtitles into the picture."),
    music: Path = typer.Option(None, help="A music bed under the dialogue."),
    export: bool = typer.Option(False, help="Write the timeline (.otio, .edl, .xml) only."),
    locale: str = typer.Option("en", help="Language of the cards (en or fr)."),
) -> None:
    """Render an episode (or its recap, or its timeline) with a progress bar."""
    settings = _settings()
    from commands.cuts.cli import cut_from_shell

    code = asyncio.run(
        cut_from_shell(
            settings.resolved_database_url, settings.resolved_media_dir, guild, episode, out,
            recap=recap, seconds=seconds, final=final, crossfade=crossfade, burn=burn,
            music=music, export=export, locale=locale, console=console,
        )
    )  # fmt: skip
    raise typer.Exit(code)


@app.command()
def demo(
    out: Path = typer.Option(Path("demo-output"), help="Where the transcript and files go."),
) -> None:
    """Play a whole production in a local sandbox Discord (no token, no keys, no network)."""
    try:
        module = importlib.import_module("bot.demo")
    except ImportError as exc:
        console.print(f"[red]The demo is not available in this build ({exc}).[/red]")
        raise typer.Exit(1) from exc
    raise typer.Exit(module.main(out))


if __name__ == "__main__":
    app()
