"""`glimpse dashboard`: serve the dashboard from an existing event store; `hash-password` makes a password hash."""

from __future__ import annotations

import argparse
import getpass
import logging
import signal
import sys
import threading
from types import FrameType

from edge.cli_common import EXIT_OK, EXIT_RUNTIME, EXIT_USAGE, add_config_args, config_from_args
from edge.errors import StoreError

logger = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``glimpse dashboard [hash-password]``."""
    parser = subparsers.add_parser(
        "dashboard",
        help="serve the local dashboard from the event store (without the daemon)",
        description=(
            "Serve the dashboard, kiosk view, JSON API and /metrics from the event store named by store.path. "
            "New events appear as the daemon writes them; health shows 'daemon not running' and pause is "
            "unavailable. Example: glimpse dashboard --set store.path=events.db --set dashboard.port=8080"
        ),
    )
    add_config_args(parser)
    parser.set_defaults(func=serve)
    sub = parser.add_subparsers(dest="dashboard_command", metavar="{hash-password,new-token}")
    hasher = sub.add_parser(
        "hash-password",
        help="print a dashboard.password_hash value for a password",
        description="Read a password (prompted twice, or one line from stdin with --stdin) and print its hash.",
    )
    hasher.add_argument("--stdin", action="store_true", help="read the password as one line from standard input")
    hasher.set_defaults(func=hash_password_command)
    tokens = sub.add_parser(
        "new-token",
        help="print a new random API bearer token and the dashboard.api_token_sha256 entry for it",
        description="The token goes to stdout (give it to the API client, e.g. Prometheus); only its SHA-256 "
        "goes in the configuration.",
    )
    tokens.set_defaults(func=new_token_command)


def new_token_command(args: argparse.Namespace) -> int:
    from edge.dashboard.auth import new_api_token

    token, digest = new_api_token()
    print(token)
    print(f'# in glimpse.toml:  [dashboard]  api_token_sha256 = ["{digest}"]', file=sys.stderr)
    return EXIT_OK


def hash_password_command(args: argparse.Namespace) -> int:
    from edge.dashboard.auth import hash_password

    if args.stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        try:
            password = getpass.getpass("Dashboard password: ")
            again = getpass.getpass("Again: ")
        except EOFError:  # no terminal and nothing on stdin
            print("glimpse dashboard hash-password: no password typed; expected a terminal or --stdin", file=sys.stderr)
            return EXIT_USAGE
        if again != password:
            print("glimpse dashboard hash-password: the passwords differ", file=sys.stderr)
            return EXIT_USAGE
    encoded = hash_password(password)  # a ConfigError (e.g. an empty password) is exit 2 (edge.cli)
    print(encoded)
    print(f'# in glimpse.toml:  [dashboard]  password_hash = "{encoded}"', file=sys.stderr)
    return EXIT_OK


def serve(args: argparse.Namespace) -> int:
    """Serve until SIGINT or SIGTERM; prints the URL on stdout."""
    config = config_from_args(args)  # a ConfigError is exit 2 with its problems (edge.cli)
    from edge.dashboard.server import DashboardServer
    from edge.events.store import EventStore

    path = config.store.path
    if not path.is_file():
        print(f"glimpse dashboard: no event store at {str(path)!r}; set store.path or run the daemon", file=sys.stderr)
        return EXIT_RUNTIME
    try:
        store = EventStore(path, readonly=True)
    except StoreError as exc:
        print(f"glimpse dashboard: {exc}", file=sys.stderr)
        return EXIT_RUNTIME
    with store:
        server = DashboardServer(config, store, None, tail_store=True)  # no password hash, port taken: ConfigError
        url = server.start()
        with server:
            print(f"Glimpse dashboard (standalone, reading {path}): {url}", flush=True)
            _wait_for_signal()
    return EXIT_OK


def _wait_for_signal() -> None:
    stop = threading.Event()

    def handle(signum: int, frame: FrameType | None) -> None:
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, handle)
    while not stop.wait(1.0):
        pass
