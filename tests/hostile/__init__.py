"""A hostile HTTP server on loopback (``server.py``) and the tests that point aepx at it."""
