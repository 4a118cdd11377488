"""`dailies doctor` says whether Luma and Sync can be given local files (public media links)."""

from __future__ import annotations

import os
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app

runner = CliRunner()
SECRET = "0123456789abcdef0123456789abcdef"


def _doctor(tmp_path: Path, **extra: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAILIES_")}
    env.update(DAILIES_DATA_DIR=str(tmp_path / "data"), COLUMNS="200", **extra)
    result = runner.invoke(app, ["doctor"], env=env)
    assert SECRET not in result.output
    return result.output


def test_doctor_reports_public_media_links(tmp_path: Path) -> None:
    off = _doctor(tmp_path)
    assert "Public media links off" in off and "DAILIES_MEDIA__LINK_SECRET" in off
    on = _doctor(tmp_path, DAILIES_MEDIA__PUBLIC_BASE_URL="https://media.example.org",
                 DAILIES_MEDIA__LINK_SECRET=SECRET)  # fmt: skip
    assert "https://media.example.org/media/" in on and "Luma and Sync can take local" in on
    half = _doctor(tmp_path, DAILIES_MEDIA__PUBLIC_BASE_URL="https://media.example.org")
    assert "misconfigured" in half
    clear = _doctor(tmp_path, DAILIES_MEDIA__PUBLIC_BASE_URL="http://media.example.org",
                    DAILIES_MEDIA__LINK_SECRET=SECRET)  # fmt: skip
    assert "not HTTPS" in clear
