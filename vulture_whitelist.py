"""Names vulture cannot see used: called by a framework, or part of a record's shape.

`make lint` runs vulture over tui/, tests/ and bench/ with this file; a name belongs here only with the
reason it is alive. Framework hooks by naming convention (``on_*``, ``action_*``, ``compose``…) are
ignored in pyproject.toml's [tool.vulture] instead.
"""

# pyarrow's file protocol: it calls these on the ranged reader (tui/core/parquet.py).
readable
seekable
readinto

# uvicorn.Server hooks overridden by the emulator's server (tui/emulator/server.py).
main_loop

# Textual attributes set on widgets (read by Textual, not by us).
indent_width
cursor_blink
animation_level
disabled
cursor_position
sub_title

# click's progress bar skips a line equal to its private last one (tui/cli/files.py resets it).
_last_line

# Fields of records parsed from the Platform or posted to subscribers: the shape is the contract.
ims_org_id
page_offset
is_default
running_ms
resumed_from
already_complete
down_seconds

# pytest: module marks, fixtures requested for their side effect, syrupy's extension hook,
# the webhook test server's http.server hooks.
pytestmark
utc
no_dbus
umask_022
unwritable_state
file_extension
do_POST
log_message
