"""Full-screen job detail for narrow terminals: ``esc`` returns to the list.

Messages posted on a pushed screen never reach the screen under it; ``JobDetail.JobRefreshed`` still
bubbles up to the App, which is how AepxApp keeps its list current. ``on_cancel`` (unless
read-only) is called when the operator presses ``ctrl+d`` here: the host owns the confirmation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer

from tui.console.widgets.detail import JobDetail
from tui.console.widgets.header import AppHeader
from tui.core.models import Job
from tui.core.protocol import JobsAPI
from tui.core.sanitise import sanitise
from tui.monitor.history.baselines import Baseline


class DetailScreen(Screen[None]):
    CANCELS_JOB = True  # the app's ctrl+d acts on (or explains) ``job`` here
    #: ``?`` here: a finished job hides this screen's ctrl+d and the app's answers (it says why not)
    HELP_LABELS = {"cancel": "Cancel this job (for a finished one: says why it cannot be)"}
    BINDINGS = [
        Binding("escape", "close", "Back", id="detail.back"),
        Binding("ctrl+d", "cancel_job", "Cancel", id="detail.cancel", tooltip="Cancel this job"),
        Binding("R", "app.clone", "Rerun", id="detail.clone", key_display="R", show=False),
        Binding("o", "open_output", "Output", id="detail.output", show=False),
    ]

    def __init__(
        self,
        api: JobsAPI,
        job: Job,
        *,
        median_ms: int | None = None,
        baseline: Baseline | None = None,
        poll_seconds: float = 5.0,
        stuck_factor: float = 3.0,
        dataset_names: Mapping[str, str] | None = None,
        clock: Callable[[], float] | None = None,
        on_cancel: Callable[[Job], None] | None = None,
    ) -> None:
        super().__init__()
        self._api = api
        self._initial_job = job
        self._median_ms = median_ms
        self._baseline = baseline
        self._on_cancel = on_cancel
        self._detail_kwargs = {"poll_seconds": poll_seconds, "stuck_factor": stuck_factor, "clock": clock,
                               "dataset_names": dataset_names}
        self.sub_title = f"job {sanitise(job.id)}"

    @property
    def detail(self) -> JobDetail:
        return self.query_one(JobDetail)

    @property
    def job(self) -> Job | None:
        """The job shown (the app's ``ctrl+d`` cancels it, or says why it cannot)."""
        return self.detail.job if self.is_mounted else self._initial_job

    def compose(self) -> ComposeResult:
        yield AppHeader(f"jobs › {self._initial_job.id}")
        yield JobDetail(self._api, **self._detail_kwargs)  # type: ignore[arg-type]
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.detail.show(self._initial_job, self._median_ms, baseline=self._baseline)
        self.query_one("#detail-body").focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_job":  # otherwise the app's ctrl+d says why not (finished job, read-only)
            job = self.job
            return self._on_cancel is not None and job is not None and job.is_active
        return True

    def action_open_output(self) -> None:
        job = self.detail.job
        opener = getattr(self.app, "open_output_screen", None)
        if job is not None and opener is not None:
            opener(job)

    def action_close(self) -> None:
        self.dismiss(None)

    def action_cancel_job(self) -> None:
        job = self.detail.job
        if self._on_cancel is not None and job is not None:
            self._on_cancel(job)
