"""``dailies cut``: render an episode, its recap or its timeline from the shell, with a bar.

Same pipeline as /episode cut (pipeline.cut.run_render), same refusals; the files land in
``--out`` and the renders are kept in the media store with a Render row, as from Discord.
It renders in this process, not as a worker job: a shell tool shows its bar and ends with the
files, and needs no worker running (interrupt it and run it again).
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from pipeline.cut import (
    CutOptions,
    CutRequest,
    NothingLocked,
    NothingToRecap,
    ShotsNotLocked,
    run_export,
    run_render,
)
from storage.db import Database
from storage.media import LocalMediaStore
from storage.script_lookup import resolve_episode


async def cut_from_shell(
    database_url: str,
    media_dir: Path,
    guild_id: int,
    episode: str,
    out: Path,
    *,
    recap: bool = False,
    seconds: float = 60.0,
    final: bool = False,
    crossfade: bool = False,
    burn: bool = False,
    music: Path | None = None,
    export: bool = False,
    locale: str = "en",
    console: Console | None = None,
) -> int:
    """Returns a process exit code (0 done, 1 refused)."""
    console = console or Console()
    db = Database(database_url)
    store = LocalMediaStore(media_dir)
    try:
        async with db.session() as session:
            found = await resolve_episode(session, guild_id, episode)
        if export:
            exported, _plan = await run_export(db, store, guild_id, found.id or 0, out)
            for fmt, path in exported.files.items():
                console.print(f"[green]✓[/green] {fmt}: {path}")
            for fmt, why in exported.missing.items():
                console.print(f"[yellow]![/yellow] {fmt}: {why}")
            return 0
        options = CutOptions(final=final, crossfade=crossfade, burn_subtitles=burn,
                             music_path=music, locale=locale)  # fmt: skip
        request = CutRequest(guild_id, found.id or 0, 0, kind="recap" if recap else "episode",
                             options=options, target_s=seconds)  # fmt: skip
        with Progress(
            TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f} %"),
            TimeElapsedColumn(), console=console,
        ) as bar:  # fmt: skip
            task = bar.add_task(f"{request.kind} {found.number}", total=1.0)

            def report(stage: str, fraction: float) -> None:
                bar.update(task, completed=fraction,
                           description=f"{request.kind} {found.number}: {stage}")  # fmt: skip

            outcome = await run_render(db, store, request, out, report=report)
        console.print(f"[green]✓[/green] master: {outcome.rendered.path}")
        console.print(f"[green]✓[/green] Discord copy: {outcome.upload_path} "
                      f"({outcome.upload_bytes} bytes)")  # fmt: skip
        for lang, path in outcome.rendered.subtitles.items():
            console.print(f"[green]✓[/green] subtitles {lang}: {path}")
        if outcome.waiting:
            console.print(f"[yellow]![/yellow] waiting (slates): {', '.join(outcome.waiting)}")
        return 0
    except NothingLocked:
        console.print("[red]No shot of this episode is locked: nothing to cut.[/red]")
    except ShotsNotLocked as exc:
        console.print(f"[red]A final cut needs every shot locked; waiting: "
                      f"{', '.join(exc.codes)}[/red]")  # fmt: skip
    except NothingToRecap as exc:
        console.print(f"[red]Episode {exc.number} is the first: nothing to recap.[/red]")
    finally:
        await db.dispose()
    return 1
