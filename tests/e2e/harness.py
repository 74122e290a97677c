"""Real processes for end-to-end tests: a core, simulated phones, SIPp callers."""

from __future__ import annotations

import json
import math
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import threading
import time
import wave
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from appliance.control.client import ControlClient
from appliance.control.protocol import socket_path
from appliance.store.db import db_path

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = Path(__file__).parent / "scenarios"
PCAPS = Path("/usr/share/sip-tester")
PYTHON = sys.executable
VOICE_PCAP = f'<nop><action><exec play_pcap_audio="{PCAPS}/g711a.pcap"/></action></nop>'


def free_port(kind: int = socket.SOCK_DGRAM, span: int = 1) -> int:
    """A port (and ``span - 1`` after it) free for UDP and TCP on 127.0.0.1."""
    for _ in range(200):
        with socket.socket(socket.AF_INET, kind) as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base + span < 65000 and all(_free(base + i) for i in range(span)):
            return base
    raise RuntimeError("no free port")


def _free(port: int) -> bool:
    for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
        with socket.socket(socket.AF_INET, kind) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


def wait_for(predicate, timeout: float, step: float = 0.05, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def _wait_line(proc: subprocess.Popen, marker: str, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"process exited early ({proc.returncode}):\n{log.read_text()[-3000:]}")
        if marker in log.read_text(errors="replace"):
            return
        time.sleep(0.05)
    raise AssertionError(f"no {marker!r} within {timeout}s:\n{log.read_text()[-3000:]}")


@dataclass
class Proc:
    proc: subprocess.Popen
    log: Path

    def stop(self, timeout: float = 10.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"{self.log.name} did not stop on SIGTERM")
        return self.proc.returncode

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def spawn(argv: list[str], log: Path, marker: str, timeout: float = 60.0) -> Proc:
    out = open(log, "wb")
    proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    out.close()
    _wait_line(proc, marker, timeout, log)
    return Proc(proc, log)


@dataclass
class Office:
    """One running box: config, data dir, ports and processes."""

    tmp: Path
    sip_port: int
    phone_ports: list[int]
    procs: list[Proc] = field(default_factory=list)
    core: Proc | None = None

    @property
    def data(self) -> Path:
        return self.tmp / "data"

    @property
    def control(self) -> ControlClient:
        return ControlClient(socket_path(self.data), timeout=5.0)

    def start_core(self, toml: str, poll_ms: int = 5) -> Proc:
        config = self.tmp / "callbox.toml"
        config.write_text(toml, encoding="utf-8")
        self.core = spawn([PYTHON, str(ROOT / "tests/e2e/corehost.py"), "--config", str(config),
                           "--data", str(self.data), "--sip", f"127.0.0.1:{self.sip_port}",
                           "--poll-ms", str(poll_ms)], self.tmp / "core.log", "CORE READY")
        self.procs.append(self.core)
        return self.core

    def start_phones(self, specs: list[str], voice: str = "", hangup_after: str = "0",
                     answer_after: str = "1-1") -> Proc:
        argv = [PYTHON, "-m", "appliance", "sim-phones", "--data", str(self.data),
                "--answer-after", answer_after, "--hangup-after", hangup_after,
                "--report", str(self.tmp / "phones.jsonl"), "--record-dir", str(self.tmp)]
        if voice:
            argv += ["--voice", voice]
        for spec in specs:
            argv += ["--phone", spec]
        proc = spawn(argv, self.tmp / "phones.log", "READY")
        self.procs.append(proc)
        return proc

    def phone_calls(self) -> list[dict]:
        path = self.tmp / "phones.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    def records(self) -> list[dict]:
        path = db_path(self.data)
        if not path.exists():
            return []
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in conn.execute("SELECT * FROM calls ORDER BY id")]
        except sqlite3.OperationalError:
            return []
        finally:
            conn.close()

    def ended_records(self, count: int, timeout: float = 15.0) -> list[dict]:
        def done():
            rows = [r for r in self.records() if r["disposition"]]
            return rows if len(rows) >= count else None
        return wait_for(done, timeout, 0.1, f"{count} ended call records")

    def pins(self, *pins: int) -> dict[int, list[tuple[float, bool]]]:
        raw = self.control.action("pins", pins=list(pins))
        return {int(k): [(t, bool(v)) for t, v in states] for k, states in raw.items()}

    def stop(self) -> None:
        for proc in reversed(self.procs):
            try:
                proc.stop()
            except AssertionError:
                pass


