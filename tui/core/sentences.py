"""The one rule for how a message reads once its parts are put together.

Messages are templates filled with other sentences (an OS error, a server's message, a path): a part
that ends with its own full stop makes "failed: it timed out.." or "(no answer.); try again". ``tidy``
is applied where every message leaves aepx (``AepxError``, the console's notify point, the CLI's
``err``), so no template has to know how its parts end. It only touches punctuation at the end of a
word: paths (``../x``), versions (``1.2.3``) and a deliberate ellipsis (``...``) are kept.
"""

from __future__ import annotations

import re

# "x.." / "x?." / "x…." at the end of a word: one mark (a three-dot ellipsis is kept)
_DOUBLE_STOP = re.compile(r"(?<![.])([.!?…])\.(?=\s|$)")
# "x.; y", "x., y", "x.: y": the part's full stop gives way to the template's mark
_STOP_BEFORE_MARK = re.compile(r"(?<![.\s])\.([,;:])(?=\s|$)")
# "failed: ." / "stopped; ." (an empty part): the template's full stop alone
_MARK_BEFORE_STOP = re.compile(r"\s*(?:[,;:]\s*)+\.(?=\s|$)")
# "(it timed out.)": a part inside parentheses is a fragment of the sentence around it
_STOP_BEFORE_PAREN = re.compile(r"(?<![.\s])\.\)")
# "job 7 ()" (an empty parenthesis): gone
_EMPTY_PARENS = re.compile(r" ?\(\s*\)")


def tidy(message: str) -> str:
    """``message`` with the seams of its parts mended: doubled stops, a stop before a comma, semicolon,
    colon or closing parenthesis, a mark before the final stop, empty parentheses. Idempotent."""
    if not message or not any(c in message for c in ".()"):
        return message
    text = _EMPTY_PARENS.sub("", message)
    text = _MARK_BEFORE_STOP.sub(".", text)
    text = _STOP_BEFORE_MARK.sub(r"\1", text)
    text = _STOP_BEFORE_PAREN.sub(")", text)
    return _DOUBLE_STOP.sub(r"\1", text)
