"""Control socket between ``callbox core`` and ``callbox web`` (newline-delimited JSON)."""

from appliance.control.client import (ControlClient, ControlRequestError, CoreUnavailable,
                                      Subscription)
from appliance.control.protocol import socket_path
from appliance.control.server import ControlServer

__all__ = ["ControlClient", "ControlRequestError", "ControlServer", "CoreUnavailable",
           "Subscription", "socket_path"]
