"""The JSON editor of the launch screen: a code-editor ``TextArea`` that degrades to plain text.

JSON highlighting needs tree-sitter (``textual[syntax]``). Where it is missing, the editor still
works, without colours, instead of failing to start.

Textual's built-in JSON highlight query uses ``#set!``/``#eq?`` predicates (to conceal quotes); with
tree-sitter 0.26 and tree-sitter-json 0.24 that query crashes the interpreter (a segmentation fault
while highlighting, reproduced with a bare ``TextArea.code_editor(language="json")``). The editor
registers JSON with the same captures minus the concealment predicates, which it does not need.
"""

from __future__ import annotations

from textual import log
from textual.widgets import TextArea

from tui.core.sanitise import json_source

JSON_HIGHLIGHTS = """
[(true) (false)] @boolean
(null) @json.null
(number) @number
(pair key: (string) @json.label)
(pair value: (string) @string)
(array (string) @string)
(escape_sequence) @string.escape
(ERROR) @json.error
["," ":"] @punctuation.delimiter
["[" "]" "{" "}"] @punctuation.bracket
"""


def _json_grammar() -> object | None:
    """The tree-sitter JSON language, or None when tree-sitter or the grammar is unavailable."""
    try:
        from textual._tree_sitter import get_language
    except ImportError:  # pragma: no cover - textual always ships the module
        return None
    try:
        return get_language("json")
    except Exception as exc:  # a broken tree-sitter install must not stop the console
        log.warning(f"JSON highlighting disabled: {exc!r}")
        return None


class PayloadEditor(TextArea):
    """A JSON code editor with line numbers, 2-space indentation and a whole-document replace."""

    DEFAULT_CSS = """
    PayloadEditor { height: 1fr; }
    """

    def __init__(self, text: str = "", *, id: str | None = None) -> None:
        super().__init__(json_source(text), language=None, theme="monokai", soft_wrap=False, tab_behavior="indent",
                         show_line_numbers=True, id=id, highlight_cursor_line=True)
        self.indent_width = 2
        grammar = _json_grammar()
        if grammar is not None:
            try:
                self.register_language("json", grammar, JSON_HIGHLIGHTS)  # type: ignore[arg-type]
                self.language = "json"
            except Exception as exc:  # plain text is better than no editor
                log.warning(f"JSON highlighting disabled: {exc!r}")
                self.language = None

    @property
    def highlighted(self) -> bool:
        """True when JSON syntax highlighting is active."""
        return self.language == "json"

    def replace_all(self, text: str) -> None:
        """Replace the whole document as one undoable edit (ctrl+z brings the old text back). Control and
        bidi characters (from a server's names, a file, a draft) are shown as their JSON escapes."""
        text = json_source(text)
        if text == self.text:
            return
        self.replace(text, (0, 0), self.document.end, maintain_selection_offset=False)
        self.move_cursor((0, 0))

    def jump_to(self, line: int, column: int) -> None:
        """Put the cursor at a 1-based line and column, clamped to the document, and focus."""
        row = min(max(line - 1, 0), self.document.line_count - 1)
        col = min(max(column - 1, 0), len(self.document[row]))
        self.move_cursor((row, col), center=True)
        self.focus()