def sipp(office: Office, scenario: str | Path, calls: int = 1, parallel: int = 1, rate: float = 10,
         timeout: float = 60, echo: bool = False, keys: dict | None = None,
         template: dict | None = None, port: int | None = None, extra: list[str] | None = None):
    """Run SIPp as caller(s) against the office; returns the CompletedProcess and its stats."""
    source = SCENARIOS / scenario  # an absolute path is kept as it is
    text = source.read_text()
    template = {"voice": VOICE_PCAP, **(template or {})}
    for key, value in template.items():
        text = text.replace("{" + key + "}", str(value))
    path = office.tmp / f"run-{source.name}"
    path.write_text(text)
    sip_port = port or free_port()
    media = free_port(span=4)
    argv = ["sipp", f"127.0.0.1:{office.sip_port}", "-sf", str(path), "-m", str(calls),
            "-l", str(parallel), "-r", str(rate), "-i", "127.0.0.1", "-p", str(sip_port),
            "-mp", str(media), "-nostdin", "-trace_err", "-trace_stat", "-fd", "1",
            "-timeout", f"{timeout}s", "-timeout_error", "-max_recv_loops", "1000"]
    if echo:
        argv.append("-rtp_echo")
    for key, value in {"user": "09121234567", "pt": "101", **(keys or {})}.items():
        argv += ["-key", key, str(value)]
    argv += extra or []
    result = subprocess.run(argv, cwd=office.tmp, capture_output=True, text=True,
                            timeout=timeout + 30)
    return result, _sipp_stats(office.tmp, path)


def _sipp_stats(tmp: Path, scenario: Path) -> dict:
    """The last line of SIPp's -trace_stat CSV as a dict."""
    files = sorted(tmp.glob(f"{scenario.stem}_*_.csv"))
    if not files:
        return {}
    lines = files[-1].read_text().splitlines()
    head, last = lines[0].split(";"), lines[-1].split(";")
    return dict(zip(head, last))


def tone_wav(path: Path, freq: int, seconds: float = 3.0) -> str:
    subprocess.run(["sox", "-n", "-r", "8000", "-b", "16", "-c", "1", str(path), "synth",
                    str(seconds), "sine", str(freq), "vol", "0.5"], check=True)
    return str(path)


def read_wav(path: str | Path) -> tuple[list[int], int]:
    """16-bit mono samples and the sample rate. pjmedia finishes a recording's header
    when its port is destroyed, a moment after the call ends: wait for it."""
    wait_for(lambda: _is_wav(path), 5, what=f"{path} to be a finished WAV")
    with wave.open(str(path)) as wav:
        assert wav.getsampwidth() == 2 and wav.getnchannels() == 1
        frames = wav.readframes(wav.getnframes())
        rate = wav.getframerate()
    return list(struct.unpack(f"<{len(frames) // 2}h", frames)), rate


def _is_wav(path: str | Path) -> bool:
    try:
        with wave.open(str(path)) as wav:
            return wav.getnframes() > 0
    except (wave.Error, EOFError, OSError):
        return False


def goertzel_share(samples: list[int], freq: float, rate: int) -> float:
    """Share of the signal's energy at ``freq`` (0..1), computed over 20 ms blocks."""
    block = rate // 50
    k = 2 * math.cos(2 * math.pi * freq / rate)
    tone = total = 0.0
    for start in range(0, len(samples) - block, block):
        s1 = s2 = 0.0
        chunk = samples[start:start + block]
        for x in chunk:
            s1, s2 = x + k * s1 - s2, s1
        tone += (s1 * s1 + s2 * s2 - k * s1 * s2) * 2 / block
        total += sum(x * x for x in chunk)
    return tone / total if total else 0.0


def rms(samples: list[int]) -> float:
    return math.sqrt(sum(x * x for x in samples) / len(samples)) / 32768 if samples else 0.0


