"""Signed media links: what they name, how long they live, and what a forger cannot change."""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from storage.media import LocalMediaStore
from storage.media.links import LinkProblem, LinkRefused, MediaLinks, NotMedia, sniff_mime
from tests.fakes.media import audio_mp3, audio_wav, image_png, video_mp4

SECRET = "link-secret-for-tests-0123456789"
SHA = hashlib.sha256(b"a picture").hexdigest()


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _parts(url: str) -> tuple[str, str, str]:
    split = urlsplit(url)
    query = parse_qs(split.query)
    return split.path.rsplit("/", 1)[1], query["exp"][0], query["sig"][0]


def test_a_link_names_the_content_hash_only_and_verifies() -> None:
    clock = Clock()
    links = MediaLinks("https://media.example.org/", SECRET, clock=clock)
    url = links.link_for(SHA, "image/png")
    assert url.startswith(f"https://media.example.org/media/{SHA}.png?exp=")
    name, exp, sig = _parts(url)
    target = links.verify(name, exp, sig)
    assert (target.sha256, target.mime) == (SHA, "image/png")
    # The default life is an hour, rounded up to the 15-minute step.
    assert 3600 <= target.expires_at - clock.now <= 3600 + 900
    assert SECRET not in url and SECRET not in repr(links)


def test_expired_forged_and_retyped_links_are_refused() -> None:
    clock = Clock()
    links = MediaLinks("https://m.example.org", SECRET, ttl_s=600, clock=clock)
    name, exp, sig = _parts(links.link_for(SHA, "image/png"))
    flipped = ("0" if sig[0] != "0" else "1") + sig[1:]
    other_secret = MediaLinks("https://m.example.org", SECRET + "x", clock=clock)
    cases = {
        "forged": (name, exp, flipped),
        "other secret": _parts(other_secret.link_for(SHA, "image/png")),
        "retyped": (name.replace(".png", ".mp4"), exp, sig),
        "later expiry": (name, str(int(exp) + 3600), sig),
    }
    for why, (n, e, s) in cases.items():
        with pytest.raises(LinkRefused) as err:
            links.verify(n, e, s)
        assert err.value.problem is LinkProblem.FORGED, why
    for bad in [("../etc/passwd", exp, sig), (name, "soon", sig), (name, exp, "abc")]:
        with pytest.raises(LinkRefused) as err:
            links.verify(*bad)
        assert err.value.problem is LinkProblem.MALFORMED
    clock.now = int(exp) + 1
    with pytest.raises(LinkRefused) as err:
        links.verify(name, exp, sig)
    assert err.value.problem is LinkProblem.EXPIRED


def test_links_are_stable_within_a_step_so_a_replay_sends_the_same_inputs() -> None:
    clock = Clock(1_800_000_001.0)  # just past a multiple of 900: the start of a step
    links = MediaLinks("https://m.example.org", SECRET, clock=clock)
    first = links.link_for(SHA, "audio/wav")
    clock.now += 899
    assert links.link_for(SHA, "audio/wav") == first
    clock.now += 2
    assert links.link_for(SHA, "audio/wav") != first


def test_no_weak_secret_no_odd_base_url_no_unknown_type() -> None:
    with pytest.raises(ValueError, match="16"):
        MediaLinks("https://m.example.org", "short")
    with pytest.raises(ValueError, match="http"):
        MediaLinks("ftp://m.example.org", SECRET)
    with pytest.raises(NotMedia):
        MediaLinks("https://m.example.org", SECRET).link_for(SHA, "text/html")


def test_the_type_is_read_from_the_bytes() -> None:
    assert sniff_mime(image_png()) == "image/png"
    assert sniff_mime(video_mp4()) == "video/mp4"
    assert sniff_mime(audio_wav()) == "audio/wav"
    assert sniff_mime(audio_mp3()) == "audio/mpeg"
    assert sniff_mime(b"<!DOCTYPE html>") is None


async def test_a_file_of_the_store_gets_a_link_and_an_outsider_does_not(tmp_path: Path) -> None:
    store = LocalMediaStore(tmp_path / "media")
    stored = await store.put_bytes(video_mp4())
    links = MediaLinks("https://m.example.org", SECRET)
    url = await links.link_for_file(await store.local_path(stored.sha256))
    assert f"/media/{stored.sha256}.mp4?" in url
    outsider = tmp_path / "take.mp4"
    outsider.write_bytes(video_mp4())
    with pytest.raises(LookupError, match="media store"):
        await links.link_for_file(outsider)
    text = await store.put_bytes(b"just words, not media")
    with pytest.raises(NotMedia):
        await links.link_for_file(await store.local_path(text.sha256))
