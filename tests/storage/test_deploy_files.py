"""deploy/ cannot run here (no Docker engine): its safety properties are read from the files."""

from __future__ import annotations

import re
from pathlib import Path

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def test_compose_publishes_ports_on_loopback_only() -> None:
    """Postgres (or anything else) is never published on every interface of the host."""
    compose = (DEPLOY / "docker-compose.yml").read_text()
    published = re.findall(r'^\s*-\s*"?([^"\s]+:\d+)"?\s*$', compose, flags=re.MULTILINE)
    port_lines = [p for p in published if re.fullmatch(r"[\d.]*:?\d+:\d+", p)]
    assert port_lines, "expected Postgres to be published for local psql"
    assert all(p.startswith("127.0.0.1:") for p in port_lines), port_lines


def test_compose_runs_one_bot_and_scalable_workers_from_one_image() -> None:
    compose = (DEPLOY / "docker-compose.yml").read_text()
    for command in ('["migrate"]', '["bot"]', '["worker"]', '["run"]'):
        assert f"command: {command}" in compose
    assert "service_completed_successfully" in compose  # nothing starts before the migration


def test_image_runs_as_an_unprivileged_user() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"^USER dailies$", dockerfile, flags=re.MULTILINE)
    assert dockerfile.count("FROM ") == 2  # build stage and a slim runtime stage
