"""The whole key-less loop on media alone: take, voice, lip-sync, ingest, card, joined cut."""

from __future__ import annotations

from pathlib import Path

from pipeline.ingest import ingest_take
from pipeline.media.cards import save, title_card
from pipeline.media.cuts import concat_takes, still_to_clip
from pipeline.media.house import HouseFormat
from pipeline.media.probe import detect_black, measure_loudness, probe
from pipeline.providers.base import Capability, GenRequest, ProviderState
from pipeline.providers.local import local_providers
from storage.media import LocalMediaStore

W, H, FPS = 320, 180, 24


async def produced(provider_name: str, request: GenRequest, key: str, work: Path) -> Path:
    provider = local_providers(work)[provider_name]
    result = await provider.submit(request, key)
    assert result.immediate is not None and result.immediate.state == ProviderState.SUCCEEDED
    (url,) = result.immediate.output_urls
    out = work / f"{key}.bin"  # like the media store: no extension to guess from
    out.write_bytes(b"".join([chunk async for chunk in provider.fetch(url)]))
    return out


async def test_a_shot_goes_from_nothing_to_a_joined_cut_with_no_key(tmp_path: Path) -> None:
    store = LocalMediaStore(tmp_path / "store")
    house = HouseFormat(W, H, FPS)
    picture = await produced(
        "local-animatic",
        GenRequest(Capability.TEXT_TO_VIDEO, "Mara reaches the lamp.", duration_s=1.5, width=W,
                   height=H, fps=FPS, seed=21,
                   options={"action": "Mara atteint la lanterne.", "locale": "fr",
                            "characters": ["Mara"], "movement": "push in"}),
        "take", tmp_path,
    )  # fmt: skip
    take = await ingest_take(store, picture, width=W, height=H, fps=FPS, duration_s=1.5)
    line = await produced(
        "local-voice",
        GenRequest(Capability.VOICE, "Enfin !", options={"speaker": "Mara", "language": "fr"}),
        "line", tmp_path,
    )  # fmt: skip
    take_path = await store.local_path(take.video.sha256)
    synced = await produced(
        "local-lipsync",
        GenRequest(Capability.LIPSYNC, "", inputs={"video": str(take_path), "audio": str(line)}),
        "sync", tmp_path,
    )  # fmt: skip
    final_take = await ingest_take(store, synced, width=W, height=H, fps=FPS, duration_s=1.5)

    card = save(title_card("Épisode 1 : La lanterne", width=W, height=H, locale="fr"),
                tmp_path / "card.png")  # fmt: skip
    card_clip = tmp_path / "card.mp4"
    await still_to_clip(card, card_clip, house, duration_s=1.0)
    cut = await concat_takes(
        [card_clip, await store.local_path(final_take.video.sha256)], tmp_path / "cut.mp4"
    )

    info = probe(cut)
    assert info.video is not None and info.audio is not None
    assert info.video.frames == 24 + 36
    assert abs(info.video.duration_s - 2.5) < 1 / FPS
    assert abs(info.audio.duration_s - 2.5) < 1 / FPS
    assert not (await measure_loudness(cut)).silent, "Mara's line is in the cut"
    assert await detect_black(cut, min_duration_s=0.2) == [], "no empty picture anywhere"
