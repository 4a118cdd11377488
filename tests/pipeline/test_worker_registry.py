"""The provider registry: local providers always, remote ones only with a key, lazily."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.config import ProviderSection, Settings
from pipeline import registry as registry_module
from pipeline.providers.base import Capability
from pipeline.registry import UnknownProvider, build_registry


def test_fresh_machine_has_the_local_providers_and_no_paid_ones(tmp_path: Path) -> None:
    """No keys: animatic, voice and lip-sync are there; Luma is not, and asking names it."""
    registry = build_registry(Settings(data_dir=tmp_path))
    assert {"local-animatic", "local-voice", "local-lipsync"} <= set(registry)
    assert "luma" not in registry
    with pytest.raises(UnknownProvider, match="luma"):
        registry["luma"]
    assert registry.default_for(Capability.TEXT_TO_VIDEO).name == "local-animatic"
    assert registry.default_for(Capability.VOICE).name == "local-voice"


def test_a_key_brings_a_remote_provider_with_its_base_url(tmp_path: Path) -> None:
    """DAILIES_PROVIDERS__LUMA__API_KEY set: Luma is there, at the configured base URL, and
    the default take provider stays the free local one."""
    settings = Settings(
        data_dir=tmp_path,
        providers={
            "luma": ProviderSection(
                api_key=SecretStr("sk-secret"),
                base_url="http://127.0.0.1:9/dream-machine/v1",
                concurrency=3,
            )
        },
    )
    registry = build_registry(settings)
    luma = registry["luma"]
    assert getattr(luma, "base_url", "").startswith("http://127.0.0.1:9")
    assert luma.concurrency == 3
    assert "sk-secret" not in repr(luma)
    assert registry.default_for(Capability.TEXT_TO_VIDEO).name == "local-animatic"


def test_a_missing_adapter_module_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A configured provider whose module does not exist is logged and left out."""
    monkeypatch.setattr(registry_module, "REMOTE_PROVIDERS", ("nosuchprovider",))
    settings = Settings(
        data_dir=tmp_path,
        providers={"nosuchprovider": ProviderSection(api_key=SecretStr("k"))},
    )
    registry = build_registry(settings)
    assert "nosuchprovider" not in registry
    assert "local-animatic" in registry
