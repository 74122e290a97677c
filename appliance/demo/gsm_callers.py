"""The demo's mobile customers: calls and SMS through the simulated GSM modem.

Runs in the demo's process (the modem simulator is threads and ptys, no pjsua2):
now and then the simulated modem rings with a mobile caller who presses a digit,
talks and hangs up, or receives an SMS (Persian, Russian or English).
"""

from __future__ import annotations

import logging
import random
import threading

from appliance.telephony.gsm.sim.modem import SimModem

log = logging.getLogger("callbox.sim.gsm")

MOBILES = ["+989121112233", "+989357654321", "+79031234567", "+989191234567"]
SMS_TEXTS = ["لطفاً یک تاکسی به میدان ونک بفرستید", "Нужно такси к вокзалу через 10 минут",
             "Please send a taxi to 12 Azadi street", "ساعت ۸ صبح فردا یک تاکسی لازم دارم"]


class GsmCallers:
    def __init__(self, modem: SimModem, enabled: callable, every: float = 30.0,
                 rng: random.Random | None = None):
        self.modem = modem
        self.enabled = enabled
        self.every = every
        self.rng = rng or random.Random()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="demo-gsm", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.rng.uniform(0.7, 1.3) * self.every):
            if not self.enabled():
                continue
            try:
                if self.rng.random() < 0.25:
                    self.modem.inject_sms(self.rng.choice(MOBILES), self.rng.choice(SMS_TEXTS))
                elif self.modem.call is None:
                    self._call()
            except Exception:  # a simulator hiccup must not end the demo
                log.exception("simulated mobile caller failed")

    def _call(self) -> None:
        self.modem.inject_call(self.rng.choice(MOBILES))
        # press a digit once the box has answered, hang up after a while
        for _ in range(100):
            if self._stop.wait(0.1):
                return
            if self.modem.call is not None and self.modem.call.stat == 0:
                break
        else:
            return
        if self._stop.wait(self.rng.uniform(2.0, 4.0)):
            return
        self.modem.press(self.rng.choice("1112"))
        if not self._stop.wait(self.rng.uniform(20, 45)) and self.modem.call is not None:
            self.modem.remote_hangup()
