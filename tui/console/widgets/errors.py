"""The job's ``errors[]``: code and wrapped message for each, call stack folded in a Collapsible.

A call stack's text is only built when its Collapsible is first expanded, so a job with thirty
errors or a 5,000-line stack mounts quickly. Every server string goes through ``sanitise`` and is
shown as plain ``Content`` (never markup).
"""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Collapsible, Static

from tui.core.format import plural
from tui.core.models import JobError
from tui.core.sanitise import sanitise

MAX_STACK_LINES = 1000
MAX_LINE_CHARS = 2_000  # per call-stack line, cut before any work on it (a hostile one may be 100 MB)
MAX_MESSAGE_CHARS = 5_000
MAX_ERRORS_SHOWN = 50


def stack_content(call_stack: str, max_lines: int = MAX_STACK_LINES) -> Content:
    """The call stack as plain text, cut at ``max_lines`` with a note saying how to get the rest."""
    parts = call_stack.split("\n", max_lines)  # only the shown lines are worked on
    rest = parts[max_lines] if len(parts) > max_lines else None
    shown = [sanitise(line.rstrip("\r"), limit=MAX_LINE_CHARS) for line in parts[:max_lines]]
    text = Content("\n".join(shown))
    if rest is not None:
        more = rest.count("\n") + 1
        note = Content.styled(f"\n… {plural(more, 'more line')}: J copies the raw JSON with the full stack",
                              "italic $text-muted")
        text = text + note
    return text


def error_heading(index: int, count: int, error: JobError) -> Content:
    code = sanitise(error.code, limit=200) or "no code"
    return Content.assemble(("✖ ", "$text-error"), (code, "bold $text-error"),
                            (f"  {index}/{count}", "$text-muted"))


class CallStack(Collapsible):
    """A folded call stack; its text is rendered on first expansion."""

    DEFAULT_CSS = """
    CallStack { padding: 0; border: none; background: transparent; }
    CallStack Contents { padding: 0 0 0 2; }
    CallStack .stack-text { color: $text-muted; }
    """

    def __init__(self, call_stack: str) -> None:
        self.call_stack = call_stack
        self._filled = False
        self._stack_view = Static("", classes="stack-text", markup=False)
        lines = call_stack.count("\n") + 1
        super().__init__(self._stack_view, title=f"call stack · {plural(lines, 'line')}", collapsed=True)

    @property
    def filled(self) -> bool:
        return self._filled

    @on(Collapsible.Expanded)
    def _fill_on_first_expand(self, event: Collapsible.Expanded) -> None:
        if event.collapsible is self and not self._filled:
            self._filled = True
            self._stack_view.update(stack_content(self.call_stack))


class ErrorItem(Vertical):
    DEFAULT_CSS = """
    ErrorItem { height: auto; margin: 0 0 1 0; }
    ErrorItem .error-msg { width: 1fr; }
    """

    def __init__(self, index: int, count: int, error: JobError) -> None:
        super().__init__()
        self.error = error
        self._index = index
        self._count = count

    def compose(self) -> ComposeResult:
        yield Static(error_heading(self._index, self._count, self.error), classes="error-code")
        msg = sanitise(self.error.msg, keep_newlines=True, limit=MAX_MESSAGE_CHARS) or "(no message)"
        yield Static(Content(msg), classes="error-msg")
        if self.error.call_stack.strip():
            yield CallStack(self.error.call_stack)


class ErrorList(Vertical):
    """All errors of a job, rebuilt only when they change (expanded stacks survive a refresh)."""

    DEFAULT_CSS = """
    ErrorList { height: auto; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._errors: tuple[JobError, ...] = ()

    @property
    def errors(self) -> tuple[JobError, ...]:
        return self._errors

    def set_errors(self, errors: Sequence[JobError]) -> None:
        errors = tuple(errors)
        if errors == self._errors and (self.children or not errors):
            return
        self._errors = errors
        self.remove_children()
        if errors:
            shown = errors[:MAX_ERRORS_SHOWN]
            self.mount_all(ErrorItem(i, len(errors), e) for i, e in enumerate(shown, start=1))
            if len(errors) > len(shown):
                more = len(errors) - len(shown)
                self.mount(Static(Content(f"… and {plural(more, 'more error')}: y shows the raw record, J copies it"),
                                  classes="error-more"))
