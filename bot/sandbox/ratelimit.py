"""Optional Discord-style rate limits: per-channel message buckets and a global per-second cap.

Off by default (tests stay fast). ``Sandbox(rate_limits=RateLimits())`` turns them on with
Discord's usual figures: 5 messages per 5 s per channel, 50 requests per second per bot.
Interaction callbacks and follow-ups are exempt from the global cap, as on Discord. Answers carry
the ``X-RateLimit-*`` headers discord.py reads to pace itself; an exceeded bucket gets a 429 with
``retry_after`` (discord.py sleeps and retries), and every 429 is counted in ``.hits``.
"""

from __future__ import annotations

import collections
import re
import time
from dataclasses import dataclass, field

MESSAGE_ROUTE = re.compile(r"^/channels/(\d+)/messages$")


@dataclass
class Verdict:
    headers: dict[str, str]
    retry_after: float | None = None  # set when the request must be refused with a 429
    is_global: bool = False


@dataclass
class RateLimits:
    channel_messages: int = 5
    channel_window: float = 5.0
    global_per_second: int = 50
    hits: int = 0
    _buckets: dict[str, collections.deque[float]] = field(default_factory=dict)

    def _take(self, key: str, limit: int, window: float, now: float) -> tuple[int, float]:
        """Remaining after this request (-1 if refused) and seconds until the oldest one expires."""
        bucket = self._buckets.setdefault(key, collections.deque())
        while bucket and now - bucket[0] >= window:
            bucket.popleft()
        if len(bucket) >= limit:
            return -1, window - (now - bucket[0])
        bucket.append(now)
        return limit - len(bucket), window - (now - bucket[0])

    def check(self, method: str, path: str) -> Verdict:
        """``path`` is the route under /api/v10."""
        now = time.monotonic()
        if not path.startswith(("/interactions/", "/webhooks/")):
            left, reset = self._take("global", self.global_per_second, 1.0, now)
            if left < 0:
                self.hits += 1
                return Verdict({"X-RateLimit-Global": "true"}, round(reset, 3), True)
        match = MESSAGE_ROUTE.match(path)
        if method != "POST" or match is None:
            return Verdict({})
        channel = match.group(1)
        left, reset = self._take(
            f"messages:{channel}", self.channel_messages, self.channel_window, now
        )
        headers = {
            "X-RateLimit-Limit": str(self.channel_messages),
            "X-RateLimit-Remaining": str(max(left, 0)),
            "X-RateLimit-Reset-After": f"{max(reset, 0.0):.3f}",
            "X-RateLimit-Bucket": f"sandbox-messages-{channel}",
        }
        if left < 0:
            self.hits += 1
            headers["X-RateLimit-Scope"] = "user"
            return Verdict(headers, round(reset, 3))
        return Verdict(headers)
