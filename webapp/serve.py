"""`python -m webapp.serve`: the embedded-database demo — tables, definitions, demo data, the timer
sweeper and the web server in one process. Prints every demo account at start."""

from __future__ import annotations

import argparse
import os

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from webapp import create_app
from webapp.cli import setup_database


class DemoRequestHandler(WSGIRequestHandler):
    """Werkzeug's request handler without its banner: `Server: Werkzeug/3.x Python/3.11.y` would tell
    anyone which versions to look up vulnerabilities for."""

    server_version = "makerspace"  # also SERVER_SOFTWARE in the WSGI environ
    sys_version = ""

    def version_string(self) -> str:
        return self.server_version


def demo_server(app: Flask, host: str, port: int) -> BaseWSGIServer:
    """The demo's threaded web server (port 0: any free port; `server.port` says which)."""
    return make_server(host, port, app, threaded=True, request_handler=DemoRequestHandler)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "5000")))
    args = parser.parse_args()
    os.umask(0o077)  # everything this process creates (database, uploads, journals) is owner-only
    os.environ.setdefault("MAKERSPACE_DEMO", "1")
    from webapp.config import Config

    Config.DEMO_MODE = os.environ["MAKERSPACE_DEMO"] == "1"
    app = create_app()
    with app.app_context():
        accounts = setup_database(app, demo=True)
    print("\n=== 众创空间管理系统 demo accounts (password for all: demo12345) ===")
    for role, username, name in accounts:
        print(f"  {role:<13} {username:<22} {name}")
    print("\nDemo data: an open application round; two applications in progress (at 包头市科技局 and at the")
    print("Torch Center); maker spaces that are recently recognised, with a half-year report due, under")
    print("evaluation (another's opens in about ten days), under rectification, revoked (R22) and filed as national (with awards).")
    print(f"\nOpen http://{args.host}:{args.port}/  — timer sweeper running in the background.\n", flush=True)
    from tasks.sweep import start_background

    start_background(app)
    from webapp.heap import settle

    settle()  # collections skip what start-up made (webapp/heap.py)
    demo_server(app, args.host, args.port).serve_forever()  # Ctrl+C stops it


if __name__ == "__main__":
    main()
