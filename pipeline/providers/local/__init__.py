"""Providers that need no key and no network, so the whole loop runs on a fresh machine."""

from __future__ import annotations

from pathlib import Path

from pipeline.providers.local._base import LocalProvider, request_from_json, request_to_json
from pipeline.providers.local._espeak import VoiceSpec, voice_spec
from pipeline.providers.local.animatic import LocalAnimatic
from pipeline.providers.local.dialogue import LocalDialogue
from pipeline.providers.local.lipsync import LocalLipsync
from pipeline.providers.local.performance import LocalPerformance
from pipeline.providers.local.voice import LocalVoice

__all__ = [
    "LocalAnimatic",
    "LocalDialogue",
    "LocalLipsync",
    "LocalPerformance",
    "LocalProvider",
    "LocalVoice",
    "VoiceSpec",
    "local_providers",
    "request_from_json",
    "request_to_json",
    "voice_spec",
]


def local_providers(work_dir: str | Path | None = None) -> dict[str, LocalProvider]:
    """The local providers by name, rendering under ``work_dir`` (default: temp dir)."""
    providers: list[LocalProvider] = [
        LocalAnimatic(work_dir=work_dir),
        LocalVoice(work_dir=work_dir),
        LocalLipsync(work_dir=work_dir),
        LocalDialogue(work_dir=work_dir),
        LocalPerformance(work_dir=work_dir),
    ]
    return {p.name: p for p in providers}
