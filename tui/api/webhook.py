"""One POST of a JSON body to a webhook: the HTTP half of the monitor's alert sink.

Each attempt has a whole-response deadline and reads at most ``body_cap`` bytes of the answer;
redirects are never followed here (the sink decides which to follow). Failures to get any answer
raise :class:`WebhookUnreachable` with a short reason; retrying is the caller's business.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx


class WebhookUnreachable(Exception):
    """No HTTP answer (timeout, connection failure): ``str`` is the reason, worth retrying."""


@dataclass(frozen=True, slots=True)
class WebhookAnswer:
    status: int
    location: str  # the Location header ("" when absent)


class WebhookClient:
    """An ``httpx.AsyncClient`` for webhooks: no redirects followed, bounded in time and size."""

    def __init__(self, *, timeout: float, deadline: float, body_cap: int, user_agent: str,
                 transport: Any = None) -> None:
        self.timeout = timeout
        self.deadline = deadline
        self.body_cap = body_cap
        self._client = httpx.AsyncClient(transport=transport, timeout=httpx.Timeout(timeout),
                                         follow_redirects=False, headers={"User-Agent": user_agent})

    async def post_json(self, url: str, body: bytes) -> WebhookAnswer:
        """POST ``body`` (JSON) to ``url`` once; the answer's status and Location."""
        try:
            async with asyncio.timeout(self.deadline):
                headers = {"Content-Type": "application/json"}
                async with self._client.stream("POST", url, content=body, headers=headers) as response:
                    read = 0
                    async for chunk in response.aiter_raw():
                        read += len(chunk)
                        if read > self.body_cap:
                            break
        except TimeoutError:
            raise WebhookUnreachable(f"no answer within {self.deadline:g} s") from None
        except httpx.TimeoutException:
            raise WebhookUnreachable(f"no answer within {self.timeout:g} s") from None
        except httpx.HTTPError as exc:
            raise WebhookUnreachable(f"{type(exc).__name__}: the connection failed") from None
        return WebhookAnswer(response.status_code, response.headers.get("location", ""))

    async def aclose(self) -> None:
        await self._client.aclose()
