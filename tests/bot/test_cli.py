"""The `dailies` command line: clear refusals, doctor's verdicts, and `dailies run` for real."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.sandbox import Sandbox
from tests.helpers import message_text

runner = CliRunner()


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAILIES_")}
    env.update(DAILIES_DATA_DIR=str(tmp_path / "data"), COLUMNS="200", **extra)
    return env


def test_run_without_token_says_how_to_set_it(tmp_path: Path) -> None:
    """No token: exit code 2 and the name of the variable to set."""
    result = runner.invoke(app, ["run"], env=_env(tmp_path))
    assert result.exit_code == 2
    assert "DAILIES_DISCORD__TOKEN" in result.output


def test_doctor_passes_on_a_fresh_machine_without_keys(tmp_path: Path) -> None:
    """SQLite, the wheel's ffmpeg, espeak from its wheel, no keys: usable, exit 0."""
    result = runner.invoke(app, ["doctor"], env=_env(tmp_path))
    assert result.exit_code == 0, result.output
    assert "ffmpeg" in result.output and "espeak-ng" in result.output
    assert "not migrated" in result.output and "dailies migrate" in result.output
    assert "DAILIES_PROVIDERS__" in result.output


def test_migrate_then_doctor_sees_a_migrated_database(tmp_path: Path) -> None:
    """After `dailies migrate` the doctor reports the schema as current."""
    assert runner.invoke(app, ["migrate"], env=_env(tmp_path)).exit_code == 0
    result = runner.invoke(app, ["doctor"], env=_env(tmp_path))
    assert "reachable and migrated" in result.output


def test_doctor_fails_on_an_unreachable_database(tmp_path: Path) -> None:
    """A wrong database URL is a problem to fix: exit 1 and a hint."""
    env = _env(tmp_path, DAILIES_DATABASE_URL="postgresql://nobody@127.0.0.1:9/none")
    result = runner.invoke(app, ["doctor"], env=env)
    assert result.exit_code == 1
    assert "Database unreachable" in result.output and "DAILIES_DATABASE_URL" in result.output


def test_doctor_fails_on_a_missing_ffmpeg(tmp_path: Path) -> None:
    """DAILIES_FFMPEG pointing nowhere is reported with the fix."""
    result = runner.invoke(
        app, ["doctor"], env=_env(tmp_path, DAILIES_FFMPEG=str(tmp_path / "no-ffmpeg"))
    )
    assert result.exit_code == 1 and "ffmpeg not found" in result.output


@pytest.mark.slow
async def test_dailies_run_serves_a_sandbox_discord_and_stops_on_sigterm(tmp_path: Path) -> None:
    """`dailies run` in its own process connects, syncs, answers /setup, exits cleanly."""
    sandbox = Sandbox()
    guild = sandbox.create_guild("Nightshift")
    owner = guild.add_member("ada", permissions=1 << 5)
    await sandbox.start()
    env = _env(
        tmp_path,
        DAILIES_DISCORD__TOKEN=sandbox.token,
        DAILIES_DISCORD__API_BASE=sandbox.api_base,
        DAILIES_DISCORD__GATEWAY_URL=sandbox.gateway_url,
        DAILIES_DISCORD__GUILD_READY_TIMEOUT="0.1",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    try:
        for _ in range(600):  # a cold start imports a lot; allow a busy machine 60 s
            if sandbox.bot_connected and sandbox.commands():
                break
            await asyncio.sleep(0.1)
        reply = await (await sandbox.slash(owner, "setup", {"language": "fr"})).reply()
        assert "enregistré" in message_text(reply) or "Saved" in message_text(reply)
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(process.communicate(), 30)
        await sandbox.stop()
    assert process.returncode == 0, output.decode()[-2000:]
    assert "Traceback" not in output.decode(), output.decode()[-2000:]
