"""The shared TLS context verifies certificates and host names, and is built once per process."""

import ssl

from tui.api.transport import default_transport, tls_context


def test_tls_context_verifies_and_is_shared():
    ctx = tls_context()
    assert ctx.verify_mode == ssl.CERT_REQUIRED
    assert ctx.check_hostname is True
    assert tls_context() is ctx
    default_transport("https://platform.adobe.io")
    default_transport("http://127.0.0.1:8085")
    assert tls_context() is ctx
