"""Serving behind TLS and reverse proxies (issue 9).

MAKERSPACE_HTTPS=1: session (and remember) cookies are Secure, external URLs use https, and every response
carries Strict-Transport-Security. MAKERSPACE_PROXY_FIX=N: the N proxies in front are trusted for
X-Forwarded-For and X-Forwarded-Proto (werkzeug's ProxyFix), so the client address that log-in throttling
and the portal's rate limits count is the client's, not the proxy's. Without it those headers are ignored:
a client could otherwise choose its own address and escape every limit.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def init_transport(app: Flask) -> None:
    if app.config["HTTPS"]:
        app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True, PREFERRED_URL_SCHEME="https")
        hsts = app.config["HSTS"]

        @app.after_request
        def strict_transport_security(response):
            response.headers.setdefault("Strict-Transport-Security", hsts)
            return response

    if proxies := int(app.config["PROXY_FIX"]):
        # Not X-Forwarded-Host: a proxy passing the client's own header would let it choose our host name.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
