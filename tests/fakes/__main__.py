"""Run fake providers by hand so the bot can be tried with no keys and no network.

    python -m tests.fakes luma --port 8101
    python -m tests.fakes all --port 8100      # every provider, on 8100, 8101, ...

Prints the DAILIES_* variables that point the real adapters at the fakes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from tests.fakes import FAKES, fake_class
from tests.fakes.base import FakeProvider


async def serve(names: list[str], host: str, port: int, key: str, steps: int) -> None:
    fakes: list[FakeProvider] = []
    for offset, name in enumerate(names):
        fake = fake_class(name)(api_key=key, host=host, port=port + offset if port else 0)
        fake.steps = steps
        await fake.start()
        fakes.append(fake)
        env = f"DAILIES_PROVIDERS__{name.upper()}"
        print(f"{name:<11} {fake.base_url}")
        print(f"  export {env}__BASE_URL={fake.base_url} {env}__API_KEY={key}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        for fake in fakes:
            await fake.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tests.fakes",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("name", choices=[*FAKES, "all"])
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--key", default="fake-key", help="the API key the fake accepts")
    parser.add_argument(
        "--steps",
        type=int,
        default=3,
        help="status polls answered 'still working' before a job finishes",
    )
    args = parser.parse_args()
    names = list(FAKES) if args.name == "all" else [args.name]
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(names, args.host, args.port, args.key, args.steps))


if __name__ == "__main__":
    main()
