"""pjsua's own warnings and errors reach Python logging (consoleLevel 0 used to drop them)."""

import subprocess
import sys

SCRIPT = r"""
import logging, socket, sys, time
logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(levelname)s %(name)s %(message)s")
from appliance.telephony.sip.engine import SipEngine, SipSettings
with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
engine = SipEngine(SipSettings(port=port, rtp_port=port + 2), lambda event: None)
engine.start()
engine._submit(lambda: engine._ep.utilLogWrite(2, "test.c", "a pjsua warning"))
engine._submit(lambda: engine._ep.utilLogWrite(1, "test.c", "a pjsua error"))
time.sleep(0.5)
engine.stop()
"""


def test_pjsua_warnings_and_errors_are_logged():
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                         timeout=60).stdout
    assert "WARNING callbox.sip pjsua: a pjsua warning" in out, out[-2000:]
    assert "ERROR callbox.sip pjsua: a pjsua error" in out, out[-2000:]
