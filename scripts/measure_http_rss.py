"""What a maintained HTTP stack would cost the daemon in memory (issue 15, item 4).

Each stack runs in a fresh process that first imports what the daemon already
holds (numpy, OpenCV, onnxruntime, pydantic, the dashboard module), then
imports the stack, serves one JSON route on 127.0.0.1, answers 300 requests at
concurrency 10 while 20 idle connections stay open, and reports its RSS at
each step (VmRSS from /proc/self/status, so Linux only).

    .venv/bin/python scripts/measure_http_rss.py               # http.server (stdlib) only
    PYTHONPATH=/tmp/rsspkgs .venv/bin/python scripts/measure_http_rss.py --all
    # after: pip install --target /tmp/rsspkgs uvicorn starlette aiohttp

``--idle`` instead opens 50 idle connections and one that stops mid request
line against each stack (uvicorn with ``timeout_keep_alive=2`` and
``limit_concurrency=8``, aiohttp with its defaults, the Glimpse dashboard with
``read_timeout_s=2`` and ``max_connections=8``), waits 8 s, and prints how
many the server still holds open and what a new request gets.

Numbers are printed, not asserted.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.request import urlopen


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_stdlib(port: int) -> None:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps({"ok": True, "path": self.path}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()


def serve_glimpse(port: int) -> None:
    import tempfile
    from pathlib import Path

    from edge.config import validate
    from edge.dashboard.server import DashboardServer
    from edge.events.store import EventStore

    tmp = Path(tempfile.mkdtemp(prefix="glimpse-http-"))
    dash = {"port": port, "read_timeout_s": 2, "max_connections": 8, "max_stream_clients": 4}
    config = validate({"store": {"path": str(tmp / "e.db")}, "dashboard": dash})
    DashboardServer(config, EventStore(tmp / "e.db"), None).start()


def serve_starlette(port: int) -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def api(request: Request) -> JSONResponse:
        return JSONResponse({"ok": True, "path": request.url.path})

    app = Starlette(routes=[Route("/api/{name}", api)])
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="error", timeout_keep_alive=2, limit_concurrency=8
    )
    server = uvicorn.Server(config)
    threading.Thread(target=server.run, daemon=True).start()


def serve_aiohttp(port: int) -> None:
    import asyncio

    from aiohttp import web

    async def api(request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "path": request.path})

    def run() -> None:
        loop = asyncio.new_event_loop()
        app = web.Application()
        app.router.add_get("/api/{name}", api)
        runner = web.AppRunner(app)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
        loop.run_forever()

    threading.Thread(target=run, daemon=True).start()


STACKS = {"stdlib": serve_stdlib, "starlette": serve_starlette, "aiohttp": serve_aiohttp, "glimpse": serve_glimpse}


def idle_probe(stack: str) -> None:
    port = free_port()
    STACKS[stack](port)
    time.sleep(1.5)
    held = [socket.create_connection(("127.0.0.1", port)) for _ in range(50)]
    slow = socket.create_connection(("127.0.0.1", port))
    slow.sendall(b"GET /api/x HT")
    held.append(slow)
    time.sleep(8)
    still_open = 0
    for sock in held:  # open: no end-of-stream yet (a 503 answer followed by a close counts as closed)
        sock.setblocking(False)
        try:
            while sock.recv(65536):
                pass
        except BlockingIOError:
            still_open += 1
        except OSError:
            pass
    probe = socket.create_connection(("127.0.0.1", port), timeout=5)
    probe.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    try:
        answer = probe.recv(200).split(b"\r\n")[0].decode()
    except OSError as exc:
        answer = f"no answer ({exc})"
    print(f"{stack:10s} after 8 s: {still_open} of 51 idle/slow connections still open; a new request got {answer!r}")


def child(stack: str) -> None:
    import cv2  # noqa: F401
    import numpy  # noqa: F401
    import onnxruntime  # noqa: F401

    import edge.dashboard.server  # noqa: F401

    steps = {"daemon imports": rss_mb()}
    port = free_port()
    STACKS[stack](port)
    url = f"http://127.0.0.1:{port}/api/x"
    for _ in range(200):
        try:
            urlopen(url, timeout=1).read()
            break
        except OSError:
            time.sleep(0.05)
    steps["stack imported and serving"] = rss_mb()
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(20)]
    with ThreadPoolExecutor(10) as pool:
        list(pool.map(lambda _: urlopen(url, timeout=5).read(), range(300)))
    steps["after 300 requests, 20 idle"] = rss_mb()
    for sock in idle:
        sock.close()
    print(json.dumps({"stack": stack, **{k: round(v, 1) for k, v in steps.items()}}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="also uvicorn+Starlette and aiohttp (must be importable)")
    parser.add_argument("--idle", action="store_true", help="idle and slow connections instead of memory")
    parser.add_argument("--child", choices=sorted(STACKS), help=argparse.SUPPRESS)
    parser.add_argument("--idle-child", choices=sorted(STACKS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    if args.idle_child:
        idle_probe(args.idle_child)
        return
    if args.idle:
        for stack in ["glimpse", "starlette", "aiohttp"] if args.all else ["glimpse"]:
            cmd = [sys.executable, __file__, "--idle-child", stack]
            print(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip())
        return
    results = []
    for stack in ["stdlib", "starlette", "aiohttp"] if args.all else ["stdlib"]:
        out = subprocess.run([sys.executable, __file__, "--child", stack], capture_output=True, text=True, check=True)
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    base = {r["stack"]: r for r in results}["stdlib"]
    for r in results:
        extra = r["after 300 requests, 20 idle"] - base["after 300 requests, 20 idle"]
        print(f"{r['stack']:10s} " + ", ".join(f"{k} {v} MB" for k, v in r.items() if k != "stack"), end="")
        print(f"  (+{extra:.1f} MB over http.server)" if r is not base else "")


if __name__ == "__main__":
    main()
