"""Run several app processes behind nginx on this machine, with the shipped nginx configuration, without root.

    python deploy/several.py --processes 2 --port 8080

Starts N `streamlit run app.py` processes on free loopback ports, all with one cookie secret and one
database ($ITSCM_DB, else data/itscm.db), writes deploy/nginx/itscm.conf with those ports into a temporary
folder and starts Debian's nginx from there as the current user (`nginx -p FOLDER -c nginx.conf`: its pid,
logs and temporary files stay in that folder). Ctrl-C stops everything. The tests and benchmarks use
`running_behind_proxy` for the same set-up.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parent.parent
SITE_TEMPLATE: Final = ROOT / "deploy" / "nginx" / "itscm.conf"
ROUTE_COOKIE: Final = "itscm_route"
NGINX_NOT_FOUND: Final = (
    "nginx is not installed: `make deps-test` installs Debian's nginx package (or `apt-get install nginx`)."
)


class ProxyStartError(RuntimeError):
    """nginx or an app process did not start; the message names the log that says why."""


@dataclass(frozen=True)
class AppProcess:
    """One `streamlit run` behind the proxy."""

    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def address(self) -> str:
        """The address nginx reaches it at, as nginx writes it in $upstream_addr."""
        return f"127.0.0.1:{self.port}"


@dataclass(frozen=True)
class ProxiedApp:
    """The proxy's URL, the app processes behind it and the folder holding nginx's files and logs."""

    url: str
    processes: list[AppProcess]
    folder: Path

    @property
    def access_log(self) -> Path:
        return self.folder / "access.log"

    def upstreams_of(self, route: str) -> list[str]:
        """Every upstream address that served the browser holding `route`, in the order of the access log.

        A request nginx retried on another process lists both addresses ("a, b"): each counts.
        """
        served = []
        text = self.access_log.read_text() if self.access_log.exists() else ""
        for line in text.splitlines():
            found = re.search(r" route=(\S+) upstream=(.*?) upstream_status=", line)
            if found and found.group(1) == route:
                served += re.findall(r"\d+\.\d+\.\d+\.\d+:\d+", found.group(2))
        return served


def nginx_path() -> str | None:
    """Debian's nginx (in /usr/sbin, often not on a normal user's PATH)."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _replace_once(text: str, pattern: str, replacement: str) -> str:
    new, count = re.subn(pattern, lambda _: replacement, text, flags=re.MULTILINE)
    if count == 0:
        raise ProxyStartError(f"{SITE_TEMPLATE} has no line matching {pattern!r}; keep that line in the template.")
    return new


def site_config(template: str, ports: Sequence[int], listen: str, access_log: Path) -> str:
    """The shipped server block with these app ports, this listen address and this access log."""
    servers = "\n".join(f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=10s;" for port in ports)
    upstream = re.search(r"^upstream itscm_app \{\n(.*?)^\}", template, flags=re.MULTILINE | re.DOTALL)
    if upstream is None:
        raise ProxyStartError(f"{SITE_TEMPLATE} has no `upstream itscm_app {{ ... }}` block.")
    body = upstream.group(1)
    kept = "\n".join(line for line in body.splitlines() if not line.strip().startswith("server "))
    text = template.replace(body, f"{kept}\n{servers}\n")
    text = _replace_once(text, r"^    listen 80;$", f"    listen {listen};")
    return _replace_once(text, r"^    access_log \S+ itscm;$", f"    access_log {access_log} itscm;")


def nginx_config(folder: Path, site: Path) -> str:
    """A whole nginx.conf around the site file: pid, logs and temporary files in `folder`, in the foreground."""
    temp = "\n".join(
        f"    {kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # Started by root (a container), the workers would otherwise run as nobody and could not use the folder.
    user = "user root;\n" if os.geteuid() == 0 else ""
    return (
        f"{user}daemon off;\nworker_processes 1;\npid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'error.log'} notice;\n"
        "events {\n    worker_connections 1024;\n}\n"
        f"http {{\n{temp}\n    include {site};\n}}\n"
    )


def start_app(
    database: Path | None,
    port: int,
    cookie_secret: str,
    log: Path,
    options: Sequence[str] = (),
    environment: Mapping[str, str] | None = None,
) -> AppProcess:
    """Start one `streamlit run app.py` on 127.0.0.1:`port` (not waiting for it to answer)."""
    env = {
        **os.environ,
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
        # The same secret in every process: a signed-in browser stays signed in on whichever process it reaches.
        "STREAMLIT_SERVER_COOKIE_SECRET": cookie_secret,
        # Pages load again when their connection comes back, possibly to another process (see app.py).
        "ITSCM_BEHIND_PROXY": "1",
        **({"ITSCM_DB": str(database)} if database is not None else {}),
        **(environment or {}),
    }
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)]
    command += ["--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none"]
    command += list(options)
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    return AppProcess(port, process, log)


