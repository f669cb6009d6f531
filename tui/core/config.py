"""The TOML config file: profiles, console settings, key bindings and the pinned credentials store.

Read with ``tomllib``, strictly: unknown keys, wrong types and secret-looking keys are refused with a
:class:`ConfigError` naming the file, the dotted key and the reason. Written with ``tomli-w``
atomically (temporary file in the same directory, fsync, ``os.replace``), file 0600, directory 0700.
The config never holds a secret: those live in the keyring, the environment, or the opt-in plaintext
credentials file, which is a separate file so that a config can be attached to a bug report.

One module because reading and writing share one schema: each table's reader and writer sit in the same
file so that a new key is added to both at once.
"""

from __future__ import annotations

import math
import os
import re
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from tui.core.errors import ConfigError
from tui.core.paths import atomic_write, config_dir
from tui.core.profile import (
    DEFAULT_IMS_URL,
    DEFAULT_PLATFORM_URL,
    DEFAULT_REQUEST_TIMEOUT,
    DEFAULT_SCOPES,
    NAME_CHARACTERS,
    REQUIRED_FIELDS,
    Profile,
    is_http_url,
    is_profile_name,
)
from tui.core.sandboxes import CONFIRM_MODES, CONFIRM_TYPE_NAME
from tui.core.sanitise import is_clean, sanitise

CONFIG_ENV = "AEPX_CONFIG"
DEFAULT_PAGE_SIZE = 100
DEFAULT_REFRESH = 5.0
DEFAULT_THEME = "textual-dark"
DEFAULT_STUCK_FACTOR = 3.0
DEFAULT_MAX_EVENT_AGE_DAYS = 90
CREDENTIAL_STORES = ("keyring", "file", "prompt")

#: Keys that must never appear in the config file (they would hold a secret).
SECRET_KEYS = frozenset(
    {"client_secret", "clientsecret", "access_token", "refresh_token", "token", "password", "secret",
     "api_secret"}
)

_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


@dataclass
class ConsoleSettings:
    page_size: int = DEFAULT_PAGE_SIZE
    refresh_seconds: float = DEFAULT_REFRESH
    bell: bool = False
    theme: str = DEFAULT_THEME
    stuck_factor: float = DEFAULT_STUCK_FACTOR
    #: ``"utc"`` (default) or ``"local"``: the time zone of Pulse's and ``history stats``' days and times.
    timezone: str = "utc"
    #: Copied from ``[output] download_dir`` (the Output screen's ``d``); not written to ``[console]``.
    download_dir: str | None = None


@dataclass
class LaunchSettings:
    #: The preflight warns when eventList.filter.fromIngestTimestamp is older than this many days.
    max_event_age_days: int = DEFAULT_MAX_EVENT_AGE_DAYS


@dataclass
class HistorySettings:
    """``[history]``: the local job history (tui.monitor.history). ``path`` None: the platform data dir."""

    enabled: bool = True
    path: Path | None = None


@dataclass
class WatchSettings:
    """``[watch]``: the rules and outputs of ``aepx watch``. A rule whose value is 0 (or false) is off."""

    failed: bool = True
    succeeded: bool = False
    max_queue_minutes: float = 30.0
    stuck_factor: float = DEFAULT_STUCK_FACTOR
    max_runtime_minutes: float = 0.0
    api_down_minutes: float = 10.0
    lookback_minutes: float = 60.0
    refresh_seconds: float = 15.0
    concurrency: int = 4
    webhooks: tuple[str, ...] = ()
    webhook_retry_minutes: float = 60.0
    notify: bool = False
    metrics_listen: str | None = None
    metrics_textfile: Path | None = None


@dataclass
class OverviewSettings:
    """``[overview]``: how many targets the Overview (console and ``aepx overview``) polls at once."""

    max_parallel: int = 4


