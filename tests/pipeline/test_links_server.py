"""The link server on a real socket: what a provider's fetcher sees."""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx
from pydantic import SecretStr

from bot.config import MediaSection, ProviderSection, Settings
from pipeline.media.links_server import media_links, start_link_server
from pipeline.registry import build_registry
from storage.media import LocalMediaStore
from storage.media.links import MediaLinks
from tests.fakes.media import image_png, video_mp4
from tests.providers.media_links import SECRET, published


async def test_get_and_head_give_our_bytes_type_and_length(tmp_path: Path) -> None:
    async with published(tmp_path / "media") as world, httpx.AsyncClient() as http:
        sha, _ = await world.put(video_mp4())
        url = world.links.link_for(sha, "video/mp4")
        head = await http.head(url)
        got = await http.get(url)
        part = await http.get(url, headers={"Range": "bytes=0-99"})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["Content-Type"] == "video/mp4"
    assert head.headers["Content-Length"] == str(len(video_mp4()))
    assert got.status_code == 200 and hashlib.sha256(got.content).hexdigest() == sha
    assert got.headers["Content-Type"] == "video/mp4"
    assert part.status_code == 206 and part.content == video_mp4()[:100]


async def test_expired_forged_and_unknown_links(tmp_path: Path) -> None:
    async with published(tmp_path / "media") as world, httpx.AsyncClient() as http:
        sha, _ = await world.put(image_png())
        base = world.links.base_url
        past = MediaLinks(base, SECRET, ttl_s=60, clock=lambda: 1_000_000_000.0)
        stranger = MediaLinks(base, "not-our-secret-0123456789")
        missing = hashlib.sha256(b"never stored").hexdigest()
        answers = {
            "expired": await http.get(past.link_for(sha, "image/png")),
            "forged": await http.get(stranger.link_for(sha, "image/png")),
            "forged head": await http.head(stranger.link_for(sha, "image/png")),
            "unsigned": await http.get(f"{base}/media/{sha}.png"),
            "unknown content": await http.get(world.links.link_for(missing, "image/png")),
            "elsewhere": await http.get(f"{base}/"),
            "traversal": await http.get(f"{base}/media/..%2f..%2fetc%2fpasswd"),
        }
    codes = {why: r.status_code for why, r in answers.items()}
    assert codes == {
        "expired": 403,
        "forged": 403,
        "forged head": 403,
        "unsigned": 403,
        "unknown content": 404,
        "elsewhere": 404,
        "traversal": 403,
    }
    assert all(not r.is_redirect and sha not in r.text for r in answers.values())


async def test_settings_start_the_server_and_arm_the_url_only_adapters(tmp_path: Path) -> None:
    """DAILIES_MEDIA__* set: `dailies run`/`worker` serve links and Luma/Sync get the link
    maker; not set: no server, no links, the adapters keep refusing local files."""
    store = LocalMediaStore(tmp_path / "media")
    keys = {n: ProviderSection(api_key=SecretStr("k")) for n in ("luma", "sync")}
    plain = Settings(data_dir=tmp_path, providers=keys)
    assert media_links(plain) is None and await start_link_server(plain, store) is None
    assert all(getattr(build_registry(plain)[n], "links", None) is None for n in keys)
    section = MediaSection(
        public_base_url="http://127.0.0.1:9/pub", link_secret=SecretStr(SECRET), bind_port=0
    )
    armed = Settings(data_dir=tmp_path, providers=keys, media=section)
    registry = build_registry(armed)
    assert all(getattr(registry[n], "links", None) is not None for n in keys)
    server = await start_link_server(armed, store)
    assert server is not None
    try:
        sha = (await store.put_bytes(image_png())).sha256
        link = registry["luma"].links.link_for(sha, "image/png")  # type: ignore[attr-defined]
        assert link.startswith("http://127.0.0.1:9/pub/media/")
        local = link.replace("http://127.0.0.1:9/pub", server.local_url)
        async with httpx.AsyncClient() as http:
            assert (await http.get(local)).content == image_png()
    finally:
        await server.stop()
    short = MediaSection(public_base_url="https://x.example", link_secret=SecretStr("short"))
    weak = Settings(data_dir=tmp_path, media=short)
    assert media_links(weak) is None
