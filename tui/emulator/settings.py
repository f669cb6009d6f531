"""Emulator settings, the ``--latency-ms`` parser and the ready-to-paste config profile."""

from __future__ import annotations

from dataclasses import dataclass

from tui.core.profile import DEFAULT_SCOPES

DEFAULT_CLIENT_SECRET = "emulator-secret"


@dataclass
class EmulatorSettings:
    host: str = "127.0.0.1"
    port: int = 8085
    speed: float = 1.0
    seed: int = 0
    jobs: int = 250
    client_id: str = "aepx-emulator"
    client_secret: str = DEFAULT_CLIENT_SECRET
    org: str = "EMULATOR0000000000000000@AdobeOrg"
    sandbox: str = "prod"
    cancel_response: int = 204
    fault_rate_429: float = 0.0
    fault_rate_5xx: float = 0.0
    latency_ms: tuple[int, int] = (0, 0)
    token_ttl: int = 86399
    batch_rows: int = 20_000  # rows per export batch (split over 2-5 Parquet part files)
    fault_rate_cut: float = 0.0  # share of file downloads cut mid-body
    truncated_share: float = 0.0  # share of batches whose last part file is truncated (not valid Parquet)
    link_origin: str = ""  # origin of absolute Data Access links ("" = the request's own origin)
    cache_dir: str | None = None  # where generated part files go (None = a temporary directory)

    def __repr__(self) -> str:  # never show the secret
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__dataclass_fields__
                           if name != "client_secret")
        return f"EmulatorSettings({fields}, client_secret=***)"

    def __post_init__(self) -> None:
        if self.speed <= 0:
            raise ValueError("speed must be greater than 0")
        if self.jobs < 0:
            raise ValueError("jobs must be 0 or more")
        if self.cancel_response not in (200, 204):
            raise ValueError("cancel_response must be 204 or 200")
        if self.batch_rows < 0:
            raise ValueError("batch_rows must be 0 or more")
        for name in ("fault_rate_429", "fault_rate_5xx", "fault_rate_cut", "truncated_share"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        if self.fault_rate_429 + self.fault_rate_5xx > 1.0:
            raise ValueError("fault_rate_429 + fault_rate_5xx must not exceed 1")
        low, high = self.latency_ms
        if low < 0 or high < low:
            raise ValueError("latency_ms must be (min, max) with 0 <= min <= max")
        if self.token_ttl < 1:
            raise ValueError("token_ttl must be at least 1 second")
        if not 0 <= self.port <= 65535:
            raise ValueError("port must be between 0 and 65535")


def parse_latency(text: str) -> tuple[int, int]:
    """``"0"`` or ``"250"`` (fixed) or ``"MIN-MAX"`` in milliseconds → ``(min, max)``."""
    raw = text.strip()
    parts = raw.split("-") if "-" in raw else [raw, raw]
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        raise ValueError(f"latency must be a number of milliseconds or MIN-MAX (got {text!r})")
    low, high = int(parts[0]), int(parts[1])
    if high < low:
        raise ValueError(f"latency range must be MIN-MAX with MIN <= MAX (got {text!r})")
    return low, high


def _toml_str(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def profile_toml(base_url: str, settings: EmulatorSettings) -> str:
    """A ``[profiles.emulator]`` block to paste into the aepx config. Never contains the secret."""
    scopes = ", ".join(_toml_str(s) for s in DEFAULT_SCOPES)
    secret_hint = (DEFAULT_CLIENT_SECRET if settings.client_secret == DEFAULT_CLIENT_SECRET
                   else "<the --client-secret you chose>")
    return "\n".join([
        "# Paste into your aepx config; give the secret through the environment",
        f"# (AEPX_CLIENT_SECRET={secret_hint}) or store it with `aepx login`.",
        "[profiles.emulator]",
        f"platform_url = {_toml_str(base_url)}",
        f"ims_url = {_toml_str(base_url)}",
        f"org_id = {_toml_str(settings.org)}",
        f"client_id = {_toml_str(settings.client_id)}",
        f"sandbox = {_toml_str(settings.sandbox)}",
        f"scopes = [{scopes}]",
        "",
    ])
