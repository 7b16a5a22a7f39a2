"""The explorer's server: bad or oversized requests get a 4xx with a message (never a 500
or a hang), it answers other requests while a simulation runs, a runaway simulation is
stopped, and it binds only where told.

Servers run as real processes (uvicorn on loopback, a free port). Slow simulations are
stood in for by :func:`slow_view` (a runner that sleeps ``hours / 10`` s), so the
concurrency tests do not depend on the model's speed.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from xposim.web import limits

HERE = Path(__file__).resolve().parent


def slow_view(step: int, params: dict) -> dict:
    """Stand-in runner: sleeps ``hours / 10`` s, then returns an empty view."""
    time.sleep(float(params.get("hours", 1.0)) / 10.0)
    return {"step": step, "params": params, "panels": [], "cells": None, "summary": [],
            "notes": []}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(base: str, proc: subprocess.Popen, ready: bool = False,
                  timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stdout.read() if proc.stdout else ''}")
        with contextlib.suppress(httpx.HTTPError):
            health = httpx.get(f"{base}/api/health", timeout=2).json()
            if health["ready"] or not ready:
                return
        time.sleep(0.2)
    raise RuntimeError("server did not come up")


@contextlib.contextmanager
def server(**settings: object) -> Iterator[str]:
    """A uvicorn server of ``create_app(ExplorerSettings(**settings))`` on loopback."""
    port = free_port()
    code = textwrap.dedent(f"""
        import uvicorn
        from xposim.web.app import ExplorerSettings, create_app
        uvicorn.run(create_app(ExplorerSettings(**{settings!r})), host="127.0.0.1",
                    port={port}, log_level="warning")
    """)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get(
        "PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, proc, ready=True)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def slow_server() -> Iterator[str]:
    with server(runner="test_web_server:slow_view", warm=False, processes=2,
                timeout_s=5.0, max_pending=3) as base:
        yield base


# ------------------------------------------------------------------ bad requests
@pytest.mark.parametrize(("path", "status", "message"), [
    ("/api/view/3?selinexor_nM=1e9", 422, "selinexor_nM: must be <= 10000 nM"),
    ("/api/view/3?selinexor_nM=abc", 422, "selinexor_nM: must be a finite number in nM"),
    ("/api/view/3?cell_line=HeLa", 422, "cell_line: must be one of"),
    ("/api/view/3?foo=1", 422, "foo: unknown parameter for this step"),
    ("/api/view/3?hours=5&hours=6", 422, "hours: given twice"),
    ("/api/view/3?hours=10&washout_h=12", 422, "washout_h: must be 0 (never)"),
    ("/api/view/6?weeks=1000", 422, "weeks: must be <= 24 weeks"),
    ("/api/view/9", 404, "step: must be one of 1-6"),
    ("/api/view/x.csv", 404, "step: must be one of 1-6"),
    ("/api/view/3?cell_line=" + "a" * (limits.MAX_QUERY_BYTES + 1), 414,
     "query string: must be at most"),
])
def test_bad_requests_get_a_4xx_naming_the_problem(slow_server, path, status, message):
    r = httpx.get(slow_server + path, timeout=10)
    assert r.status_code == status
    assert r.json()["error"].startswith(message), r.json()


def test_a_body_is_refused(slow_server):
    r = httpx.request("GET", slow_server + "/api/view/1", content=b"x" * 10_000, timeout=10)
    assert r.status_code == 413 and "read-only" in r.json()["error"]
    r = httpx.post(slow_server + "/api/view/1", content=b"{}", timeout=10)
    assert r.status_code == 413


def test_other_methods_are_refused(slow_server):
    assert httpx.delete(slow_server + "/api/view/1", timeout=10).status_code == 405


def test_a_foreign_host_header_is_refused(slow_server):
    """DNS rebinding: a page on another site must not reach a loopback server."""
    r = httpx.get(slow_server + "/api/health", headers={"Host": "evil.example"}, timeout=10)
    assert r.status_code == 400


def test_security_headers(slow_server):
    r = httpx.get(slow_server + "/", timeout=10)
    assert r.status_code == 200 and "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"


# ------------------------------------------------------------------ concurrency, time
def test_answers_other_requests_while_a_simulation_runs(slow_server):
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        slow = ex.submit(httpx.get, slow_server + "/api/view/1?hours=40", timeout=60)  # 4 s
        time.sleep(0.3)  # the simulation is now running in a worker
        t = time.perf_counter()
        health = httpx.get(slow_server + "/api/health", timeout=10)
        steps = httpx.get(slow_server + "/api/steps", timeout=10)
        page = httpx.get(slow_server + "/", timeout=10)
        elapsed = time.perf_counter() - t
        assert health.json()["pending"] >= 1 and not slow.done()
        assert steps.status_code == page.status_code == 200
        assert elapsed < 1.5  # answered by the event loop, not queued behind the 4 s run
        fast = httpx.get(slow_server + "/api/view/1?hours=1", timeout=30)
        # the other worker ran it: it is back while the long simulation still runs
        assert fast.status_code == 200 and not slow.done()
        assert slow.result().status_code == 200


def test_a_runaway_simulation_is_stopped_and_the_server_recovers(slow_server):
    before = httpx.get(slow_server + "/api/health", timeout=10).json()["restarts"]
    t = time.perf_counter()
    r = httpx.get(slow_server + "/api/view/1?hours=100", timeout=30)  # sleeps 10 s
    assert r.status_code == 504 and "longer than 5 s" in r.json()["error"]
    assert time.perf_counter() - t < 9.5
    assert httpx.get(slow_server + "/api/health", timeout=10).json()["restarts"] == before + 1
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # the new pool warms up, then answers again
        r = httpx.get(slow_server + "/api/view/1?hours=2", timeout=30)
        if r.status_code == 200:
            break
        time.sleep(0.5)
    assert r.status_code == 200


def test_too_many_waiting_simulations_get_503(slow_server):
    with concurrent.futures.ThreadPoolExecutor(5) as ex:
        futures = [ex.submit(httpx.get, f"{slow_server}/api/view/1?hours={h}", timeout=30)
                   for h in (11, 12, 13, 14, 15)]
        codes = sorted(f.result().status_code for f in futures)
    assert 503 in codes and 200 in codes
    busy = [f.result().json()["error"] for f in futures if f.result().status_code == 503]
    assert "limit 3" in busy[0]


def test_identical_requests_are_cached(slow_server):
    t = time.perf_counter()
    assert httpx.get(slow_server + "/api/view/2?hours=9", timeout=30).status_code == 200
    first = time.perf_counter() - t
    t = time.perf_counter()
    assert httpx.get(slow_server + "/api/view/2?hours=9", timeout=30).status_code == 200
    assert time.perf_counter() - t < first / 3


# ------------------------------------------------------------------ the real model
def test_real_views_and_csv_over_http():
    with server(processes=1) as base:
        r = httpx.get(base + "/api/view/3?selinexor_nM=50", timeout=60)
        assert r.status_code == 200
        view = r.json()
        assert view["step"] == 3 and view["params"]["selinexor_nM"] == 50.0
        csv_text = httpx.get(base + "/api/view/3.csv?selinexor_nM=50", timeout=60)
        assert csv_text.headers["content-type"].startswith("text/csv")
        assert csv_text.text.startswith("step,panel,series,variable,x,x_unit,y,y_unit\n")
        plotly = httpx.get(base + "/static/plotly-basic.min.js", timeout=10)
        assert plotly.status_code == 200 and len(plotly.content) > 500_000


# ------------------------------------------------------------------ binding
def test_non_loopback_host_needs_allow_remote():
    proc = subprocess.run([sys.executable, "-c", "from xposim.cli import main; "
                           "main(['serve', '--host', '0.0.0.0', '--port', '8999'])"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "host: is not a loopback address; pass --allow-remote" in proc.stderr


def test_allow_remote_warns(monkeypatch, capsys):
    import uvicorn

    from xposim.cli import main

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    main(["serve", "--host", "192.0.2.10", "--allow-remote", "--port", "8999"])
    assert calls and calls[0]["host"] == "192.0.2.10"
    assert "warning: serving on 192.0.2.10:8999, reachable from other machines" in (
        capsys.readouterr().err)


def test_binds_only_where_told():
    """Started on 127.0.0.1, the server is not listening on the rest of 127.0.0.0/8 (it
    did not bind every interface)."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", "from xposim.cli import main; "
                             f"main(['serve', '--port', '{port}', '--workers', '1'])"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_until_up(f"http://127.0.0.1:{port}", proc)
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.2:{port}/api/health", timeout=5)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_is_loopback():
    from xposim.cli.serve import is_loopback

    assert all(map(is_loopback, ["127.0.0.1", "localhost", "::1", "[::1]", "127.1.2.3"]))
    assert not any(map(is_loopback, ["0.0.0.0", "192.168.1.2", "example.org", "::"]))
