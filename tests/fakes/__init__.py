"""Fake provider servers speaking each provider's documented HTTP API on a real socket.

Used by tests/providers/ and runnable by hand: ``python -m tests.fakes <name> --port N``
(see docs/providers.md).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.fakes.base import FakeProvider

FAKES = {
    "veo": "VeoFake",
    "luma": "LumaFake",
    "runway": "RunwayFake",
    "fal": "FalFake",
    "replicate": "ReplicateFake",
    "bfl": "BflFake",
    "sync": "SyncFake",
    "elevenlabs": "ElevenLabsFake",
}


def fake_class(name: str) -> type[FakeProvider]:
    module = importlib.import_module(f"tests.fakes.{name}")
    cls: type[FakeProvider] = getattr(module, FAKES[name])
    return cls