def wait_until_healthy(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    """Wait until `url`/_stcore/health answers "ok"; raise, naming `log`, if `process` ends or time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            # Always an http:// address this module made from a port.
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:  # noqa: S310
                if response.read() == b"ok":
                    return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise ProxyStartError(f"{url} did not start; see {log}")
        time.sleep(0.25)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def running_behind_proxy(
    database: Path | None,
    processes: int = 2,
    *,
    port: int | None = None,
    folder: Path | None = None,
    options: Sequence[str] = (),
    environment: Mapping[str, str] | None = None,
    timeout: float = 90.0,
) -> Iterator[ProxiedApp]:
    """Run `processes` app processes on one database behind nginx on 127.0.0.1:`port`; yield them.

    `database` None leaves ITSCM_DB (and ITSCM_DATABASE_URL) as the environment has them. nginx's
    configuration, pid, logs and temporary files go to `folder` (a new temporary folder by default).
    """
    nginx = nginx_path()
    if nginx is None:
        raise ProxyStartError(NGINX_NOT_FOUND)
    folder = Path(tempfile.mkdtemp(prefix="itscm-proxy-")) if folder is None else folder
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port() if port is None else port
    cookie_secret = secrets.token_hex(32)
    with ExitStack() as stack:
        apps: list[AppProcess] = []
        for number in range(processes):
            app = start_app(
                database, free_port(), cookie_secret, folder / f"app-{number + 1}.log", options, environment
            )
            stack.callback(_stop, app.process)
            apps.append(app)
        for app in apps:
            wait_until_healthy(f"http://{app.address}", app.process, app.log, timeout)
        site = folder / "itscm.conf"
        site.write_text(
            site_config(
                SITE_TEMPLATE.read_text(), [app.port for app in apps], f"127.0.0.1:{port}", folder / "access.log"
            )
        )
        config = folder / "nginx.conf"
        config.write_text(nginx_config(folder, site))
        error_log = folder / "error.log"
        proxy = subprocess.Popen(
            [nginx, "-p", str(folder), "-c", str(config), "-e", str(error_log)],
            stdout=subprocess.DEVNULL,
            stderr=(folder / "nginx.out").open("w"),
        )
        stack.callback(_stop, proxy)
        url = f"http://127.0.0.1:{port}"
        wait_until_healthy(url, proxy, error_log, timeout=15)
        yield ProxiedApp(url, apps, folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--processes", type=int, default=2, help="app processes behind nginx (default 2)")
    parser.add_argument("--port", type=int, default=8080, help="nginx listens on 127.0.0.1:PORT (default 8080)")
    arguments = parser.parse_args()
    if arguments.processes < 1:
        raise SystemExit(f"--processes takes 1 or more, not {arguments.processes}.")
    try:
        with running_behind_proxy(None, arguments.processes, port=arguments.port) as proxied:
            print(f"Open {proxied.url}  (nginx files and logs: {proxied.folder})")
            for app in proxied.processes:
                print(f"  app process {app.process.pid} on {app.address}, log {app.log}")
            print("Ctrl-C stops nginx and every app process.")
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
            reported: set[int] = set()
            while any(app.process.poll() is None for app in proxied.processes):
                for app in proxied.processes:
                    if app.process.poll() is not None and app.port not in reported:
                        reported.add(app.port)
                        print(f"App process on {app.address} ended; nginx sends its browsers to the others.")
                time.sleep(1)
    except ProxyStartError as exc:
        raise SystemExit(str(exc)) from None
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
