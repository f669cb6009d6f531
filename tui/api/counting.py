"""A transport that counts every answer (for ``aepx watch``'s ``aepx_api_requests_total``)."""

from __future__ import annotations

from collections.abc import Callable

import httpx


class CountingTransport(httpx.AsyncBaseTransport):
    """Wraps a transport; calls ``on_answer(status)`` per response and ``on_answer(None)`` per failure."""

    def __init__(self, inner: httpx.AsyncBaseTransport, on_answer: Callable[[int | None], None]) -> None:
        self._inner = inner
        self._on_answer = on_answer
        self._closed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            response = await self._inner.handle_async_request(request)
        except Exception:
            self._count(None)
            raise
        self._count(response.status_code)
        return response

    def _count(self, status: int | None) -> None:
        try:
            self._on_answer(status)
        except Exception:  # counting never fails a request
            pass

    async def aclose(self) -> None:
        if not self._closed:  # shared by the IMS and Platform clients: close the pool once
            self._closed = True
            await self._inner.aclose()
