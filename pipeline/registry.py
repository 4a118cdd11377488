"""The provider registry: provider name -> a ready ``Provider``, built from ``Settings``.

Local providers (no key, no network) are always there when their module is. A remote one is
there when ``DAILIES_PROVIDERS__<NAME>__API_KEY`` is set (or its adapter needs no key, like the
FaceFusion command line). Adapters are imported lazily by module name, so a missing or broken
adapter module is logged and skipped instead of breaking the whole pipeline.

Adapter convention (pipeline/README.md): module ``pipeline.providers.<name>`` either defines
``build(section: ProviderSection) -> Provider``, or defines one class whose ``name`` is the
provider's name and whose constructor takes ``api_key=, base_url=, concurrency=``.
"""

from __future__ import annotations

import importlib
import inspect
import logging
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from bot.config import ProviderSection, Settings
from pipeline.media.links_server import media_links
from pipeline.providers.base import Capability, Provider

log = logging.getLogger(__name__)

REMOTE_PROVIDERS = (
    "veo",
    "luma",
    "runway",
    "fal",
    "replicate",
    "bfl",
    "sync",
    "elevenlabs",
    "facefusion",
)
LOCAL_MODULES = (
    "pipeline.providers.local.animatic",
    "pipeline.providers.local.voice",
    "pipeline.providers.local.espeak",
    "pipeline.providers.local.lipsync",
    "pipeline.providers.local.dialogue",
    "pipeline.providers.local.performance",
)
# When a shot names no provider, the pipeline never picks a paid one on its own.
PREFERRED_LOCAL: dict[Capability, str] = {
    Capability.TEXT_TO_VIDEO: "local-animatic",
    Capability.IMAGE_TO_VIDEO: "local-animatic",
    Capability.VOICE: "local-voice",
    Capability.LIPSYNC: "local-lipsync",
    Capability.DIALOGUE: "local-dialogue",
    Capability.PERFORMANCE: "local-performance",  # a labelled stand-in; runway does act_two
}


class UnknownProvider(KeyError):
    def __init__(self, name: str, known: Iterable[str]) -> None:
        super().__init__(name)
        self.name = name
        self.known = tuple(sorted(known))

    def __str__(self) -> str:
        return f"no provider {self.name!r} (configured: {', '.join(self.known) or 'none'})"


class ProviderRegistry(Mapping[str, Provider]):
    def __init__(self, providers: Iterable[Provider] = ()) -> None:
        self._providers: dict[str, Provider] = {}
        for provider in providers:
            self.add(provider)

    def add(self, provider: Provider) -> None:
        self._providers[provider.name] = provider

    def __getitem__(self, name: str) -> Provider:
        try:
            return self._providers[name]
        except KeyError:
            raise UnknownProvider(name, self._providers) from None

    def get_provider(self, name: str) -> Provider:
        return self[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._providers)

    def __len__(self) -> int:
        return len(self._providers)

    def for_capability(self, capability: Capability) -> list[Provider]:
        return [p for p in self._providers.values() if capability in p.capabilities]

    def default_for(self, capability: Capability) -> Provider:
        """The local provider for ``capability`` if there is one, else any that can do it."""
        preferred = PREFERRED_LOCAL.get(capability)
        if preferred in self._providers:
            return self._providers[preferred]
        able = sorted(self.for_capability(capability), key=lambda p: (p.needs_key, p.name))
        if not able:
            raise UnknownProvider(f"<{capability.value}>", self._providers)
        return able[0]

    def concurrency(self) -> dict[str, int]:
        return {name: max(1, int(p.concurrency)) for name, p in self._providers.items()}

    async def aclose(self) -> None:
        for provider in self._providers.values():
            close = getattr(provider, "aclose", None)
            if close is not None:
                await close()


def _import(module_name: str) -> ModuleType | None:
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            log.debug("provider module %s not installed", module_name)
        else:
            log.warning("provider module %s failed to import: %s", module_name, exc)
        return None
    except Exception as exc:  # a broken adapter must not take the others down
        log.warning("provider module %s failed to import: %s", module_name, exc)
        return None


def _provider_classes(module: ModuleType) -> list[type[Any]]:
    return [
        cls
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if cls.__module__ == module.__name__
        and isinstance(getattr(cls, "name", None), str)
        and callable(getattr(cls, "submit", None))
        and not inspect.isabstract(cls)
    ]


def _remote(name: str, section: ProviderSection) -> Provider | None:
    module = _import(f"pipeline.providers.{name}")
    if module is None:
        return None
    build = getattr(module, "build", None)
    if callable(build):
        provider = build(section)
        return provider if isinstance(provider, Provider) else None
    for cls in _provider_classes(module):
        if cls.name != name:
            continue
        key = section.api_key.get_secret_value() if section.api_key is not None else ""
        if not key and getattr(cls, "needs_key", True):
            return None
        provider = cls(api_key=key, base_url=section.base_url, concurrency=section.concurrency)
        available = getattr(provider, "available", None)
        if callable(available) and not available():
            return None
        return provider if isinstance(provider, Provider) else None
    log.warning("pipeline.providers.%s has no build() and no adapter class named %r", name, name)
    return None


def _locals(settings: Settings) -> list[Provider]:
    found: list[Provider] = []
    work_dir = Path(settings.data_dir) / "renders"
    for module_name in LOCAL_MODULES:
        module = _import(module_name)
        if module is None:
            continue
        for cls in _provider_classes(module):
            if not cls.name.startswith("local"):
                continue
            section = settings.provider(cls.name)
            kwargs: dict[str, Any] = {"work_dir": work_dir}
            if section.concurrency:
                kwargs["concurrency"] = section.concurrency
            try:
                provider = cls(**kwargs)
            except TypeError:
                provider = cls()
            if isinstance(provider, Provider):
                found.append(provider)
    return found


def build_registry(settings: Settings, *, extra: Iterable[Provider] = ()) -> ProviderRegistry:
    """Every provider this process may use. ``extra`` adds (or replaces) providers: tests."""
    registry = ProviderRegistry(_locals(settings))
    links = media_links(settings)
    for name in REMOTE_PROVIDERS:
        section = settings.provider(name)
        if section.api_key is None and name != "facefusion":
            continue
        provider = _remote(name, section)
        if provider is not None:
            # Adapters whose provider fetches inputs by URL (Luma, Sync) get the link maker.
            use_links = getattr(provider, "use_links", None)
            if links is not None and callable(use_links):
                use_links(links)
            registry.add(provider)
    for provider in extra:
        registry.add(provider)
    log.info("providers: %s", ", ".join(sorted(registry)) or "none")
    return registry
