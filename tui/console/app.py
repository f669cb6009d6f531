"""``AepxApp``: the console. It owns the API client, the job list model and every worker.

What is true of the Platform (the poll schedule, followed jobs, transitions, the history) lives in
``tui.monitor.Monitor``; the app subscribes to it (``_on_monitor_event``) and keeps only the view
state (page, sort, filter, marks) in ``JobListModel``. Fetch workers call the monitor, never the API.

Workers are async ``@work(exit_on_error=False)`` in groups ``fetch`` (polls, paging, load-all; never
overlapping: a re-armed one-shot timer plus an in-flight guard), ``cancel`` and ``launch`` (never
cancelled by polling), ``switch`` (profile or sandbox). ONE handler, ``on_worker_state_changed``,
turns any worker failure into one sentence (a notification, and the header's stale state for
fetches) and re-arms the poll timer with backoff. The app never crashes on an API error.

One module because every worker, timer and app-level action meets in this class; screens, widgets and the
composition root (``tui/console/run.py``) live in their own modules.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import App
from textual.notifications import Notification, SeverityLevel
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from tui.api.calllog import CallLog
from tui.console.bindings import APP_BINDINGS, hide_mutating
from tui.console.commands import JobsCommands
from tui.console.message_log import LogEntry, MessageLog
from tui.console.messages import ModelChanged, PollStateChanged
from tui.console.screens.confirm import ConfirmScreen
from tui.console.screens.help import HelpScreen
from tui.console.screens.jobs import JobsScreen
from tui.console.state import JobListModel
from tui.console.widgets.header import HeaderState
from tui.core.cancel import cancel_many, refusal
from tui.core.config import ConsoleSettings, LaunchSettings, SafetySettings
from tui.core.errors import AuthError
from tui.core.logging import redact
from tui.core.models import Job, Page
from tui.core.protocol import JobsAPI
from tui.core.sandboxes import CONFIRM_TYPE_NAME, SandboxKind, kind_of
from tui.core.sanitise import sanitise
from tui.core.sentences import tidy
from tui.monitor import events as monitor_events
from tui.monitor.history.baselines import Baseline
from tui.monitor.monitor import ListQuery, Monitor, error_sentence
from tui.monitor.schedule import PollState

if TYPE_CHECKING:
    from tui.monitor.history.store import HistoryStore

ApiFactory = Callable[[str | None, str | None], JobsAPI]
CONSOLE_ATTEMPTS = 2  # per call: the poll itself is the retry loop
CONSOLE_DEADLINE_SECONDS = 20.0
__all__ = ["AepxApp", "FetchIntent", "error_sentence"]


@dataclass(frozen=True, slots=True)
class FetchIntent:
    """What a fetch worker does: ``poll`` (the current view), ``next``/``prev`` page, ``first``
    (reset to page 1, e.g. a new status filter) or ``all`` (every page)."""

    kind: str
    cursor: str | None = None
    select: str | None = None


def _stdin_is_tty() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (ValueError, OSError):  # closed or detached stdin: the terminal is gone
        return False


class AepxApp(App[int]):
    """The aepx console. See the module docstring for the worker design."""

    TITLE = "aepx"
    CSS_PATH = "styles/app.tcss"
    BINDINGS = APP_BINDINGS
    COMMANDS = App.COMMANDS | {JobsCommands}
    ENABLE_COMMAND_PALETTE = True

    def _fatal_error(self) -> None:
        """Textual's crash output, without frame locals and with secrets redacted.

        Textual renders ``Traceback(show_locals=True)``: a revealed token or a request's headers in any
        frame would be printed to the terminal (and its scrollback or tmux log). We print one sentence
        and a locals-free traceback passed through the redactor, and log the same to the private log.
        """
        import io
        import logging

        import rich
        from rich.console import Console
        from rich.traceback import Traceback

        from tui.core.logging import default_log_path, redact

        self.bell()
        error = sys.exc_info()[1]
        buffer = io.StringIO()
        Console(file=buffer, width=100, color_system=None).print(
            Traceback(show_locals=False, width=100, suppress=[rich]))
        details = redact(buffer.getvalue())
        logging.getLogger("aepx.console").error("unexpected error\n%s", details)
        headline = redact(f"aepx stopped after an unexpected error ({type(error).__name__}: {error}). "
                          f"Please report it with the log at {default_log_path()}.")
        self._exit_renderables.append(Text(details + "\n" + headline))
        self._close_messages_no_wait()

    def __init__(self, api: JobsAPI, *, settings: ConsoleSettings | None = None,
                 keymap: dict[str, str] | None = None, read_only: bool = False, notice: str | None = None,
                 setup_path: Path | None = None, clock: Callable[[], float] | None = None,
                 api_factory: ApiFactory | None = None, launch: LaunchSettings | None = None,
                 history: HistoryStore | None = None, history_problem: str | None = None,
                 safety: SafetySettings | None = None, overview_source: Any = None) -> None:
        super().__init__()
        if read_only:
            hide_mutating(self._bindings)
        self.overview_source = overview_source  # builds the Overview's clients (None: the current target only)
        self.safety = safety or SafetySettings()
        #: The sandbox type (Sandbox API), learned before the first page; None until then (fail closed).
        self.sandbox_kind: SandboxKind | None = None
        self._kind_noted: set[tuple[str, str]] = set()
        self.launch_settings = launch or LaunchSettings()
        self.animation_level = "none"  # over SSH every frame costs: no animation, ever
        self.api = api
        self.settings = settings or ConsoleSettings()
        self.read_only = read_only
        self.notice = notice
        self.setup_path = setup_path
        self.clock = clock or time.time
        self.api_factory = api_factory
        self.model = JobListModel(page_size=self.settings.page_size, clock=self.clock)
        self.model.flagger = self.job_flags
        self.history = history
        self._history_problem = history_problem
        self._unsubscribe: Callable[[], None] | None = None
        self.monitor = self._new_monitor(api)
        self.activity = ""
        self.message_log = MessageLog()  # every message shown (M); iterates as (severity, text)
        self.call_log = CallLog()  # every API attempt of this console (L)
        self._attach_call_log(api)
        self._toasts: dict[str, Notification] = {}  # the one toast showing per kind
        self._keymap = dict(keymap or {})
        self._timer: Timer | None = None
        self._notified_error: str | None = None
        self._quit_warned = False
        self._secret_refused = False  # the last poll failed on the credentials: the header offers E
        #: Secrets entered in F2 that the keyring could not store, by profile: used for this run only.
        self.session_secrets: dict[str, Any] = {}

    # --- start and stop ---------------------------------------------------------------------------
    def get_default_screen(self) -> Screen:
        return JobsScreen(notice=self.notice, read_only=self.read_only)

    def on_mount(self) -> None:
        if self.settings.theme in self.available_themes:
            self.theme = self.settings.theme
        else:
            self.say(f"Unknown theme {sanitise(self.settings.theme)!r} in [console] theme; using {self.theme}. "
                     f"Known themes: {', '.join(sorted(self.available_themes))}.", "warning", timeout=15)
        if self._keymap:
            from tui.console.bindings import unknown_keymap_ids

            if unknown := unknown_keymap_ids(self._keymap):
                self.say(f"Unknown key binding id{'s' if len(unknown) > 1 else ''} in [keymap]: "
                         f"{', '.join(sanitise(u) for u in unknown)} (ignored); ? lists every id.", "warning",
                         timeout=15)
            self.set_keymap(self._keymap)
        self._start_fetch(FetchIntent("first"))
        self._load_dataset_names()
        self._say_pending_launch()
        if self._history_problem:
            self.say(self._history_problem, "warning", timeout=15)
        if not self.is_headless and not self.is_web and _stdin_is_tty():
            self.set_interval(5, self._watch_tty)
            self._catch_hangup()

    def _catch_hangup(self) -> None:
        """SIGHUP (the terminal or SSH session went away) would kill aepx before the editor's debounced
        draft save: flush it first, then leave."""
        import signal

        try:
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self.hang_up)
        except (AttributeError, NotImplementedError, RuntimeError, ValueError):  # no SIGHUP here
            pass

    def hang_up(self) -> None:
        """Flush every open editor's draft now (no debounce), then exit."""
        for screen in self.screen_stack:
            flush = getattr(screen, "flush_draft", None)
            if callable(flush):
                try:
                    flush()
                except Exception:  # best effort: leaving must not fail
                    pass
        self.exit(return_code=1)

    def _say_pending_launch(self) -> None:
        """A launch whose answer never arrived (the console was killed mid-POST): say so at start."""
        from tui.core import drafts

        note = drafts.pending_launch()
        if note:
            self.say(note, "warning", timeout=20)

    async def on_unmount(self) -> None:
        try:
            await self.api.aclose()
        except Exception:  # closing is best effort at exit
            pass

    def _watch_tty(self) -> None:
        """A dropped SSH session must not leave a poller holding credentials (dolphie's watchdog)."""
        if not _stdin_is_tty():
            self.exit(return_code=1)

    # --- the monitor: what is true of the Platform ---------------------------------------------------
    def _new_monitor(self, api: JobsAPI) -> Monitor:
        if self._unsubscribe is not None:
            self._unsubscribe()
        monitor = Monitor(api, interval=self.settings.refresh_seconds, clock=self.clock, store=self.history,
                          stuck_factor=self.settings.stuck_factor)
        self._unsubscribe = monitor.subscribe(self._on_monitor_event)
        return monitor

    @property
    def poll(self) -> PollState:  # the monitor's schedule: in flight, paused, failures, stale sentence, next_at
        return self.monitor.schedule

    def _on_monitor_event(self, event: monitor_events.MonitorEvent) -> None:
        """Render what the monitor learnt. Pages are applied by the fetch that asked for them."""
        if isinstance(event, monitor_events.JobsUpdated):
            if event.source != "page":
                known = [j for j in event.jobs if j.id in self.model.jobs]
                if known:
                    self.model.merge(known)
                    self.post_model()
        elif isinstance(event, monitor_events.JobTransition):
            if event.kind in (monitor_events.SUCCEEDED, monitor_events.FAILED):
                self._announce(event.job)
        elif isinstance(event, monitor_events.HistoryProblem):
            self.say(event.sentence, "warning", timeout=15)

    def baseline_for(self, job: Job | None) -> Baseline | None:
        return self.monitor.baseline_for(job) if job is not None else None

    def job_flags(self, job: Job) -> frozenset[str]:
        """The row markers: ``stuck`` (running > stuck_factor × its baseline) and
        ``slow`` (over a history p95). A finished job is compared with the cached p95 of every stored
        run of its payload / dataset / sandbox (one query per payload a minute, not one per row)."""
        from tui.monitor.history.baselines import is_slow, is_stuck

        if not (job.is_active or job.status == "SUCCEEDED"):
            return frozenset()
        monitor = self.monitor
        if job.is_active:
            baseline = monitor.baseline_for(job)
        elif self.history is not None and self.history.enabled:
            target = monitor.target
            baseline = self.history.baseline(target.org_id, target.sandbox, monitor.fingerprint_of(job), job.dataset_id)
        else:
            return frozenset()
        now = int(self.clock() * 1000)
        flags = set()
        if is_stuck(job, baseline, self.settings.stuck_factor, now):
            flags.add("stuck")
        if is_slow(job, baseline, now):
            flags.add("slow")
        return frozenset(flags)

    # --- small helpers ----------------------------------------------------------------------------
    def say(self, message: str, severity: SeverityLevel = "information", *, timeout: float | None = None,
            job_id: str | None = None, kind: str | None = None, toast: bool = True) -> None:
        """A console message as plain text (never markup); see ``notify``."""
        self.notify(message, severity=severity, timeout=timeout, markup=False, job_id=job_id, kind=kind,
                    toast=toast)

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True, job_id: str | None = None,
               kind: str | None = None, toast: bool = True) -> None:
        """The one place every console message goes (``say``, screens' and widgets' ``notify``): kept in
        the message log (``M``, with the job id when it is about a job) and, unless ``toast`` is False,
        shown in a toast that replaces the previous toast of the same ``kind`` (default: the severity),
        so toasts never pile up. Every toast passes the one sanitiser and is plain text (``markup`` is
        accepted for Textual's signature and ignored): server strings in it are hostile."""
        markup = False
        title = sanitise(title, limit=200)
        message = tidy(redact(sanitise(message, keep_newlines=True, limit=2000)))  # no secret reaches a toast
        self.message_log.add(LogEntry(severity, message, job_id=job_id, kind=kind or ""))
        if not toast:
            return
        if threading.get_ident() != getattr(self, "_thread_id", threading.get_ident()):
            super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)
            return  # from another thread: Textual's thread-safe path (no replacement)
        key = kind or severity
        previous = self._toasts.get(key)
        notification = Notification(message, title, severity,
                                    self.NOTIFICATION_TIMEOUT if timeout is None else timeout, markup=markup)
        self._toasts[key] = notification
        # What App.notify's Notify handler does, done here at once so the replaced toast is gone in the
        # same tick (Textual 8.2's _notifications / _unnotify).
        if previous is not None and previous in self._notifications:
            self._unnotify(previous, refresh=False)
        self._notifications.add(notification)
        self._refresh_notifications()

    def _attach_call_log(self, api: Any) -> None:
        """Record this client's every attempt in the call log (a PlatformClient; test doubles may not)."""
        self._quick_retries(api)
        if hasattr(api, "on_call"):
            try:
                api.on_call = self.call_log
            except AttributeError:
                pass

    @staticmethod
    def _quick_retries(api: Any) -> None:
        """The console polls again on its own schedule (with backoff), so one call retries once at most
        and gives up within 20 s: a Platform that is down shows STALE after one poll, not after a
        minute of hidden retries under "refreshing…"."""
        policy = getattr(api, "retry", None)
        if policy is not None and hasattr(policy, "max_attempts") and hasattr(policy, "deadline"):
            policy.max_attempts = min(policy.max_attempts, CONSOLE_ATTEMPTS)
            policy.deadline = min(policy.deadline, CONSOLE_DEADLINE_SECONDS)

    def header_state(self) -> HeaderState:
        kind = self.sandbox_kind
        return HeaderState(self.api.target, self.read_only, self.poll, self.activity,
                           production=kind is not None and kind.is_production,
                           remedy=ENTER_SECRET_AGAIN if self._secret_refused and self.poll.stale else "")

    # --- production safety -----------------------------------------------------------------------------
    @property
    def is_production(self) -> bool:
        """Fail closed: production until the Sandbox API says development."""
        return self.sandbox_kind is None or self.sandbox_kind.is_production

    def confirm_name(self) -> str | None:
        """The sandbox name a cancel or launch confirmation asks to type (production), else None."""
        if self.safety.confirm_production == CONFIRM_TYPE_NAME and self.is_production:
            return self.api.target.sandbox
        return None

    async def _learn_kind(self) -> None:
        api = self.api
        learn = getattr(api, "sandbox_kind", None)
        if learn is None:
            kind = kind_of(api.target.sandbox, None, "this connection has no Sandbox API")
        else:
            try:
                kind = await learn()
            except Exception as exc:  # never fatal: fail closed
                kind = kind_of(api.target.sandbox, None, str(exc))
        if api is not self.api:
            return
        self.sandbox_kind = kind
        key = (api.target.org_id, api.target.sandbox)
        if kind.note and key not in self._kind_noted:
            self._kind_noted.add(key)
            self.say(sanitise(kind.note), "warning", timeout=12)

    @property
    def jobs_screen(self) -> JobsScreen | None:
        for screen in self.screen_stack:
            if isinstance(screen, JobsScreen):
                return screen
        return None

    def post_model(self, select: str | None = None) -> None:
        screen = self.jobs_screen
        if screen is not None:
            screen.post_message(ModelChanged(select))

    def post_poll_state(self) -> None:
        screen = self.jobs_screen
        if screen is not None:
            screen.post_message(PollStateChanged())
        if self.screen is not screen:  # the same header on every screen: keep the one shown current
            from tui.console.widgets.header import AppHeader

            for header in self.screen.query(AppHeader):
                header.pull_state()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Read-only: mutating bindings are hidden from the footer (hide_mutating) but still run, so
        # that their action says "read-only: … is disabled" instead of the key doing nothing.
        if action == "command_line" and self.screen is not self.jobs_screen:
            return None  # refused off the jobs screen: not offered by ? there
        elsewhere = self.screen is not self.jobs_screen
        if action == "cancel" and elsewhere and not getattr(self.screen, "CANCELS_JOB", False):
            return False  # nothing to cancel on this screen (Pulse, the logs, Output): not in its footer
        return True

    def refuse_read_only(self, what: str) -> bool:
        if self.read_only:
            self.say(f"Read-only mode: {what} is disabled; restart without --read-only to do it.", "warning")
        return self.read_only

    # --- fetching and polling ---------------------------------------------------------------------
    def _start_fetch(self, intent: FetchIntent) -> None:
        """Start a fetch. Polls are dropped while one runs; navigation supersedes a running fetch."""
        if intent.kind == "poll":
            if not self.poll.try_start():
                return
        else:
            self.workers.cancel_group(self, "fetch")
            self.poll.in_flight = True
        self._cancel_timer()
        self.post_poll_state()
        self._fetch(intent)

    @work(group="fetch", exit_on_error=False, description="refreshing the job list")
    async def _fetch(self, intent: FetchIntent) -> None:
        """Fetch per ``intent`` through the monitor and apply it to the model.

        A poll lists the page on screen (the newest one when every page is loaded) and the monitor
        refreshes the followed jobs beyond it; transitions come back as monitor events."""
        model = self.model
        monitor = self.monitor
        limit = model.page_size
        status = model.status_filter
        if intent.kind == "all":
            pages = await self._fetch_all(limit, status)
            model.replace_all(pages)
        elif intent.kind == "poll":
            cursor = None if model.all_loaded else model.cursor
            shown = [j.id for j in model.visible() if j.is_active] if model.all_loaded else ()
            result = await monitor.refresh(ListQuery(cursor, limit, status), prefer=shown)
            if model.all_loaded:
                model.merge(result.page.jobs, front=True)
            elif (model.cursor, model.status_filter) == (cursor, status):
                model.replace_page(result.page, cursor)
        elif intent.kind == "next":
            assert intent.cursor is not None
            page = await monitor.list_page(intent.cursor, limit=limit, status=status)
            model.page_forward(page, intent.cursor)
        elif intent.kind == "prev":
            page = await monitor.list_page(intent.cursor, limit=limit, status=status)
            model.page_back(page)
        else:  # "first"
            if self.sandbox_kind is None:
                # The sandbox type and the first page at once (one round trip less before rows show);
                # until the type is known the app treats the sandbox as production.
                learning = asyncio.create_task(self._learn_kind())  # never raises: fails closed
                try:
                    page = await monitor.list_page(None, limit=limit, status=status)
                except BaseException:
                    learning.cancel()
                    raise
                await learning
            else:
                page = await monitor.list_page(None, limit=limit, status=status)
            model.cursor_stack.clear()
            model.replace_page(page, None)
        monitor.view = ListQuery(None if model.all_loaded else model.cursor, limit, status)
        self.post_model(intent.select)

    async def _fetch_all(self, limit: int, status: str | None) -> list[Page]:
        pages: list[Page] = []
        count = 0
        try:
            async for page in self.monitor.iter_pages(limit=limit, status=status):
                pages.append(page)
                count += len(page.jobs)
                self.activity = f"loading all pages… {len(pages)} pages, {count:,} jobs"
                self.post_poll_state()
            return pages
        finally:
            self.activity = ""

    def _announce(self, job: Job) -> None:
        """A followed job reached a final state (a monitor transition)."""
        if job.status == "FAILED":
            first = job.errors[0].msg if job.errors else "no error message"
            self.say(f"Job {job.id} FAILED: {first}", "error", timeout=15, job_id=job.id, kind="transition")
        else:
            self.say(f"Job {job.id} SUCCEEDED (batch {job.batch_id or 'unknown'}).", timeout=15, job_id=job.id,
                     kind="transition")
        if self.settings.bell:
            self.bell()

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _schedule(self, delay: float) -> None:
        self._cancel_timer()
        self._timer = self.set_timer(delay, self._tick)

    def _tick(self) -> None:
        self._timer = None
        if self.poll.paused:
            self._schedule(self.poll.interval)
            return
        self._start_fetch(FetchIntent("poll"))

    def refresh_now(self) -> None:
        """``ctrl+r``: poll now (dropped if a fetch is already running)."""
        self._start_fetch(FetchIntent("poll"))

    def toggle_pause(self) -> None:
        self.poll.paused = not self.poll.paused
        self.say("Refresh paused; p resumes, ctrl+r refreshes once." if self.poll.paused else "Refresh resumed.")
        self.post_poll_state()

    def next_page(self) -> None:
        model = self.model
        if model.all_loaded:
            if model.local_next():
                self.post_model()
            else:
                self.say("This is the last page.")
            return
        if model.next_cursor is None:
            self.say("This is the last page: the server has no more jobs.")
            return
        self._start_fetch(FetchIntent("next", model.next_cursor))

    def prev_page(self) -> None:
        model = self.model
        if model.all_loaded:
            if model.local_prev():
                self.post_model()
            else:
                self.say("This is the first page.")
            return
        has_prev, cursor = model.previous_cursor()
        if not has_prev:
            self.say("This is the first page.")
            return
        self._start_fetch(FetchIntent("prev", cursor))

    def load_all(self) -> None:
        if self.model.all_loaded:
            self.say("Every page is already loaded; ctrl+r refreshes.")
            return
        self._start_fetch(FetchIntent("all"))

    def set_status_filter(self, status: str | None) -> None:
        self.model.reset(status=status)
        self.say(f"Server-side status filter: {status or 'all'}.")
        self.post_model()
        self._start_fetch(FetchIntent("first"))

    # --- the one error handler --------------------------------------------------------------------
    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group == "fetch":
            self._fetch_state_changed(worker, event.state)
        elif event.state == WorkerState.ERROR and worker.error is not None:
            self.say(error_sentence(worker.error, f"Background work ({worker.description or worker.group})"),
                     "error")

    def _fetch_state_changed(self, worker: Worker, state: WorkerState) -> None:
        if state == WorkerState.SUCCESS and self._is_current(worker):
            self._secret_refused = False
            self._schedule(self.monitor.poll_succeeded())
            self._notified_error = None
        elif state == WorkerState.ERROR and self._is_current(worker):
            error = worker.error or RuntimeError("unknown")
            self._secret_refused = isinstance(error, AuthError) and self.api_factory is not None
            self._schedule(self.monitor.poll_failed(error, "Refreshing the job list"))
            sentence = self.poll.error or error_sentence(error, "Refreshing the job list")
            if sentence != self._notified_error:
                self._notified_error = sentence
                if self._secret_refused:  # a wrong or revoked secret
                    sentence = f"{sentence.rstrip()} {ENTER_SECRET_AGAIN}"
                self.say(sentence, "error")
        elif state == WorkerState.CANCELLED and self._is_current(worker):
            self.monitor.poll_released()
            self._schedule(self.poll.interval)
        else:
            return
        self.post_poll_state()

    def _is_current(self, worker: Worker) -> bool:
        """Only the newest fetch may re-arm the timer (a superseded one was cancelled)."""
        return not any(w is not worker and w.group == "fetch" and not w.is_finished
                       for w in self.workers)

    # --- cancel -----------------------------------------------------------------------------------
    def action_cancel(self) -> None:
        """``ctrl+d``: the highlighted job, every marked job, or the job shown in a detail screen."""
        if self.refuse_read_only("cancelling jobs"):
            return
        if self._marks_all_elsewhere():
            count = len(self.model.marks)
            self.say(f"{count} marked job{'s are' if count > 1 else ' is'} not on this page (another page or "
                     f"status filter); go back to {'them' if count > 1 else 'it'} to cancel or unmark.",
                     "warning")
            return
        jobs = self._cancel_targets()
        if not jobs:
            self.say("No job to cancel: highlight one or mark some with space.", "warning")
            return
        self.request_cancel(jobs)

    def _marks_all_elsewhere(self) -> bool:
        """On the jobs screen, marks exist but none is loaded: never fall back to the highlighted job."""
        screen = self.jobs_screen
        return (screen is not None and self.screen is screen and bool(self.model.marks)
                and not self.model.marked_jobs())

    def _cancel_targets(self) -> list[Job]:
        screen = self.screen
        shown = getattr(screen, "job", None)
        if not isinstance(screen, JobsScreen) and isinstance(shown, Job):
            return [self.model.jobs.get(shown.id, shown)]
        jobs_screen = self.jobs_screen
        if jobs_screen is None or screen is not jobs_screen:
            return []
        marked = self.model.marked_jobs()
        if marked:
            return marked
        job = jobs_screen.highlighted_job()
        return [job] if job else []

    def request_cancel(self, jobs: list[Job]) -> None:
        """Refuse what cannot be cancelled (no request), confirm the rest, then send at once."""
        if self.refuse_read_only("cancelling jobs"):
            return
        refused: list[str] = []
        busy: list[str] = []
        allowed: list[Job] = []
        for job in jobs:
            if reason := refusal(job):
                refused.append(reason)
            elif self.model.is_cancelling(job.id):
                busy.append(f"Job {job.id} is already being cancelled.")
            else:
                allowed.append(job)
        refused += busy
        if refused and not allowed:
            self.say(" ".join(refused), "warning", kind="cancel")
        if not allowed:
            return
        for job, reason in zip([j for j in jobs if j not in allowed], refused, strict=False):
            self.say(reason, "warning", job_id=job.id, kind="cancel", toast=False)  # counted in the summary
        noun = "this job" if len(allowed) == 1 else f"these {len(allowed)} jobs"
        t = self.api.target
        kind = self.sandbox_kind.label if self.sandbox_kind is not None else "type not known yet: treated as production"
        title = f"Cancel {noun} in profile {t.profile}, org {t.org_id}, sandbox {t.sandbox} ({kind})?"
        note = f"{len(refused)} other job(s) skipped: " + " ".join(refused) if refused else ""

        def answered(ok: bool | None) -> None:
            if ok:
                self._send_cancel(allowed, refused=len(refused))
            else:
                self.say("Cancel aborted: nothing was sent.")

        self.push_screen(ConfirmScreen(title, allowed, now_ms=self.model.now_ms(), note=note,
                                       typed_name=self.confirm_name()), answered)

    @work(group="cancel", exit_on_error=False, description="cancelling jobs")
    async def _send_cancel(self, jobs: list[Job], refused: int = 0) -> None:
        ids = [j.id for j in jobs]
        self.model.begin_cancel(ids)
        self.post_model()
        self._detail_cancelling(ids, True)
        try:
            outcomes = await cancel_many(self.api, jobs)
        except BaseException:
            for job_id in ids:
                self.model.end_cancel(job_id)
            self.post_model()
            self._detail_cancelling(ids, False)
            raise
        self._detail_cancelling(ids, False, refresh=True)
        for outcome in outcomes:
            if not outcome.ok or outcome.already_gone:
                self.model.end_cancel(outcome.job_id)
            if outcome.ok or outcome.finished is not None:
                self.model.marks.discard(outcome.job_id)
        failed = [o for o in outcomes if not o.ok and not o.refused]
        single = len(outcomes) == 1 and not refused
        refused += sum(1 for o in outcomes if o.refused)  # finished before the cancel arrived
        for outcome in outcomes:  # each kept in the log with its job id; one toast for them all
            severity: SeverityLevel = "information" if outcome.ok else "warning" if outcome.refused else "error"
            self.say(outcome.text, severity, job_id=outcome.job_id, kind="cancel", timeout=12, toast=single)
        if not single:
            self.say(cancel_summary(outcomes, refused), "error" if failed else "warning" if refused else "information",
                     kind="cancel", timeout=12)
        self.post_model()
        self.refresh_now()

    def _detail_cancelling(self, ids: list[str], cancelling: bool, *, refresh: bool = False) -> None:
        """The job detail shown on top says "cancelling…" at once, and re-reads the job on the answer."""
        from tui.console.widgets.detail import JobDetail

        if self.screen is self.jobs_screen:
            return
        for detail in self.screen.query(JobDetail):
            if detail.job is not None and detail.job.id in ids:
                detail.set_cancelling(cancelling)
                if refresh:
                    self.run_worker(detail.poll_once(), group="detail-refresh", exit_on_error=False)

    # --- launch, detail, setup --------------------------------------------------------------------
    def action_launch(self) -> None:
        if self.refuse_read_only("launching jobs"):
            return
        from tui.console.screens.launch import LaunchScreen

        self.push_screen(LaunchScreen(self.api, read_only=self.read_only, clock=self.clock,
                                      known_jobs=lambda: list(self.model.jobs.values()),
                                      max_event_age_days=self.launch_settings.max_event_age_days,
                                      confirm_name=self.confirm_name), self.follow_job)

    def action_clone(self) -> None:
        """``R``: the highlighted (or shown) job's request in the payload editor, to launch again."""
        if self.refuse_read_only("launching jobs"):
            return
        from tui.console.rerun import clone_source, open_clone

        job = clone_source(self)
        if job is None:
            self.say("No job to clone: highlight one first.", "warning")
            return
        open_clone(self, job)

    def action_diff(self) -> None:
        """``=``: the payloads of the two marked jobs side by side."""
        from tui.console.rerun import open_diff

        open_diff(self)

    def follow_job(self, job: Job | None) -> None:
        """Select the new job in the list and keep it followed by the monitor, whatever is shown."""
        if job is None:
            return
        self.model.followed = job.id
        self.model.seen_active.add(job.id)
        self.monitor.follow(job)
        on_first_page = not self.model.all_loaded and not self.model.cursor_stack
        status_ok = self.model.status_filter in (None, job.status)
        if self.model.all_loaded or (on_first_page and status_ok):
            self.model.merge([job], front=True)
            self.post_model(select=job.id)
        else:
            self.model.reset(status=None)
            self._start_fetch(FetchIntent("first", select=job.id))

    @work(group="dataset-names", exclusive=True, exit_on_error=False, description="loading dataset names")
    async def _load_dataset_names(self) -> None:
        """Dataset id -> name from the Catalog (union-schema datasets: the only ones export jobs write), once
        per target, so the table and the detail name datasets. A failure costs only the names: logged
        (``M``) without a toast, the ids stay."""
        api = self.api
        lister = getattr(api, "list_datasets", None)
        if lister is None:
            return
        try:
            datasets = await lister(union_only=True)
        except Exception as exc:
            if api is self.api:
                self.say(f"Dataset names could not be loaded, so datasets are shown by id: "
                         f"{error_sentence(exc, 'Listing datasets')}", "warning", toast=False)
            return
        if api is not self.api:  # switched meanwhile: these names belong to another sandbox
            return
        self.model.set_dataset_names({d.id: d.name for d in datasets if d.id and d.name})
        screen = self.jobs_screen
        if screen is not None:
            screen.dataset_names_changed()

    def open_detail_screen(self, job: Job) -> None:
        """Narrow terminals: the detail takes the screen; ``esc`` returns, ``ctrl+d`` cancels there."""
        from tui.console.screens.detail import DetailScreen

        # Its JobDetail's JobRefreshed messages bubble up to this app (on_job_detail_job_refreshed).
        self.push_screen(DetailScreen(
            self.api, job, baseline=self.baseline_for(job),
            poll_seconds=self.settings.refresh_seconds, stuck_factor=self.settings.stuck_factor,
            clock=self.clock, dataset_names=self.model.dataset_names,
            on_cancel=None if self.read_only else (lambda shown: self.request_cancel([shown]))))

    def open_output_screen(self, job: Job) -> None:
        """``o``: what a SUCCEEDED job produced (tui/console/screens/output.py)."""
        if job.status != "SUCCEEDED":
            self.say(f"Output is shown for SUCCEEDED jobs; job {job.id} is {job.status}.", "warning")
            return
        make_source = getattr(self.api, "data_access", None)
        if make_source is None:
            self.say("This connection cannot read batches (no Data Access API).", "warning")
            return
        from tui.console.screens.output import OutputScreen

        self.push_screen(OutputScreen(make_source(), job, download_dir=self.settings.download_dir))

    def _detail_refreshed(self, job: Job) -> None:
        """A detail's own GET: the monitor takes it (the row and any transition follow as events)."""
        self.monitor.observe([job], "get")

    def on_job_detail_job_refreshed(self, message: Any) -> None:
        """``JobDetail.JobRefreshed``: the detail's own poll got a newer record."""
        job = getattr(message, "job", None)
        if isinstance(job, Job):
            self._detail_refreshed(job)

    def action_setup(self) -> None:
        if self.refuse_read_only("writing a profile"):
            return
        from tui.console.screens.setup import SetupResult, SetupScreen

        def done(result: SetupResult | None) -> None:
            if result is None:
                return
            if result.secret is not None:
                self.session_secrets[result.profile.name] = result.secret
            self.say(result.message, "information" if result.secret_stored else "warning", timeout=15)
            if self.api_factory is not None and (result.secret_stored or result.secret is not None):
                self.switch_api(result.profile.name, None)

        self.push_screen(SetupScreen(self.setup_path), done)

    def action_enter_secret(self) -> None:
        """``E``: ask for the client secret again and reconnect with it (kept in memory, this run only)."""
        if self.api_factory is None:
            self.say("Entering a secret is unavailable here; store one with aepx login, then restart aepx.", "warning")
            return
        from tui.console.screens.secret_prompt import SecretPromptScreen

        profile = self.api.target.profile

        def entered(secret: Any) -> None:
            if secret is None:
                self.say("No secret entered: nothing changed.")
                return
            self.session_secrets[profile] = secret
            self.switch_api(profile, self.api.target.sandbox)

        self.push_screen(SecretPromptScreen(profile, self.poll.error or ""), entered)

    async def action_quit(self) -> None:
        """``q`` / ``ctrl+c`` / ``:q``: leave at once, unless a launch is being sent: then the first press
        says so and a second one leaves (the job may then exist without aepx knowing its id)."""
        self.request_quit()

    def request_quit(self) -> None:
        sending = any(w.group == "launch" and not w.is_finished for w in self.workers)
        if sending and not self._quit_warned:
            self._quit_warned = True
            self.say("A launch is being sent: press q again to quit anyway (the job may then be created "
                     "without aepx seeing its id).", "warning", kind="quit")
            return
        self.exit(return_code=0)

    def action_pulse(self) -> None:
        """``P`` / ``:pulse``: the Pulse screen (tui/console/screens/pulse.py)."""
        from tui.console.screens.pulse import PulseScreen

        if not isinstance(self.screen, PulseScreen):
            self.push_screen(PulseScreen())

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.screen))

    def action_overview(self) -> None:
        """``O`` / ``:overview``: every profile/sandbox at a glance."""
        from tui.console.screens.overview import OverviewScreen

        if isinstance(self.screen, OverviewScreen):
            return
        source = self.overview_source() if callable(self.overview_source) else self.overview_source
        self.push_screen(OverviewScreen(source, interval=self.settings.refresh_seconds))

    def action_command_line(self, prefill: str = "") -> None:
        screen = self.jobs_screen
        if screen is None or self.screen is not screen:
            self.say("The command line is available on the jobs screen.", "warning")
            return
        screen.open_command_line(prefill)

    def get_system_commands(self, screen: Screen) -> Any:
        """Textual's palette commands, without its "Keys" and "Quit": aepx's own (``?``, ``q``) are
        in the palette already, from the key catalogue."""
        for command in super().get_system_commands(screen):
            if command.title not in ("Keys", "Quit"):
                yield command

    # --- the two logs ------------------------------------------------------------------------------
    def action_message_log(self) -> None:
        """``M``: every message shown, newest first."""
        from tui.console.screens.message_log import MessageLogScreen

        if not isinstance(self.screen, MessageLogScreen):
            self.push_screen(MessageLogScreen(self.message_log))

    def action_call_log(self) -> None:
        """``L``: the last 1,000 API calls."""
        from tui.console.screens.calls import CallLogScreen

        if not isinstance(self.screen, CallLogScreen):
            self.push_screen(CallLogScreen(self.call_log, self.api))

    def open_logged_job(self, job_id: str) -> None:
        """``enter`` on a message about a job: its detail (the loaded copy, else fetched)."""
        job = self.model.jobs.get(job_id)
        if job is not None:
            self.open_detail_screen(job)
            return
        self._open_fetched(job_id)

    @work(group="open-logged", exclusive=True, exit_on_error=False, description="opening a job")
    async def _open_fetched(self, job_id: str) -> None:
        from tui.core.errors import AepxError

        try:
            job = await self.api.get_job(job_id)
        except AepxError as exc:
            self.say(exc.with_request_id(), "error", job_id=job_id)
            return
        self.open_detail_screen(job)

    # --- ":" commands and switching -----------------------------------------------------------------
    def run_command(self, text: str) -> None:
        """``:profile NAME``, ``:sandbox NAME``, ``:q``."""
        words = text.strip().removeprefix(":").split()
        if not words:
            return
        verb, args = words[0].lower(), words[1:]
        if verb in ("q", "quit", "exit"):
            self.request_quit()
        elif verb == "pulse" and not args:
            self.action_pulse()
        elif verb == "log":
            self.action_message_log()
        elif verb == "calls":
            self.action_call_log()
        elif verb == "overview":
            self.action_overview()
        elif verb in ("profile", "sandbox") and len(args) == 1:
            if verb == "profile":
                self.switch_api(args[0], None)
            else:
                self.switch_api(None, args[0])
        elif verb in ("profile", "sandbox"):
            self.say(f"Usage: :{verb} NAME", "warning")
        else:
            self.say(f"Unknown command :{verb}; try :profile NAME, :sandbox NAME, :pulse, :overview, :log, :calls "
                     "or :q.", "warning")

    def switch_api(self, profile: str | None, sandbox: str | None) -> None:
        if self.api_factory is None:
            self.say("Switching profile or sandbox is unavailable here; restart aepx with -p NAME.", "warning")
            return
        self._switch(profile, sandbox)

    @work(group="switch", exclusive=True, exit_on_error=False, description="switching profile or sandbox")
    async def _switch(self, profile: str | None, sandbox: str | None) -> None:
        factory = self.api_factory
        assert factory is not None
        secret = self.session_secrets.get(profile or self.api.target.profile)
        if secret is not None:  # entered in F2 without a keyring: this run uses it
            new_api = await asyncio.to_thread(factory, profile, sandbox, secret)  # type: ignore[call-arg]
        else:
            new_api = await asyncio.to_thread(factory, profile, sandbox)
        old, self.api = self.api, new_api
        self._attach_call_log(new_api)
        self.sandbox_kind = None  # learned again by the first fetch (production until then)
        self.workers.cancel_group(self, "fetch")
        paused = self.poll.paused
        self.monitor = self._new_monitor(new_api)
        self.poll.paused = paused
        self.model.reset(status=self.model.status_filter)
        self.model.set_dataset_names({})  # another sandbox's datasets: loaded again below
        self.model.marks.clear()
        self.model.pending_cancel.clear()
        screen = self.jobs_screen
        if screen is not None:
            await screen.api_switched()
        self.post_model()
        self.say(f"Now on profile {new_api.target.profile}, sandbox {new_api.target.sandbox}.")
        self._start_fetch(FetchIntent("first"))
        self._load_dataset_names()
        try:
            await old.aclose()
        except Exception:  # the old client is discarded either way
            pass


ENTER_SECRET_AGAIN = "Press E to enter the client secret again."


def cancel_summary(outcomes: list[Any], refused: int = 0) -> str:
    """ONE sentence for a bulk cancel: ``3 cancelled, 1 refused (see M)``."""
    cancelled = sum(1 for o in outcomes if o.ok and not o.already_gone)
    gone = sum(1 for o in outcomes if o.ok and o.already_gone)
    failed = sum(1 for o in outcomes if not o.ok and not o.refused)
    parts = [f"{cancelled} cancelled"]
    if gone:
        parts.append(f"{gone} already gone")
    if failed:
        parts.append(f"{failed} failed")
    if refused:
        parts.append(f"{refused} refused")
    return ", ".join(parts) + " (see M)"

