import ssl

import httpx

from tui.api.transport import LIMITS, client_options, tls_context


def test_tls_context_verifies_and_is_shared():
    ctx = tls_context()
    assert ctx.verify_mode == ssl.CERT_REQUIRED
    assert ctx.check_hostname is True
    assert tls_context() is ctx


def test_client_options_keep_httpx_env_proxies():
    options = client_options(None)
    assert options == {"verify": tls_context(), "limits": LIMITS, "trust_env": True}
    assert "transport" not in options  # an explicit transport would switch environment proxies off
    mock = httpx.MockTransport(lambda request: httpx.Response(200))
    assert client_options(mock) == {"transport": mock}
