"""`dailies demo` plays the whole script against the sandbox and leaves its files behind."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from bot.demo import run_demo


async def test_demo_writes_the_bible_imports_the_pilot_and_posts_the_board(tmp_path: Path) -> None:
    out = tmp_path / "demo-output"
    console = Console(record=True, width=120)
    transcript_path = await run_demo(out, console)
    transcript = transcript_path.read_text(encoding="utf-8")
    printed = console.export_text()

    assert (out / "data" / "dailies.db").stat().st_size > 0
    # The cast, each with a stored reference picture, and the French member answered in French.
    for name in ("Mara", "Inès", "Dr. Voss"):
        assert name in transcript
    assert any((out / "data" / "media").rglob("*")), "reference pictures are in the media store"
    # The Fountain pilot became scenes and shots, and the board shows them.
    assert "EXT. HARBOUR WAREHOUSE - NIGHT" in transcript
    assert "INT. NEWSROOM - NIGHT" in transcript
    assert "`1.2.4`" in transcript
    # /shot show for the French member is in French and carries the compiled prompt.
    assert "Plan 1.1.1" in transcript and "Prompt" in transcript
    assert "went wrong" not in printed.lower() and "erreur" not in printed.lower()