@dataclass
class SafetySettings:
    """``[safety]``: ``confirm_production`` = ``"type-name"`` (type the sandbox name to cancel or launch in a
    production sandbox) or ``"yes"`` (the plain y/n confirmation everywhere)."""

    confirm_production: str = CONFIRM_TYPE_NAME


@dataclass
class Config:
    path: Path
    default_profile: str | None = None
    profiles: dict[str, Profile] = field(default_factory=dict)
    console: ConsoleSettings = field(default_factory=ConsoleSettings)
    launch: LaunchSettings = field(default_factory=LaunchSettings)
    keymap: dict[str, str] = field(default_factory=dict)
    credentials_store: str | None = None
    history: HistorySettings = field(default_factory=HistorySettings)
    #: ``[output] download_dir``: where downloads go (each batch in its own folder); None = ~/Downloads/aepx.
    download_dir: str | None = None
    watch: WatchSettings = field(default_factory=WatchSettings)
    overview: OverviewSettings = field(default_factory=OverviewSettings)
    safety: SafetySettings = field(default_factory=SafetySettings)
    #: Whether the file existed when it was loaded.
    exists: bool = False
    #: Non-fatal findings (a group/world readable file), each with its fix.
    warnings: list[str] = field(default_factory=list)

    def profile(self, name: str | None = None) -> Profile:
        """The named profile, else the default one, else the only one."""
        wanted = name or self.default_profile
        if wanted is None and len(self.profiles) == 1:
            return next(iter(self.profiles.values()))
        if wanted is None:
            raise ConfigError(self._no_profile_message())
        try:
            return self.profiles[wanted]
        except KeyError:
            raise ConfigError(
                f"Profile {wanted!r} is not defined in {self.path}; {self._available()}."
            ) from None

    def _available(self) -> str:
        if not self.profiles:
            return "no profile is defined yet: run `aepx config init` to create one"
        return "available profiles: " + ", ".join(sorted(self.profiles))

    def _no_profile_message(self) -> str:
        if not self.profiles:
            where = f"{self.path} does not exist" if not self.exists else f"{self.path} defines none"
            return f"No profile is configured ({where}); run `aepx config init` to create one."
        return (f"No profile chosen and {self.path} sets no default_profile; pass --profile NAME "
                f"or set default_profile ({self._available()}).")


# --- location ------------------------------------------------------------------------------------
def config_path(explicit: str | Path | None = None) -> Path:
    """``explicit`` (``--config``), else ``$AEPX_CONFIG``, else the user config dir's config.toml."""
    if explicit is not None and str(explicit) != "":
        return Path(explicit).expanduser()
    from_env = os.environ.get(CONFIG_ENV, "").strip()
    if from_env:
        return Path(from_env).expanduser()
    return config_dir() / "config.toml"


# --- loading -------------------------------------------------------------------------------------
def load_config(path: Path | None = None) -> Config:
    """Load and validate the config; a missing file gives an empty config with ``exists=False``."""
    path = config_path(path)
    try:
        raw_bytes = path.read_bytes()
    except FileNotFoundError:
        return Config(path=path)
    except IsADirectoryError:
        raise ConfigError(f"Config path {path} is a directory; point --config at a file.") from None
    except OSError as exc:
        raise ConfigError(f"Cannot read config file {path}: {exc.strerror or exc}.") from None
    data = _parse_toml(path, raw_bytes)
    config = _build_config(path, data)
    config.exists = True
    config.warnings.extend(_permission_warnings(path))
    return config


def _parse_toml(path: Path, raw: bytes) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")  # a BOM (Windows editors) is accepted
    except UnicodeDecodeError as exc:
        raise ConfigError(f"Config file {path} is not UTF-8 text (byte {exc.start}); "
                          f"save it as UTF-8.") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        reason = str(exc)
        match = _TOML_POSITION.search(reason)
        where = f" at line {match.group(1)}, column {match.group(2)}" if match else ""
        reason = _TOML_POSITION.sub("", reason).strip().rstrip(".")
        raise ConfigError(
            f"Config file {path} is not valid TOML{where}: {reason}; fix that line "
            f"(see config.example.toml for the format)."
        ) from None


