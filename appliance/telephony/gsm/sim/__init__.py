"""A simulated GSM modem behind a pty (demo, tests): see :mod:`.modem`."""

from appliance.telephony.gsm.sim.modem import SimModem

__all__ = ["SimModem"]
