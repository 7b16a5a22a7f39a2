"""``xposim serve``: the mechanism explorer, a local web page (see docs/explorer.md)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from xposim.errors import InputError


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    import ipaddress

    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        host: Annotated[str, typer.Option(help="address to bind (loopback unless "
                                          "--allow-remote)")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="TCP port")] = 8050,
        allow_remote: Annotated[bool, typer.Option(
            "--allow-remote", help="allow a non-loopback --host: anyone who can reach it "
            "can run simulations")] = False,
        workers: Annotated[int, typer.Option(help="simulation worker processes")] = 2,
    ) -> None:
        """Start the explorer: a guided, live walk from XPO1 to the patient."""
        if not 1 <= port <= 65535:
            raise InputError("port", "must be in 1-65535", got=port)
        if not is_loopback(host):
            if not allow_remote:
                raise InputError("host", "is not a loopback address; pass --allow-remote to "
                                 "serve other machines (no authentication: anyone who "
                                 "reaches the port can run simulations)", got=host)
            print(f"warning: serving on {host}:{port}, reachable from other machines; the "
                  "explorer has no authentication", file=sys.stderr)
        import uvicorn

        from xposim.io.interrupts import signals_default
        from xposim.web.app import ExplorerSettings, create_app

        application = create_app(ExplorerSettings(processes=workers,
                                                  allow_remote=not is_loopback(host)))
        shown = f"[{host}]" if ":" in host else host
        print(f"xposim explorer: http://{shown}:{port}/  (Ctrl-C to stop)", flush=True)
        # a server stops on a signal by itself (it writes no result to clean up)
        with signals_default():
            uvicorn.run(application, host=host, port=port, log_level="warning",
                        limit_concurrency=64, timeout_keep_alive=5)
