"""IVR reload benchmark: a tree saved (as the web saves it) → the next caller gets it.

What a supervisor notices: "I saved; the next caller gets the new menu". Each round has
SIPp ready with CALLS callers (rate 0), then in one moment tells it to dial (one call
every ~10 ms, the first INVITE ~5-15 ms later, so callers are in flight during the
save), stores a new version in ``<data>/ivr.json`` (IvrStore.save, what PUT /api/ivr
does) and asks the running core to reload (the ``ivr_reload`` control action, what the
web sends). Each round's tree sends digit 1 to a different queue, so a call record's
``queue`` (and ``ivr_path`` = ``main:1``) says which tree routed the call; the core
takes a call's tree when it answers it.

Clock: from that moment until the first caller answered (SIPp's 200 stamp) on the new
tree; breakdown: save, reload (the core answers with the new version), first INVITE.
A call answered after the core said "in force" yet routed by the old tree, a call with
no 200 or no record, or a round without any call on the new tree fails the round (listed
with its calls). Calls answered before that are counted (the old tree is theirs by
design: the swap is per new call). Target: ≤ 1 s.
"""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import time
from pathlib import Path

from appliance.control.client import ControlClient
from appliance.control.protocol import socket_path
from appliance.ivr.store import IvrStore
from bench.common import ROOT, parse_sipp_messages, percentiles, start_core

SCENARIO = ROOT / "tests/e2e/scenarios/caller.xml"
PCAP = Path("/usr/share/sip-tester/dtmf_2833_1.pcap")
QUEUES = ("taxi", "office", "operator")
GREET_MS = 800  # the caller presses 1 this long after the 200 (the menu takes barge-in)
CALLS, CALL_RATE = 8, 100  # per round: callers dialling every ~10 ms from the moment of the save
SIPP_START_S = 1.2  # SIPp at rate 0 heeds its control port only ~1 s after it starts

TOML = """
[office]
name = "Bench"
language = "en"
[sip]
listen = "127.0.0.1:{sip}"
rtp_port = {rtp}
trusted_peers = ["127.0.0.1"]  # SIPp carries every caller, like a trunk: no per-source limit
[lamps]
pin_factory = "mock"
queue_waiting = 22
"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _scenario(work: Path) -> Path:
    text = SCENARIO.read_text()
    for key, value in {"greet_ms": GREET_MS, "talk_ms": 300, "voice": ""}.items():
        text = text.replace("{" + key + "}", str(value))
    text = text.replace("sip:[user]@", "sip:[user][call_number]@")  # one record per caller
    path = work / "reload_caller.xml"
    path.write_text(text)
    return path


def _ready_caller(cwd: Path, scenario: Path, sip_port: int,
                  user: str) -> tuple[subprocess.Popen, int]:
    """SIPp up with its callers ready and none dialling (rate 0) until ``_dial``."""
    cwd.mkdir(parents=True, exist_ok=True)
    control = _free_port()
    proc = subprocess.Popen(
        ["sipp", f"127.0.0.1:{sip_port}", "-sf", str(scenario), "-m", str(CALLS), "-r", "0",
         "-i", "127.0.0.1", "-p", str(_free_port()), "-mp", str(_free_port()),
         "-cp", str(control), "-nostdin", "-trace_msg", "-timeout", "30s",
         "-key", "dtmf_pcap", str(PCAP), "-key", "pt", "101", "-key", "user", user],
        cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(SIPP_START_S)
    return proc, control


def _dial(control: int) -> None:
    """SIPp's remote control: from now on one call every 1000/CALL_RATE ms (first ~3 ms)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.sendto(f"cset rate {CALL_RATE}".encode(), ("127.0.0.1", control))


def _save(data: Path, queue: str) -> int:
    store = IvrStore(data)
    doc = store.current()["tree"]
    doc["menus"][0]["options"]["1"] = f"queue:{queue}"
    return store.save(doc, "bench")["version"]


def _sip_times(cwd: Path) -> dict[int, dict[str, float]]:
    """{SIPp call number: {"INVITE": sent, "200": received}} (SIPp's Call-ID is N-pid@ip)."""
    log = next(cwd.glob("*_messages.log"), None)
    calls = parse_sipp_messages(log) if log else {}
    return {int(cid.split("-", 1)[0]): t for cid, t in calls.items() if cid[:1].isdigit()}


def _records(data: Path, user: str, wait_s: float = 5.0) -> dict[int, tuple[str | None, str]]:
    """{call number: (queue, IVR path)} once every call ended (the writer may lag a BYE)."""
    deadline = time.monotonic() + wait_s
    while True:
        conn = sqlite3.connect(f"file:{data / 'callbox.sqlite3'}?mode=ro", uri=True)
        try:
            rows = conn.execute("SELECT caller_raw, queue, ivr_path, ended_at FROM calls"
                                " WHERE caller_raw LIKE ?", (user + "%",)).fetchall()
        finally:
            conn.close()
        if (len(rows) == CALLS and all(r[3] for r in rows)) or time.monotonic() > deadline:
            return {int(r[0][len(user):]): (r[1], r[2]) for r in rows}
        time.sleep(0.1)


