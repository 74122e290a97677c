"""Office scale on the raised-limit SIP engine: 24 callers at once, each bridged to its own
SIPp dispatcher phone, ring-all with 30 phones that all answer at once; then the box full.

Skipped only when the installed pjsua2 has too few call slots (the PyPI wheel: 4), which
`make setup` says when it cannot build the engine from source.
"""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

from harness import PCAPS, SCENARIOS, _free, free_port, office_toml, sipp, wait_for

pytestmark = [pytest.mark.sip, pytest.mark.slow]

CALLERS = 24
PHONES = 30


def _rtp_span(count: int = 600) -> int:
    """RTP ports for ~100 legs below the kernel's ephemeral range, where every other port of
    the test (SIPp's, picked by free_port) lives: the two can never collide."""
    for base in range(20000, 32000 - count, 2 * count):
        if all(_free(base + i) for i in range(0, count, 7)):
            return base
    raise RuntimeError("no free RTP span")


def _library_slots(office) -> int:
    """What the installed pjsua2 allows, read from the library by a core with no limit set."""
    office.start_core(office_toml(office.sip_port, [], rtp_port=office.rtp_port))
    total = office.control.status()["capacity"]["total"]
    office.core.stop()
    office.procs.remove(office.core)
    return total


def _phones(office) -> list[subprocess.Popen]:
    """One SIPp UAS per dispatcher, echoing the audio it hears (RTP both ways)."""
    procs, dispatchers = [], []
    for i in range(PHONES):
        port = free_port()
        log = open(office.tmp / f"phone{i:02d}.log", "wb")
        procs.append(subprocess.Popen(
            ["sipp", "-sf", str(SCENARIOS / "phone_uas.xml"), "-i", "127.0.0.1", "-p", str(port),
             "-mp", str(free_port(span=4)), "-rtp_echo", "-nostdin",
             "-trace_err"], cwd=office.tmp, stdout=log, stderr=subprocess.STDOUT))
        dispatchers.append((f"d{i:02d}", f"2{i:02d}", port, None))
    office.dispatchers = dispatchers
    return procs


def _toml(office, max_calls: int) -> str:
    office.rtp_port = _rtp_span()
    text = office_toml(office.sip_port, [], rtp_port=office.rtp_port,
                       sip_opts=f"max_calls = {max_calls}\nrate_burst = 60",
                       queue_opts='strategy = "ringall"\nwrapup_s = 0.0\nring_timeout_s = 10.0')
    for name, ext, port, _ in office.dispatchers:
        text += f'\n[[dispatcher]]\nname = "{name}"\nextension = "{ext}"\nphone = "sip:{ext}@127.0.0.1:{port}"\n'
    return text


def _settled(office):
    status = office.control.status()
    idle = (status["capacity"]["used"] == 0 and not status["in_menu"]
            and all(not q["waiting"] for q in status["queues"])
            and all(d["state"] == "available" for d in status["dispatchers"]))
    return status if idle else None


def _call(office, calls: int, talk_ms: int):
    return sipp(office, "caller_busy_ok.xml", calls=calls, parallel=calls, rate=200, timeout=90,
                template={"talk_ms": talk_ms}, keys={"dtmf_pcap": PCAPS / "dtmf_2833_1.pcap"})


@pytest.fixture
def phones(office):
    procs = _phones(office)
    yield procs
    for proc in procs:
        proc.kill()
        proc.wait()


def _need_slots(office, needed: int) -> None:
    slots = _library_slots(office)
    if slots < needed:
        pytest.skip(f"the installed pjsua2 allows {slots} SIP calls (the PyPI wheel); this test "
                    "needs the raised-limit build: `make setup` builds it from ../shared/vendor")


def _storm(office, calls: int, talk_ms: int, then=None):
    """``calls`` callers at once; ``then()`` runs once every one of them is bridged."""
    with ThreadPoolExecutor(1) as pool:
        storm = pool.submit(_call, office, calls, talk_ms)

        def all_bridged():
            busy = [d for d in office.control.status()["dispatchers"] if d["state"] == "busy"]
            return len(busy) >= calls
        wait_for(all_bridged, 25, what=f"{calls} dispatchers on a call")
        extra = then() if then else None
        result, _ = storm.result()
    assert result.returncode == 0, result.stdout[-2000:]
    return extra


def test_24_callers_ring_all_phones_answering_at_once(office, phones):
    """Every caller is offered to every free phone and several answer the same caller at the
    same moment: one is bridged, the others are hung up and free for the next caller."""
    _need_slots(office, 2 * CALLERS + PHONES)
    office.start_core(_toml(office, max_calls=0))
    _storm(office, CALLERS, 12000)
    records = office.ended_records(CALLERS, timeout=30)
    assert [r["disposition"] for r in records] == ["answered"] * CALLERS
    assert len({r["dispatcher"] for r in records}) == CALLERS  # overlapping: one phone each
    assert all(r["caller"] == "+989121234567" for r in records)
    status = wait_for(lambda: _settled(office), 20, what="every slot and dispatcher free again")
    assert status["capacity"]["used"] == 0


def test_one_caller_past_max_calls_hears_busy(office, phones):
    """24 conversations fill ``max_calls = 48``: the 25th caller gets 486 and a record."""
    _need_slots(office, 2 * CALLERS)
    office.start_core(_toml(office, max_calls=2 * CALLERS))
    assert office.control.status()["capacity"]["total"] == 2 * CALLERS
    extra = _storm(office, CALLERS, 10000, then=lambda: _call(office, 1, 1000)[0])
    assert extra.returncode == 0, extra.stdout[-2000:]
    records = office.ended_records(CALLERS + 1, timeout=30)
    rejected = [r for r in records if r["disposition"] == "rejected"]
    assert len(rejected) == 1 and rejected[0]["hangup_cause"].startswith("486")
    assert sum(r["disposition"] == "answered" for r in records) == CALLERS
    status = wait_for(lambda: _settled(office), 20, what="every slot and dispatcher free again")
    assert status["capacity"]["used"] == 0
    result, _ = _call(office, 1, 1000)  # and the next caller is served normally
    assert result.returncode == 0
    assert office.ended_records(CALLERS + 2)[-1]["disposition"] == "answered"
