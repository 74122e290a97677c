"""Web memory: the web process's RSS with 10 live pages open, and 50 live streams.

A real core (the load benchmark's office) and the real web process (``callbox web``
under waitress). A signed-in supervisor loads every page, then 10 browsers' worth of
live streams (``/api/events``) stay open while SIPp calls make events flow; the web's
RSS, threads and fds come from /proc. Then 50 streams at once: each must get live
events (or an explicit refusal the page can show) — none silently dropped.
"""

from __future__ import annotations

import http.client
import http.cookiejar
import re
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import PYTHON, ROOT, start_core
from bench.load import callers, office_toml, start_uas
from bench.procstat import fd_count, rss_mib, status_value

PAGES = ("/", "/calls", "/messages", "/health", "/desk", "/admin")


@dataclass
class Stream:
    """One browser's live stream, read on its own thread."""

    port: int
    token: str
    status: int = 0
    events: int = 0
    body: str = ""
    opened: threading.Event = field(default_factory=threading.Event)

    def start(self) -> "Stream":
        threading.Thread(target=self._read, daemon=True).start()
        return self

    def _read(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            conn.request("GET", "/api/events", headers={
                "Authorization": f"Bearer {self.token}", "Accept": "text/event-stream"})
            response = conn.getresponse()
            self.status = response.status
            self.opened.set()
            if response.status != 200:
                self.body = response.read(500).decode(errors="replace")
                return
            while True:
                line = response.fp.readline()
                if not line:
                    return
                if line.startswith(b"event: ") and b"Core" not in line:
                    self.events += 1
        except OSError:
            self.opened.set()
        finally:
            conn.close()


USER, PASSWORD = "bench", "bench-password-1"


def start_web(work: Path, data: Path, port: int) -> subprocess.Popen:
    subprocess.run([PYTHON, "-m", "appliance", "user", "add", USER, "--role", "supervisor",
                    "--password", PASSWORD, "--data", str(data)], cwd=ROOT, check=True,
                   capture_output=True)
    log = open(work / "web.log", "wb")
    proc = subprocess.Popen([PYTHON, "-m", "appliance", "web", "--config",
                             str(work / "callbox.toml"), "--data", str(data),
                             "--http", f"127.0.0.1:{port}"], cwd=ROOT, stdout=log,
                            stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while b"web listening" not in (work / "web.log").read_bytes():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError((work / "web.log").read_text()[-2000:])
        time.sleep(0.1)
    return proc


def sign_in(port: int) -> tuple[urllib.request.OpenerDirector, str]:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = f"http://127.0.0.1:{port}"
    form = opener.open(base + "/login").read().decode()
    csrf = re.search(r'name="csrf" value="([^"]*)"', form).group(1)
    body = urllib.parse.urlencode({"csrf": csrf, "username": USER, "password": PASSWORD})
    opener.open(base + "/login", body.encode()).read()
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return opener, cookie


def _pages(opener: urllib.request.OpenerDirector, port: int) -> dict[str, int]:
    codes = {}
    for page in PAGES:
        try:
            codes[page] = opener.open(f"http://127.0.0.1:{port}{page}").status
        except urllib.error.HTTPError as exc:
            codes[page] = exc.code
    return codes


def _web_figures(pid: int) -> dict:
    return {"rss_mib": round(rss_mib([pid]), 1),
            "rss_anon_mib": round(status_value(pid, "RssAnon") / 1024, 1),
            "vm_size_mib": round(status_value(pid, "VmSize") / 1024, 1),  # virtual: stacks
            "threads": status_value(pid, "Threads"), "fds": fd_count(pid)}


def tokens(data: Path, count: int) -> list[str]:
    """One API token per desk: each live page is its own owner, as 50 desks would be."""
    from appliance.auth.users import UserStore
    users = UserStore(data)
    return [users.create_token("dispatcher", label=f"bench desk {n}") for n in range(count)]


def _streams(port: int, keys: list[str], work: Path, sip: int,
             kept: list | None = None) -> tuple[list, dict]:
    """Open a stream per key (beside ``kept``), make calls, count who saw events."""
    for s in kept or []:
        s.events = 0
    streams = (kept or []) + [Stream(port, key).start() for key in keys]
    for s in streams:
        s.opened.wait(10)
    caller = callers(work, sip, 4, 20)  # ~20 calls: every stream should see their events
    caller.wait()
    time.sleep(2.0)
    return streams, {"opened": sum(s.status == 200 for s in streams),
                     "with_events": sum(s.events > 0 for s in streams),
                     "refused": sum(s.status not in (0, 200) for s in streams),
                     "refusals": sorted({s.body for s in streams if s.body})[:2]}


def run(work: Path, sip_port: int = 28060, live_pages: int = 10, many: int = 50) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    uas_port, web_port = sip_port + 300, sip_port + 500
    core = start_core(work, office_toml(work, sip_port, uas_port, dispatchers=20), sip_port)
    uas = start_uas(work, uas_port)
    keys = tokens(core.data, many)
    web = start_web(work, core.data, web_port)
    try:
        opener, _ = sign_in(web_port)
        idle = _web_figures(web.pid)
        codes = [_pages(opener, web_port) for _ in range(3)][-1]
        (work / "a").mkdir(exist_ok=True)
        streams, ten = _streams(web_port, keys[:live_pages], work / "a", sip_port)
        _pages(opener, web_port)
        ten.update(_web_figures(web.pid))
        (work / "b").mkdir(exist_ok=True)
        _, fifty = _streams(web_port, keys[live_pages:], work / "b", sip_port, streams)
        fifty.update(_web_figures(web.pid))
    finally:
        web.terminate()
        web.wait(10)
        uas.terminate()
        uas.wait(10)
        core.stop()
    return {"idle": idle, "pages": codes, f"live_{live_pages}": ten, f"live_{many}": fifty,
            "target_rss_mib": 80}
