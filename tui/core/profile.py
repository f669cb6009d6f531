"""A connection profile: where to reach IMS and Platform, and as whom. Never holds a secret.

The rules for a profile's name, required fields and URLs live here; the config reader, the console's
setup form and ``aepx config init`` all apply them.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

DEFAULT_PLATFORM_URL = "https://platform.adobe.io"
DEFAULT_IMS_URL = "https://ims-na1.adobelogin.com"
DEFAULT_SCOPES = ("openid", "AdobeID", "read_organizations", "additional_info.projectedProductContext",
                  "session")
DEFAULT_REQUEST_TIMEOUT = 30.0  # seconds for one attempt: connect, headers and the whole body

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_HTTP_URL = re.compile(r"^https?://[^\s/]+")
#: The characters a profile name may use (it must start with a letter or digit).
NAME_CHARACTERS = "letters, digits, '.', '_' and '-'"
#: Fields a profile cannot do without (the config file may leave ``sandbox`` to its default).
REQUIRED_FIELDS = (("org_id", "IMS org id"), ("client_id", "Client id"))


def is_profile_name(name: str) -> bool:
    return bool(_NAME.match(name))


def is_http_url(text: str) -> bool:
    """An ``http://`` or ``https://`` URL with a host."""
    return bool(_HTTP_URL.match(text))


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
    #: ``sandboxes = ["prod", "dev1"]``: the sandboxes the Overview shows for this profile (default: ``sandbox``).
    sandboxes: tuple[str, ...] = ()

    @property
    def overview_sandboxes(self) -> tuple[str, ...]:
        return self.sandboxes or (self.sandbox,)

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


def check_profile(profile: Profile) -> None:
    """Raise ``ValueError`` with one sentence naming the first field that breaks a rule."""
    if not is_profile_name(profile.name):
        raise ValueError("Profile name must start with a letter or digit and use only "
                         f"{NAME_CHARACTERS}.")
    for key, label in (*REQUIRED_FIELDS, ("sandbox", "Sandbox")):
        if not getattr(profile, key).strip():
            raise ValueError(f"{label} is required.")
    for key, label in (("platform_url", "Platform URL"), ("ims_url", "IMS URL")):
        if not is_http_url(getattr(profile, key).strip()):
            raise ValueError(f"{label} must be an http(s) URL such as {DEFAULT_PLATFORM_URL}.")
