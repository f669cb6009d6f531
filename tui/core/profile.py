"""A connection profile: where to reach IMS and Platform, and as whom. Never holds a secret."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

DEFAULT_PLATFORM_URL = "https://platform.adobe.io"
DEFAULT_IMS_URL = "https://ims-na1.adobelogin.com"
DEFAULT_SCOPES = ("openid", "AdobeID", "read_organizations", "additional_info.projectedProductContext",
                  "session")
DEFAULT_REQUEST_TIMEOUT = 30.0  # seconds for one attempt: connect, headers and the whole body


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    org_id: str
    client_id: str
    sandbox: str = "prod"
    platform_url: str = DEFAULT_PLATFORM_URL
    ims_url: str = DEFAULT_IMS_URL
    scopes: tuple[str, ...] = field(default=DEFAULT_SCOPES)
    is_emulator: bool = False
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT

    @property
    def token_cache_key(self) -> str:
        """The key of this profile's cached access token: the client id and a digest of IMS URL, platform
        URL, org and client id, so a profile pointing elsewhere never receives another profile's token."""
        parts = "\n".join((self.ims_url.rstrip("/").lower(), self.platform_url.rstrip("/").lower(), self.org_id,
                           self.client_id))
        return f"{self.client_id}@{hashlib.sha256(parts.encode()).hexdigest()[:20]}"

    @property
    def scope(self) -> str:
        """Scopes as IMS takes them: one comma-separated string."""
        return ",".join(self.scopes)
