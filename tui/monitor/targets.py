"""The targets of a multi-sandbox run (``aepx watch``, ``aepx overview``, the console's Overview).

A target is one (profile, sandbox): every chosen profile × every sandbox (or the profile's own /
its ``sandboxes`` list). ``build_clients`` makes one :class:`PlatformClient` per target and one IMS
token (:class:`ImsAuth`) per client id + secret, shared by every client of it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from tui.core.errors import AepxError
from tui.core.profile import Profile

log = logging.getLogger("aepx.targets")


def expand_targets(profiles: Iterable[Profile], sandboxes: Sequence[str] = (), *,
                   own: Callable[[Profile], Sequence[str]] | None = None) -> list[Profile]:
    """One profile copy per (org, sandbox), in order, without repeats. ``sandboxes`` (if any) apply to every
    profile; else ``own(profile)`` (default: the profile's ``sandbox``)."""
    chosen: list[Profile] = []
    seen: set[tuple[str, str]] = set()
    for profile in profiles:
        names = sandboxes or (own(profile) if own is not None else (profile.sandbox,))
        for sandbox in names:
            one = dataclasses.replace(profile, sandbox=sandbox.strip().lower() or profile.sandbox)
            key = (one.org_id, one.sandbox)
            if key not in seen:
                seen.add(key)
                chosen.append(one)
    return chosen


async def build_clients(cfg: Any, profiles: Sequence[Profile], metrics: Any = None, printer: Any = None, *,
                        deadline: float | None = None, retry_wait_cap: float = 30.0,
                        auths: dict[tuple[str, str, str, str], Any] | None = None) -> tuple[list[Any], list[Any]]:
    """One PlatformClient per target; one IMS token (ImsAuth) per client id, shared. Returns (clients, auths).

    ``auths`` (optional, updated in place) lets later calls (a sandbox added for this run) share the
    tokens of earlier ones; the returned auths are the ones created by this call. ``metrics`` (the
    Prometheus request counter) and ``printer`` (the CLI's ``-v`` lines) read the same call records."""
    from tui.api.calllog import fan_out
    from tui.api.client import PlatformClient
    from tui.core.credentials import KeyringTokenStore, SecretSource, resolve_secret

    clients: list[Any] = []
    shared = auths if auths is not None else {}
    created: list[Any] = []
    for profile in profiles:
        resolution = await asyncio.to_thread(resolve_secret, profile, store=cfg.credentials_store)
        if resolution.secret is None:
            raise resolution.error()
        digest = hashlib.sha256(resolution.secret.reveal().encode()).hexdigest()
        key = (profile.ims_url, profile.client_id, profile.scope, digest)
        counter = metrics.request_counter_for(profile.org_id, profile.sandbox) if metrics is not None else None
        token_store = KeyringTokenStore() if resolution.source == SecretSource.KEYRING else None
        client = PlatformClient(profile, resolution.secret, token_store=token_store, on_call=fan_out(counter, printer),
                                auth=shared.get(key), deadline=deadline, retry_wait_cap=retry_wait_cap)
        if key not in shared:
            shared[key] = client.auth
            created.append(client.auth)
        clients.append(client)
    return clients, created


async def check_credentials(auths: Iterable[Any]) -> None:
    """A token per client id up front: refused credentials end the command (exit 3); an unreachable IMS
    is left to the polls."""
    for auth in auths:
        try:
            await auth.token()
        except AepxError as exc:
            if exc.exit_code == 3:
                raise
            log.info("no token yet: %s", exc)
