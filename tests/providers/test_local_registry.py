"""The local providers are found by the registry on a machine with no keys at all."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from pipeline.providers.base import Capability
from pipeline.providers.local import LocalProvider, local_providers
from pipeline.registry import build_registry


def test_a_fresh_machine_has_every_local_provider(tmp_path: Path) -> None:
    registry = build_registry(Settings(data_dir=tmp_path))
    assert registry.default_for(Capability.TEXT_TO_VIDEO).name == "local-animatic"
    assert registry.default_for(Capability.IMAGE_TO_VIDEO).name == "local-animatic"
    assert registry.default_for(Capability.VOICE).name == "local-voice"
    assert registry.default_for(Capability.LIPSYNC).name == "local-lipsync"
    assert registry.default_for(Capability.DIALOGUE).name == "local-dialogue"
    assert registry.default_for(Capability.PERFORMANCE).name == "local-performance"
    for name in ("local-animatic", "local-voice", "local-lipsync", "local-dialogue",
                 "local-performance"):  # fmt: skip
        provider = registry[name]
        assert isinstance(provider, LocalProvider) and not provider.needs_key
        # Renders land in the data folder, not in a temp dir that a reboot empties.
        assert provider.work_dir == tmp_path / "renders"


def test_local_providers_helper_names_them_all(tmp_path: Path) -> None:
    assert sorted(local_providers(tmp_path)) == [
        "local-animatic", "local-dialogue", "local-lipsync", "local-performance", "local-voice"
    ]  # fmt: skip