class _Reader:
    """Typed accessors that raise ConfigError naming the file, the dotted key and the reason."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, key: str, reason: str) -> ConfigError:
        # A quoted key may hold anything (an ESC sequence, a bidi override): shown inert, bounded.
        return ConfigError(f"Config file {self.path}: {sanitise(key, limit=120)} {reason}.")

    def table(self, value: Any, key: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(key, f"must be a table ([{key}]), not {_type_name(value)}")
        return value

    def only(self, table: Mapping[str, Any], prefix: str, allowed: tuple[str, ...]) -> None:
        for name in table:
            if name not in allowed:
                key = f"{prefix}.{name}" if prefix else name
                raise self.fail(key, "is not a known key (known: " + ", ".join(allowed) + ")")

    def string(self, value: Any, key: str, *, non_empty: bool = True) -> str:
        if not isinstance(value, str):
            raise self.fail(key, f"must be a string, not {_type_name(value)}")
        if non_empty and not value.strip():
            raise self.fail(key, "must not be empty")
        if not is_clean(value.strip()):
            raise self.fail(key, "must not contain control or bidi characters (a value sent in a URL or header "
                                 "would be refused, or would mislead on screen)")
        return value.strip()

    def boolean(self, value: Any, key: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(key, f"must be true or false, not {_type_name(value)}")
        return value

    def integer(self, value: Any, key: str, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, f"must be an integer, not {_type_name(value)}")
        if not low <= value <= high:
            raise self.fail(key, f"must be between {low} and {high}, not {value}")
        return value

    def number(self, value: Any, key: str, low: float, high: float) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(key, f"must be a number, not {_type_name(value)}")
        number = float(value)
        if math.isnan(number) or not low <= number <= high:
            raise self.fail(key, f"must be between {low:g} and {high:g}, not {value}")
        return number

    def url(self, value: Any, key: str) -> str:
        text = self.string(value, key)
        # The value is never echoed: a secret pasted into the wrong line must not reach a screen.
        if not is_clean(text) or any(c.isspace() for c in text):
            raise self.fail(key, "must be a URL without spaces or control characters (the value is not shown: "
                                 "it may be a secret pasted into the wrong line)")
        if not is_http_url(text):
            raise self.fail(key, f"must be an http(s) URL such as {DEFAULT_PLATFORM_URL}; the value given "
                                 f"({len(text)} characters) is not one and is not shown, as it may be a secret")
        return text.rstrip("/")

    def scopes(self, value: Any, key: str) -> tuple[str, ...]:
        if isinstance(value, str):
            items = [part.strip() for part in value.split(",")]
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if not isinstance(item, str):
                    raise self.fail(f"{key}[{index}]", f"must be a string, not {_type_name(item)}")
            items = [item.strip() for item in value]
        else:
            raise self.fail(key, f"must be a list of strings or a comma-separated string, "
                                 f"not {_type_name(value)}")
        scopes = tuple(item for item in items if item)
        if not scopes:
            raise self.fail(key, "must name at least one scope")
        return scopes


_TOP_KEYS = ("default_profile", "console", "launch", "keymap", "credentials", "output", "profiles", "history",
             "watch", "overview", "safety")
_LAUNCH_KEYS = ("max_event_age_days",)
_WATCH_NUMBERS = {  # key → (low, high); 0 turns a rule off where the low bound allows it
    "max_queue_minutes": (0.0, 100_000.0), "stuck_factor": (0.0, 100.0), "max_runtime_minutes": (0.0, 100_000.0),
    "api_down_minutes": (0.0, 100_000.0), "lookback_minutes": (0.0, 100_000.0), "refresh_seconds": (1.0, 3600.0),
    "webhook_retry_minutes": (0.0, 10_080.0)}
_WATCH_KEYS = ("failed", "succeeded", *_WATCH_NUMBERS, "concurrency", "webhooks", "notify", "metrics_listen",
               "metrics_textfile")
_CONSOLE_KEYS = ("page_size", "refresh_seconds", "bell", "theme", "stuck_factor", "timezone")
_PROFILE_KEYS = ("platform_url", "ims_url", "org_id", "client_id", "sandbox", "sandboxes", "scopes", "emulator",
                 "request_timeout")


def _build_config(path: Path, data: dict[str, Any]) -> Config:
    reader = _Reader(path)
    _refuse_secret_keys(path, data, "")
    reader.only(data, "", _TOP_KEYS)
    config = Config(path=path)
    if "default_profile" in data:
        config.default_profile = reader.string(data["default_profile"], "default_profile")
    if "console" in data:
        config.console = _read_console(reader, reader.table(data["console"], "console"))
    if "launch" in data:
        table = reader.table(data["launch"], "launch")
        reader.only(table, "launch", _LAUNCH_KEYS)
        if "max_event_age_days" in table:
            config.launch.max_event_age_days = reader.integer(table["max_event_age_days"],
                                                              "launch.max_event_age_days", 1, 36_500)
    if "keymap" in data:
        config.keymap = _read_keymap(reader, reader.table(data["keymap"], "keymap"))
    if "credentials" in data:
        config.credentials_store = _read_credentials(reader, reader.table(data["credentials"], "credentials"))
    if "history" in data:
        config.history = _read_history(reader, reader.table(data["history"], "history"))
    if "output" in data:
        output = reader.table(data["output"], "output")
        reader.only(output, "output", ("download_dir",))
        if "download_dir" in output:
            config.download_dir = reader.string(output["download_dir"], "output.download_dir")
            config.console.download_dir = config.download_dir
    if "watch" in data:
        config.watch = _read_watch(reader, reader.table(data["watch"], "watch"))
        literal = [i for i, url in enumerate(config.watch.webhooks) if not url.startswith("env:")]
        if literal:
            config.warnings.append(
                f"Config file {path}: watch.webhooks[{literal[0]}] is a literal URL; webhook URLs usually carry a "
                "token, which does not belong in the config: export it and write \"env:NAME\" instead.")
    if "overview" in data:
        table = reader.table(data["overview"], "overview")
        reader.only(table, "overview", ("max_parallel",))
        if "max_parallel" in table:
            config.overview.max_parallel = reader.integer(table["max_parallel"], "overview.max_parallel", 1, 64)
    if "safety" in data:
        table = reader.table(data["safety"], "safety")
        reader.only(table, "safety", ("confirm_production",))
        if "confirm_production" in table:
            mode = reader.string(table["confirm_production"], "safety.confirm_production")
            if mode not in CONFIRM_MODES:
                raise reader.fail("safety.confirm_production", f'must be "type-name" or "yes", not {mode!r}')
            config.safety.confirm_production = mode
    if "profiles" in data:
        for name, table in reader.table(data["profiles"], "profiles").items():
            config.profiles[name] = _read_profile(reader, name, table)
    if config.default_profile is not None and config.default_profile not in config.profiles:
        known = ", ".join(sorted(config.profiles)) or "none"
        raise reader.fail("default_profile", f"names {config.default_profile!r}, which has no "
                                             f"[profiles.{config.default_profile}] table (defined: {known})")
    return config


def _read_console(reader: _Reader, table: dict[str, Any]) -> ConsoleSettings:
    reader.only(table, "console", _CONSOLE_KEYS)
    settings = ConsoleSettings()
    if "page_size" in table:
        settings.page_size = reader.integer(table["page_size"], "console.page_size", 1, 1000)
    if "refresh_seconds" in table:
        settings.refresh_seconds = reader.number(table["refresh_seconds"], "console.refresh_seconds", 0.5, 3600)
    if "bell" in table:
        settings.bell = reader.boolean(table["bell"], "console.bell")
    if "theme" in table:
        settings.theme = reader.string(table["theme"], "console.theme")
    if "stuck_factor" in table:
        settings.stuck_factor = reader.number(table["stuck_factor"], "console.stuck_factor", 1.0, 100.0)
    if "timezone" in table:
        zone = reader.string(table["timezone"], "console.timezone").strip().lower()
        if zone not in ("utc", "local"):
            raise reader.fail("console.timezone", f'must be "utc" or "local", not {zone!r}')
        settings.timezone = zone
    return settings


def _read_history(reader: _Reader, table: dict[str, Any]) -> HistorySettings:
    reader.only(table, "history", ("enabled", "path"))
    settings = HistorySettings()
    if "enabled" in table:
        settings.enabled = reader.boolean(table["enabled"], "history.enabled")
    if "path" in table:
        settings.path = Path(reader.string(table["path"], "history.path")).expanduser()
    return settings


def _read_watch(reader: _Reader, table: dict[str, Any]) -> WatchSettings:
    reader.only(table, "watch", _WATCH_KEYS)
    settings = WatchSettings()
    for name in ("failed", "succeeded", "notify"):
        if name in table:
            setattr(settings, name, reader.boolean(table[name], f"watch.{name}"))
    for name, (low, high) in _WATCH_NUMBERS.items():
        if name in table:
            setattr(settings, name, reader.number(table[name], f"watch.{name}", low, high))
    if 0 < settings.stuck_factor < 1:
        raise reader.fail("watch.stuck_factor", f"must be 0 (off) or at least 1, not {settings.stuck_factor:g}")
    if "concurrency" in table:
        settings.concurrency = reader.integer(table["concurrency"], "watch.concurrency", 1, 64)
    if "webhooks" in table:
        value = table["webhooks"]
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list):
            raise reader.fail("watch.webhooks", f"must be a list of http(s) URLs, not {_type_name(value)}")
        urls = []
        for index, item in enumerate(items):
            key = f"watch.webhooks[{index}]"
            text = reader.string(item, key)
            if not re.match(r"^(https?://[^\s/]+\S*|env:[A-Za-z_][A-Za-z0-9_]*)$", text):
                raise reader.fail(key, "must be an http(s) URL, or env:NAME to read it from the environment")
            urls.append(text)
        settings.webhooks = tuple(urls)
    if "metrics_listen" in table:
        settings.metrics_listen = reader.string(table["metrics_listen"], "watch.metrics_listen")
        if not re.match(r"^(\[[0-9A-Fa-f:.]+\]|[^\s:\[\]]+):\d{1,5}$", settings.metrics_listen):
            raise reader.fail("watch.metrics_listen", f"must be HOST:PORT such as 127.0.0.1:9464, not "
                                                      f"{settings.metrics_listen!r}")
    if "metrics_textfile" in table:
        textfile = reader.string(table["metrics_textfile"], "watch.metrics_textfile")
        settings.metrics_textfile = Path(textfile).expanduser()
    return settings


_KEY_NAMES = re.compile(r"^[A-Za-z0-9_+\-]{1,40}(\s*,\s*[A-Za-z0-9_+\-]{1,40})*$")
_SECRET_SHAPES = re.compile(r"^(p8e-|eyJ)|[A-Za-z0-9]{24,}")


def _read_keymap(reader: _Reader, table: dict[str, Any]) -> dict[str, str]:
    keymap: dict[str, str] = {}
    for binding, value in table.items():
        key = f"keymap.{binding}"
        keys = reader.string(value, key)
        if _SECRET_SHAPES.search(keys):  # checked first, and the value never echoed
            raise reader.fail(key, "looks like a secret, and secrets do not belong in the config; remove that "
                                   "line (the value is not shown) and store the secret with `aepx login`")
        if not _KEY_NAMES.match(keys):
            raise reader.fail(key, "must be key names separated by commas, such as \"ctrl+x,f5\" (the value is "
                                   "not shown)")
        keymap[binding] = keys
    return keymap


def _read_credentials(reader: _Reader, table: dict[str, Any]) -> str | None:
    reader.only(table, "credentials", ("store",))
    if "store" not in table:
        return None
    store = reader.string(table["store"], "credentials.store")
    if store not in CREDENTIAL_STORES:
        raise reader.fail("credentials.store", f"must be one of {', '.join(CREDENTIAL_STORES)}, not {store!r}")
    return store


def _read_profile(reader: _Reader, name: str, value: Any) -> Profile:
    prefix = f"profiles.{name}"
    if not is_profile_name(name):
        raise reader.fail(prefix, f"has an invalid name (use {NAME_CHARACTERS})")
    table = reader.table(value, prefix)
    reader.only(table, prefix, _PROFILE_KEYS)
    for required, _label in REQUIRED_FIELDS:
        if required not in table:
            raise reader.fail(f"{prefix}.{required}", "is required")
    sandboxes: tuple[str, ...] = ()
    if "sandboxes" in table:
        value = table["sandboxes"]
        if not isinstance(value, list) or not value:
            raise reader.fail(f"{prefix}.sandboxes", f"must be a non-empty list of sandbox names, not "
                                                     f"{_type_name(value)}")
        sandboxes = tuple(dict.fromkeys(reader.string(item, f"{prefix}.sandboxes[{i}]").strip().lower()
                                        for i, item in enumerate(value)))
    return Profile(
        name=name,
        sandboxes=sandboxes,
        org_id=reader.string(table["org_id"], f"{prefix}.org_id"),
        client_id=reader.string(table["client_id"], f"{prefix}.client_id"),
        sandbox=reader.string(table.get("sandbox", "prod"), f"{prefix}.sandbox"),
        platform_url=reader.url(table.get("platform_url", DEFAULT_PLATFORM_URL), f"{prefix}.platform_url"),
        ims_url=reader.url(table.get("ims_url", DEFAULT_IMS_URL), f"{prefix}.ims_url"),
        scopes=reader.scopes(table["scopes"], f"{prefix}.scopes") if "scopes" in table else DEFAULT_SCOPES,
        is_emulator=reader.boolean(table.get("emulator", False), f"{prefix}.emulator"),
        request_timeout=reader.number(table.get("request_timeout", DEFAULT_REQUEST_TIMEOUT),
                                      f"{prefix}.request_timeout", 1, 600),
    )


def _refuse_secret_keys(path: Path, data: Mapping[str, Any], prefix: str) -> None:
    for name, value in data.items():
        key = f"{prefix}.{name}" if prefix else name
        if is_secret_key(name):
            raise ConfigError(
                f"Config file {path}: {key} looks like a secret, and secrets do not belong in the config; "
                f"remove that line and store the secret with `aepx login` (keyring) or set "
                f"AEPX_CLIENT_SECRET."
            )
        if isinstance(value, Mapping):
            _refuse_secret_keys(path, value, key)


def is_secret_key(name: str) -> bool:
    return name.strip().lower().replace("-", "_") in SECRET_KEYS


def _permission_warnings(path: Path) -> list[str]:
    try:
        info = path.stat()
    except OSError:
        return []
    warnings = []
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        warnings.append(f"Config file {path} is readable by other users (mode {mode:04o}); "
                        f"fix it with: chmod 600 {path}")
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        warnings.append(f"Config file {path} is owned by another user (uid {info.st_uid}); "
                        f"make it yours with: chown {os.getuid()} {path}")
    return warnings


def _type_name(value: Any) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
             list: "a list", dict: "a table"}
    return names.get(type(value), f"a {type(value).__name__}")


# --- saving --------------------------------------------------------------------------------------
def save_config(config: Config) -> None:
    """Write ``config`` to ``config.path`` atomically (0600 file, 0700 directory)."""
    data = config_to_dict(config)
    payload = tomli_w.dumps(data).encode("utf-8")
    atomic_write(config.path, payload)


def write_profile(path: Path | None, profile: Profile, *, make_default: bool) -> None:
    """Add or replace one profile in the config file, keeping everything else.

    The profile also becomes the default when ``make_default`` is true or no default is set yet.
    """
    config = load_config(path)
    config.profiles[profile.name] = profile
    if make_default or config.default_profile is None:
        config.default_profile = profile.name
    save_config(config)


def pin_credentials_store(path: Path | None, store: str) -> bool:
    """Set ``[credentials] store`` in the config file (keeping everything else); False if already set."""
    config = load_config(path)
    if config.credentials_store == store:
        return False
    config.credentials_store = store
    save_config(config)
    return True


def config_to_dict(config: Config) -> dict[str, Any]:
    """The TOML document for ``config``: defaults in ``[console]`` omitted, ``None`` dropped."""
    data: dict[str, Any] = {"default_profile": config.default_profile}
    console = {name: value for name, value in _console_dict(config.console).items()
               if value != getattr(ConsoleSettings(), name)}
    if console:
        data["console"] = console
    if config.launch != LaunchSettings():
        data["launch"] = {"max_event_age_days": config.launch.max_event_age_days}
    if config.keymap:
        data["keymap"] = dict(config.keymap)
    if config.credentials_store is not None:
        data["credentials"] = {"store": config.credentials_store}
    history = {"enabled": None if config.history.enabled else False,
               "path": str(config.history.path) if config.history.path is not None else None}
    if any(v is not None for v in history.values()):
        data["history"] = {k: v for k, v in history.items() if v is not None}
    if config.download_dir is not None:
        data["output"] = {"download_dir": config.download_dir}
    watch_defaults = _watch_dict(WatchSettings())
    watch = {name: value for name, value in _watch_dict(config.watch).items() if value != watch_defaults[name]}
    if watch:
        data["watch"] = watch
    if config.overview != OverviewSettings():
        data["overview"] = {"max_parallel": config.overview.max_parallel}
    if config.safety != SafetySettings():
        data["safety"] = {"confirm_production": config.safety.confirm_production}
    if config.profiles:
        data["profiles"] = {name: _profile_dict(profile) for name, profile in config.profiles.items()}
    return _clean(data, "")


def _console_dict(settings: ConsoleSettings) -> dict[str, Any]:
    return {"page_size": settings.page_size, "refresh_seconds": settings.refresh_seconds,
            "bell": settings.bell, "theme": settings.theme, "stuck_factor": settings.stuck_factor,
            "timezone": settings.timezone}


def _watch_dict(settings: WatchSettings) -> dict[str, Any]:
    data = {name: getattr(settings, name) for name in _WATCH_KEYS}
    data["webhooks"] = list(settings.webhooks)
    return data


def _profile_dict(profile: Profile) -> dict[str, Any]:
    table: dict[str, Any] = {
        "platform_url": profile.platform_url,
        "ims_url": profile.ims_url,
        "org_id": profile.org_id,
        "client_id": profile.client_id,
        "sandbox": profile.sandbox,
        "sandboxes": list(profile.sandboxes) if profile.sandboxes else None,
        "scopes": list(profile.scopes),
    }
    if profile.is_emulator:
        table["emulator"] = True
    if profile.request_timeout != DEFAULT_REQUEST_TIMEOUT:
        table["request_timeout"] = profile.request_timeout
    return table


def _clean(value: Any, key: str) -> Any:
    """Drop ``None``, turn tuples into lists and paths into strings, refuse secret-looking keys."""
    if isinstance(value, Mapping):
        cleaned = {}
        for name, item in value.items():
            dotted = f"{key}.{name}" if key else str(name)
            if not isinstance(name, str):
                raise TypeError(f"config key {dotted} is not a string")
            if is_secret_key(name):
                raise ValueError(f"refusing to write {dotted}: secrets never go into the config file")
            if item is not None:
                cleaned[name] = _clean(item, dotted)
        return cleaned
    if isinstance(value, list | tuple):
        return [_clean(item, key) for item in value if item is not None]
    if isinstance(value, Path):
        return str(value)
    return value