def lamp_phases(states: list[tuple[float, bool]], blink_gap: float = 0.8) -> list[str]:
    """Mock pin history → phases: 'off', 'on', 'blink' (toggling faster than blink_gap)."""
    changes = []
    for t, v in states:
        if not changes or changes[-1][1] != v:
            changes.append((t, v))
    phases: list[str] = []
    for i, (t, v) in enumerate(changes):
        nxt = changes[i + 1][0] if i + 1 < len(changes) else None
        short = nxt is not None and nxt - t < blink_gap
        name = "blink" if short else ("on" if v else "off")
        if not phases or phases[-1] != name:
            phases.append(name)
    return phases


def office_toml(sip_port: int, dispatchers: list[tuple[str, str, int, int]], *,
                rtp_port: int, queue_opts: str = "", ivr_opts: str = "", sip_opts: str = "") -> str:
    """A callbox.toml for tests: dispatchers are (name, extension, phone port, lamp pin)."""
    parts = [f"""
[office]
name = "Test Taxi"
language = "en"
timezone = "Asia/Tehran"
country = "IR"

[sip]
listen = "127.0.0.1:{sip_port}"
rtp_port = {rtp_port}
{sip_opts}

[lamps]
pin_factory = "mock"
queue_waiting = 22

[ivr]
greeting = "welcome"
root = "main"

[[ivr.menu]]
id = "main"
prompt = "main_menu"
options = {{ "1" = "queue:taxi", "2" = "queue:office", "0" = "queue:operator" }}
{ivr_opts or 'timeout_s = 2.0' + chr(10) + 'retries = 1' + chr(10) + 'default = "queue:office"'}
"""]
    for name, ext, port, lamp in dispatchers:
        parts.append(f"""
[[dispatcher]]
name = "{name}"
extension = "{ext}"
phone = "sip:{ext}@127.0.0.1:{port}"
lamp = {lamp}
""")
    for queue in ("taxi", "office", "operator"):
        parts.append(f"""
[[queue]]
name = "{queue}"
{queue_opts or 'wrapup_s = 1.0' + chr(10) + 'ring_timeout_s = 5.0'}
""")
    return "".join(parts)


def gsm_toml(modem, name: str = "gsm1") -> str:
    """The [[gsm]] block for a simulated modem (its ptys are opened like real ports)."""
    return f"""
[[gsm]]
name = "{name}"
port = "{modem.port}"
audio_port = "{modem.audio_port}"
profile = "{modem.profile}"
"""


def gsm_line_up(office: Office, name: str = "gsm1") -> bool:
    lines = {line["name"]: line for line in office.control.status()["lines"]}
    return lines.get(name, {}).get("state") in ("up", "idle")


def sipp_phone(office: Office, scenario: str, template: dict, log_name: str,
               port: int | None = None, timeout_s: int = 90) -> subprocess.Popen:
    """A dispatcher's phone as SIPp (a UAS echoing every RTP packet) on ``port`` (anna's
    by default), from a scenario with ``{key}`` placeholders; its output in ``log_name``."""
    text = (SCENARIOS / scenario).read_text()
    for key, value in template.items():
        text = text.replace("{" + key + "}", str(value))
    path = office.tmp / f"run-{scenario}"
    path.write_text(text)
    log = open(office.tmp / log_name, "wb")
    return subprocess.Popen(
        ["sipp", "-sf", str(path), "-i", "127.0.0.1", "-p", str(port or office.phone_ports[0]),
         "-mp", str(free_port(span=4)), "-rtp_echo", "-nostdin", "-m", "1", "-trace_err",
         "-timeout", f"{timeout_s}s", "-timeout_error"], cwd=office.tmp, stdout=log,
        stderr=subprocess.STDOUT)


@contextmanager
def web_server(office: Office, role: str = "supervisor"):
    """The web app in this process against the running core: (base URL, a token of a
    user with ``role``)."""
    from appliance.auth.users import UserStore
    from appliance.config.loader import load_toml
    from web import create_app
    from web.server import make_server

    app = create_app(load_toml(office.tmp / "callbox.toml"), office.data, office.control)
    server = make_server(app, "127.0.0.1", 0)
    threading.Thread(target=server.run, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}", UserStore(office.data).create_token(role)
    finally:
        server.close()


def post_json(base: str, token: str, path: str, body: dict) -> dict:
    """POST ``body`` as JSON with a bearer token; the decoded answer."""
    import urllib.request
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": f"Bearer {token}",
                                              "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)
