"""Small synthetic sources, made once per test session with the real ffmpeg."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.media.helpers import make_clip


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def landscape_with_sound(media_dir: Path) -> Path:
    """640x360 at 30 fps, 1.3 s, a 440 Hz tone at 44.1 kHz mono: nothing like the house format."""
    return make_clip(media_dir / "landscape.mp4", seconds=1.3)


@pytest.fixture(scope="session")
def portrait_silent(media_dir: Path) -> Path:
    """300x400 at 29.97 fps, 1 s, no sound: a phone clip."""
    return make_clip(media_dir / "portrait.mp4", size="300x400", rate="30000/1001", tone_hz=None)
