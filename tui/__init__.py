"""aepx: a console and CLI for Adobe Experience Platform profile export jobs.

Nothing is imported eagerly here: `aepx jobs list` must not pay for Textual.
"""

__version__ = "0.1.0"
