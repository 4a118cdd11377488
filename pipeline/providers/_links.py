"""Local inputs made into signed public links, for providers that only fetch by URL.

The executor hands adapters local paths of the media store. Luma and Sync cannot take a file,
only a URL; when the process has a ``MediaLinks`` (``DAILIES_MEDIA__PUBLIC_BASE_URL`` and
``DAILIES_MEDIA__LINK_SECRET`` set), those paths become signed, expiring links that the link
server (pipeline/media/links_server.py) answers. Without one, the clear ``input_needs_url``
refusal stays. The registry hands the link maker to every adapter with ``use_links``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Self

from pipeline.providers._download import is_remote
from pipeline.providers.base import GenRequest, Refused
from storage.media.links import MediaLinks, NotMedia

HOW_TO_ENABLE = (
    "set DAILIES_MEDIA__PUBLIC_BASE_URL and DAILIES_MEDIA__LINK_SECRET so Dailies can publish "
    "signed links to its media"
)


class PublishesInputs:
    """Mixin for adapters whose provider fetches inputs by URL."""

    links: MediaLinks | None = None

    def use_links(self, links: MediaLinks | None) -> Self:
        self.links = links
        return self

    async def published(self, request: GenRequest, keys: Iterable[str], what: str) -> GenRequest:
        """``request`` with each local input among ``keys`` replaced by a signed link."""
        local = [k for k in keys if request.inputs.get(k) and not is_remote(request.inputs[k])]
        if not local:
            return request
        if self.links is None:
            raise Refused(f"{what} must be public URLs: {HOW_TO_ENABLE}", code="input_needs_url")
        inputs = dict(request.inputs)
        for key in local:
            try:
                inputs[key] = await self.links.link_for_file(inputs[key], at=request.links_at)
            except (LookupError, NotMedia) as exc:
                raise Refused(f"input {key}: {exc}", code="input_needs_url") from exc
        return dataclasses.replace(request, inputs=inputs)
