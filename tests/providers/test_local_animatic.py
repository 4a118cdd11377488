"""local-animatic: a real, probed house-format take per seed, from a JSON handle, no key."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from PIL import Image

from pipeline.media import detect_freeze
from pipeline.media.probe import probe
from pipeline.providers.base import (
    Capability,
    GenRequest,
    Provider,
    ProviderState,
    Refused,
)
from pipeline.providers.local import LocalAnimatic
from pipeline.providers.local.animatic import STATIC_FLICKER_PERIOD_S, choose_camera
from tests.media.helpers import (
    count_pixels_near,
    file_bytes,
    file_exists,
    frame_at,
    image_hash,
    mean_abs_diff,
    remove,
)

W, H, FPS = 320, 180, 24
MAGENTA = (255, 0, 255)


def shot(seed: int = 1, **options: object) -> GenRequest:
    return GenRequest(
        capability=Capability.TEXT_TO_VIDEO,
        prompt="Wide shot. Mara climbs the lighthouse stairs at dusk, wind in her coat.",
        duration_s=1.5,
        width=W,
        height=H,
        fps=FPS,
        seed=seed,
        options=dict(options),
    )


@pytest.fixture
def animatic(tmp_path: Path) -> LocalAnimatic:
    return LocalAnimatic(work_dir=tmp_path / "renders")


async def render(provider: LocalAnimatic, request: GenRequest, key: str) -> Path:
    result = await provider.submit(request, key)
    assert result.immediate is not None and result.immediate.state == ProviderState.SUCCEEDED
    (url,) = result.immediate.output_urls
    data = b"".join([chunk async for chunk in provider.fetch(url)])
    path = Path(result.handle["output"])
    assert data == file_bytes(path), "fetch yields the produced file"
    return path


async def test_it_is_a_free_keyless_provider(animatic: LocalAnimatic) -> None:
    assert isinstance(animatic, Provider)
    assert animatic.name == "local-animatic" and not animatic.needs_key
    assert {Capability.TEXT_TO_VIDEO, Capability.IMAGE_TO_VIDEO} <= animatic.capabilities
    assert animatic.price(shot()) == 0


async def test_a_take_is_house_format_and_exactly_as_long_as_asked(
    animatic: LocalAnimatic,
) -> None:
    info = probe(await render(animatic, shot(), "take-1"))
    v, a = info.video, info.audio
    assert v is not None and a is not None
    assert (v.codec, v.width, v.height, v.fps, v.pix_fmt) == ("h264", W, H, FPS, "yuv420p")
    assert v.constant_rate and v.frames == 36
    assert abs(v.duration_s - 1.5) < 1 / FPS
    assert (a.codec, a.sample_rate, a.channels) == ("aac", 48000, 2)
    assert abs(a.duration_s - 1.5) < 1 / FPS


async def test_different_seeds_give_visibly_different_takes_and_a_seed_repeats(
    animatic: LocalAnimatic, tmp_path: Path
) -> None:
    frames = [frame_at(await render(animatic, shot(seed), f"s{seed}"), 18) for seed in (1, 2, 3)]
    assert len({image_hash(f) for f in frames}) == 3
    assert mean_abs_diff(frames[0], frames[1]) > 10, "a different look, not a pixel off"
    # Same request on another machine (fresh provider, fresh folder): the same picture.
    other = LocalAnimatic(work_dir=tmp_path / "elsewhere")
    again = frame_at(await render(other, shot(1), "s1-again"), 18)
    assert mean_abs_diff(again, frames[0]) < 1.0


async def test_characters_reference_pictures_appear_in_the_take(
    animatic: LocalAnimatic, tmp_path: Path
) -> None:
    ref = tmp_path / "mara.png"
    Image.new("RGB", (90, 120), MAGENTA).save(ref)
    with_ref = GenRequest(**{**shot(4).__dict__, "inputs": {"character:Mara": str(ref)}})
    picture = frame_at(await render(animatic, with_ref, "ref"), 0)
    plain = frame_at(await render(animatic, shot(4), "plain"), 0)
    assert count_pixels_near(picture, MAGENTA, 40) > 500
    assert count_pixels_near(plain, MAGENTA, 40) == 0


async def test_an_image_to_video_start_frame_is_the_set(
    animatic: LocalAnimatic, tmp_path: Path
) -> None:
    start = tmp_path / "start.png"
    Image.new("RGB", (640, 360), (0, 160, 80)).save(start)
    request = GenRequest(**{**shot(4).__dict__, "capability": Capability.IMAGE_TO_VIDEO,
                            "inputs": {"image": str(start)}})  # fmt: skip
    frame = frame_at(await render(animatic, request, "i2v"), 0)
    assert count_pixels_near(frame, (0, 160, 80), 30) > W * H // 2


async def test_the_camera_moves_as_the_shot_says(animatic: LocalAnimatic) -> None:
    """A static camera keeps its framing (the same picture when its light is back where it
    started, half a cycle later) while the light breathes, so it is never a still passed off as
    video; a push-in moves the framing."""
    still = await render(animatic, shot(5, movement="static"), "static")
    push = await render(animatic, shot(5, movement="slow push in"), "push")
    cycle = round(STATIC_FLICKER_PERIOD_S * FPS)
    half, trough = cycle // 2, cycle * 3 // 4
    assert mean_abs_diff(frame_at(still, 0), frame_at(still, half)) < 3
    assert mean_abs_diff(frame_at(still, 0), frame_at(still, trough)) > 4
    assert await detect_freeze(still, min_duration_s=0.5) == []
    assert mean_abs_diff(frame_at(push, 0), frame_at(push, half)) > 10


def test_camera_choice_follows_shot_size_and_movement_words() -> None:
    import random

    camera, size = choose_camera(shot(shot_size="close-up", movement="pan left"), random.Random(0))
    assert (camera.move, size, camera.zoom) == ("pan_left", "close", 1.35)
    camera, size = choose_camera(shot(movement="dolly out"), random.Random(0))
    assert camera.move == "pull_out" and size == "wide"  # "Wide shot." in the prompt


async def test_the_handle_is_json_and_a_lost_render_is_made_again(
    animatic: LocalAnimatic, tmp_path: Path
) -> None:
    result = await animatic.submit(shot(6), "crash")
    handle = json.loads(json.dumps(result.handle))
    first = Path(handle["output"])
    original = frame_at(first, 10)
    remove(first)  # the worker crashed; the file was in a temp folder that is gone
    restarted = LocalAnimatic(work_dir=tmp_path / "renders", submit_wait_s=0)
    state = await restarted.poll(handle)
    while state.state == ProviderState.RUNNING:
        await asyncio.sleep(0.05)  # the worker's poll interval
        state = await restarted.poll(handle)
    assert state.state == ProviderState.SUCCEEDED
    assert mean_abs_diff(frame_at(first, 10), original) < 1.0


async def test_a_lost_render_whose_inputs_are_gone_fails_once_not_forever(
    animatic: LocalAnimatic, tmp_path: Path
) -> None:
    ref = tmp_path / "gone.png"
    Image.new("RGB", (90, 120), MAGENTA).save(ref)
    request = GenRequest(**{**shot(9).__dict__, "inputs": {"character:Mara": str(ref)}})
    handle = (await animatic.submit(request, "gone")).handle
    remove(Path(handle["output"]))
    remove(ref)
    state = await LocalAnimatic(work_dir=tmp_path / "renders").poll(handle)
    assert state.state == ProviderState.FAILED and not state.retryable


async def test_submitting_twice_with_one_key_renders_once(animatic: LocalAnimatic) -> None:
    a = await animatic.submit(shot(7), "same-key")
    b = await animatic.submit(shot(7), "same-key")
    assert a.handle == b.handle
    reconciled = await animatic.reconcile("same-key", shot(7))
    assert reconciled is not None and reconciled.handle == a.handle


async def test_a_long_render_reports_progress_and_can_be_cancelled(tmp_path: Path) -> None:
    provider = LocalAnimatic(work_dir=tmp_path, submit_wait_s=0)
    request = GenRequest(**{**shot(8).__dict__, "duration_s": 30.0, "width": 640, "height": 360})
    result = await provider.submit(request, "long")
    assert result.immediate is None
    running = await provider.poll(result.handle)
    assert running.state == ProviderState.RUNNING and running.progress is not None
    await provider.cancel(result.handle)
    assert not file_exists(Path(result.handle["output"]))


async def test_a_missing_reference_picture_is_refused_before_any_work(
    animatic: LocalAnimatic,
) -> None:
    bad = GenRequest(**{**shot().__dict__, "inputs": {"character:Mara": "/nowhere/mara.png"}})
    with pytest.raises(Refused):
        await animatic.submit(bad, "bad")