def _tree(record: tuple[str | None, str] | None, new: str, old: str) -> str:
    """Which tree routed the call: digit 1's queue names it (the fallback names one too)."""
    if record is None or not record[1].split(",")[0].endswith(":1"):
        return "none"
    return {new: "new", old: "old"}.get(record[0], "none")


def _calls(cwd: Path, data: Path, user: str, t0: float, new: str, old: str) -> list[dict]:
    sip, records = _sip_times(cwd), _records(data, user)

    def ms(t: float | None) -> float | None:
        return None if t is None else round((t - t0) * 1000, 2)

    return [{"n": n, "invite_at_ms": ms(sip.get(n, {}).get("INVITE")),
             "answered_at_ms": ms(sip.get(n, {}).get("200")),
             "queue": (records.get(n) or (None, ""))[0],
             "tree": _tree(records.get(n), new, old)} for n in range(1, CALLS + 1)]


def _round(i: int, work: Path, scenario: Path, data: Path, control: ControlClient,
           sip_port: int) -> dict:
    new, old = QUEUES[(i + 1) % len(QUEUES)], QUEUES[i % len(QUEUES)]
    user, cwd = f"0912{i:03d}0", work / f"round{i:02d}"
    caller, caller_control = _ready_caller(cwd, scenario, sip_port, user)
    t0 = time.time()  # wall clock: SIPp stamps its messages in epoch µs
    _dial(caller_control)
    version = _save(data, new)
    t_saved = time.time()
    answer = control.action("ivr_reload")
    t_reloaded = time.time()
    try:
        caller.wait(timeout=60)
    finally:
        if caller.poll() is None:
            caller.kill()
    calls = _calls(cwd, data, user, t0, new, old)
    in_force = round((t_reloaded - t0) * 1000, 2)
    first_new = min((c["answered_at_ms"] for c in calls
                     if c["tree"] == "new" and c["answered_at_ms"] is not None), default=None)
    # wrong: answered after the core said the new version is in force, yet not on it;
    # or lost (no 200, no record). Old tree before that moment is the swap's honest edge.
    wrong = [c for c in calls if c["tree"] == "none" or c["answered_at_ms"] is None
             or (c["tree"] == "old" and c["answered_at_ms"] >= in_force)]
    return {"round": i, "version": version, "core_version": answer.get("version"),
            "save_ms": round((t_saved - t0) * 1000, 2),
            "reload_ms": round((t_reloaded - t_saved) * 1000, 2), "in_force_at_ms": in_force,
            "first_new_tree_answer_at_ms": first_new,
            "old_tree_calls": sum(1 for c in calls if c["tree"] == "old" and c not in wrong),
            "ok": not wrong and first_new is not None and answer.get("version") == version,
            "wrong_calls": wrong, "calls": calls}


def _summary(rounds: list[dict]) -> dict:
    firsts = [r["calls"][0] for r in rounds]
    return {
        "rounds": len(rounds), "calls_per_round": CALLS, "call_every_ms": 1000 / CALL_RATE,
        "failed_rounds": [r for r in rounds if not r["ok"]],
        "save_ms": percentiles([r["save_ms"] for r in rounds]),
        "reload_ms": percentiles([r["reload_ms"] for r in rounds]),
        "save_to_in_force_ms": percentiles([r["in_force_at_ms"] for r in rounds]),
        "save_to_first_call_answered_on_new_tree_ms": percentiles(
            [r["first_new_tree_answer_at_ms"] for r in rounds
             if r["first_new_tree_answer_at_ms"] is not None]),
        # the caller who dialled at the moment of the save: when its INVITE left, which tree
        "first_caller_invite_at_ms": percentiles([c["invite_at_ms"] for c in firsts
                                                  if c["invite_at_ms"] is not None]),
        "first_caller_on_new_tree": sum(1 for c in firsts if c["tree"] == "new"),
        "old_tree_calls_before_in_force": sum(r["old_tree_calls"] for r in rounds),
        "target_ms": 1000,
    }


def run(work: Path, rounds: int = 15, sip_port: int = 27060) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    core = start_core(work, TOML.format(sip=sip_port, rtp=sip_port + 1000), sip_port)
    try:
        control = ControlClient(socket_path(core.data), timeout=10.0)
        scenario = _scenario(work)
        _save(core.data, QUEUES[0])  # round 0's old tree names a queue the new one does not
        control.action("ivr_reload")
        results = [_round(i, work, scenario, core.data, control, sip_port)
                   for i in range(rounds)]
    finally:
        core.stop()
    summary = _summary(results)
    worst = summary["save_to_first_call_answered_on_new_tree_ms"].get("max", 1e9)
    return {**summary, "ok": not summary["failed_rounds"] and worst <= 1000,
            "per_round": [{k: v for k, v in r.items() if k != "calls"} for r in results]}
