"""`python -m webapp.serve`: the embedded-database demo — tables, definitions, demo data, the timer
sweeper and the web server in one process. Prints every demo account at start."""

from __future__ import annotations

import argparse
import os

from webapp import create_app
from webapp.cli import setup_database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "5000")))
    args = parser.parse_args()
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
    app.run(host=args.host, port=args.port, debug=False, use_reloader=False, threaded=True)


if __name__ == "__main__":
    main()
