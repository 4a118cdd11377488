"""The link server: answers the signed media links of ``storage/media/links.py``.

    GET|HEAD /media/{sha256}.{ext}?exp=...&sig=...

* 403 for a malformed, forged or expired link (checked before the store is touched, so a
  stranger cannot probe which content exists), 404 for content the store does not have.
* 200 with the signed type as ``Content-Type`` and ``Content-Length``; HEAD answers the same
  headers without the body (Runway documents that it checks HEAD before fetching). Never a
  redirect. ``Range`` gives 206 (aiohttp's ``FileResponse``: sendfile from the store's file,
  never the whole file in memory).
* Nothing else is served: no listing, no index, and the answer names no guild.

It runs inside ``dailies run`` / ``dailies bot`` (bot/host.py) and ``dailies worker`` when a
public base URL and a secret are configured, bound to ``DAILIES_MEDIA__BIND_HOST:BIND_PORT``
(loopback by default), behind a reverse proxy that terminates HTTPS (docs/media.md).
"""

from __future__ import annotations

import logging
from typing import Any, Self

from aiohttp import web

from bot.config import Settings
from storage.media import MediaMissing, MediaStore
from storage.media.links import LinkRefused, MediaLinks

log = logging.getLogger(__name__)

_LINKS = web.AppKey("links", MediaLinks)
_STORE = web.AppKey("store", MediaStore)
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


def media_links(settings: Settings) -> MediaLinks | None:
    """The process's link maker, or None when links are not configured (adapters then keep
    refusing local files with ``input_needs_url``)."""
    section = settings.media
    if not section.public_base_url or section.link_secret is None:
        return None
    try:
        return MediaLinks(
            section.public_base_url,
            section.link_secret.get_secret_value(),
            ttl_s=section.link_ttl_s,
        )
    except ValueError as exc:
        log.warning("public media links disabled: %s", exc)
        return None


async def serve_media(request: web.Request) -> web.StreamResponse:
    links = request.app[_LINKS]
    store = request.app[_STORE]
    name = request.match_info["name"]
    try:
        target = links.verify(name, request.query.get("exp", ""), request.query.get("sig", ""))
    except LinkRefused as exc:
        log.info("media link refused (%s) from %s", exc.problem.value, request.remote)
        return web.Response(status=403, text="forbidden", headers=SECURITY_HEADERS)
    try:
        path = await store.local_path(target.sha256)
    except MediaMissing:
        log.info("media link to %s...: not in the store", target.sha256[:12])
        return web.Response(status=404, text="not found", headers=SECURITY_HEADERS)
    log.debug("media link %s %s... from %s", request.method, target.sha256[:12], request.remote)
    headers = {
        "Content-Type": target.mime,
        "Cache-Control": "private, max-age=300",
        **SECURITY_HEADERS,
    }
    return web.FileResponse(path, headers=headers)


async def _not_found(request: web.Request) -> web.StreamResponse:
    return web.Response(status=404, text="not found", headers=SECURITY_HEADERS)


def build_app(links: MediaLinks, store: MediaStore) -> web.Application:
    app = web.Application()
    app[_LINKS] = links
    app[_STORE] = store
    app.router.add_get("/media/{name}", serve_media)  # HEAD is answered by the same route
    app.router.add_route("*", "/{tail:.*}", _not_found)
    return app


class MediaLinkServer:
    """The link server on a host and port (port 0 picks a free one, see ``.port``)."""

    def __init__(
        self, links: MediaLinks, store: MediaStore, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.links, self.store = links, store
        self.host, self.port = host, port
        self._runner: web.AppRunner | None = None

    @property
    def local_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> Self:
        runner = web.AppRunner(build_app(self.links, self.store), access_log=None,
                               shutdown_timeout=1.0)  # fmt: skip
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        server: Any = site._server
        self.port = int(server.sockets[0].getsockname()[1])
        self._runner = runner
        log.info("media links: serving %s/media/ on %s", self.links.base_url, self.local_url)
        return self

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


async def start_link_server(settings: Settings, store: MediaStore | None) -> MediaLinkServer | None:
    """Start the link server when links are configured; None otherwise. A port already taken
    (a second process on one machine) is logged, not fatal: another process serves the links,
    since any process with the secret and the store answers them the same way."""
    links = media_links(settings)
    if links is None or store is None:
        return None
    section = settings.media
    server = MediaLinkServer(links, store, host=section.bind_host, port=section.bind_port)
    try:
        return await server.start()
    except OSError as exc:
        log.warning("media links: cannot listen on %s:%s (%s); another process may serve them",
                    section.bind_host, section.bind_port, exc)  # fmt: skip
        return None
