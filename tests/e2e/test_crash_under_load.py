"""The core SIGKILLed with 20 conversations up (issue #8 item 3), restarted the way
systemd does it: the unit's own ExecStart, ``Restart=always`` and ``RestartSec=``, READY=1
over NOTIFY_SOCKET (bench/unitrun.py), on a data directory provisioned like the box's.

After the restart the box answers SIP and takes a new call; the 20 calls in flight are
closed ``interrupted`` in the call log, every call that had ended is there as it ended,
no row is left open and SQLite's integrity check passes. How long it takes is measured
by ``bench/crash_restart.py`` (docs/benchmarks.md), not asserted here.

Skipped only when the installed pjsua2 has too few call slots (the PyPI wheel: 4).
"""

from __future__ import annotations

import pytest

from bench.crash_restart import ENDERS, TALKERS, CrashRig, outcome, rows, wait_until

pytestmark = [pytest.mark.sip, pytest.mark.slow]


@pytest.fixture
def rig(tmp_path):
    box = CrashRig(tmp_path / "box")
    yield box
    box.close()
    if getattr(box, "failed", False):
        print((tmp_path / "box" / "core.log").read_text(errors="replace")[-6000:])


def test_sigkill_with_20_conversations_up_loses_no_call(rig):
    rig.unit.start()
    if rig.slots() < 2 * TALKERS + 2:
        pytest.skip(f"the installed pjsua2 allows {rig.slots()} SIP calls (the PyPI wheel); "
                    "this test needs the raised-limit build that `make setup` makes")
    rig.failed = True
    rig.calls_up()  # 5 calls ended, then 20 bridged to 20 dispatchers
    restart = rig.kill_and_restart()
    assert len(rig.unit.starts) == 2 and rig.unit.starts[0].returncode == -9
    assert restart["first_call_after_ok"], "the restarted box did not take a new call"
    result = outcome(rig.data, TALKERS)
    assert (result["ended_kept"], result["ended"]) == (ENDERS, ENDERS), result
    assert (result["interrupted"], result["in_flight"]) == (TALKERS, TALKERS), result
    assert result["open_rows"] == 0 and result["integrity"] == "ok", result
    new = wait_until(lambda: [r for r in rows(rig.data) if r["caller_raw"].startswith("0913000")
                              and r["disposition"]], 15, "the new call's record")
    assert new[0]["disposition"] == "answered"
    rig.failed = False
