"""The desk's core-side parts, assembled from the ports the root hands in (like a
plugin's ``load()``): tracker, informer (+ its calls), ticker and control actions."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from appliance.desk import calls, tracker as tracking
from appliance.desk.actions import DeskActions
from appliance.desk.calls import InformCalls
from appliance.desk.events import OrderChanged
from appliance.desk.informer import Informer, InformerPorts
from appliance.desk.messages import CustomerTexts
from appliance.desk.service import DeskService
from appliance.desk.ticker import DeskTicker


def office_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


class DeskParts:
    def __init__(self, config, db_path: Path, work_dir: Path, bus, control,
                 on_bus: Callable[[Callable[[], Any]], Any], ports: InformerPorts):
        desk, office = config.desk, config.office
        self.service = DeskService(db_path, office.country, city=desk.city,
                                   lead_min=desk.lead_min)
        self.tracker = tracking.DeskTracker(bus.publish)
        tz = office_zone(office.timezone)
        self.calls = InformCalls(control, bus, lambda *a: self.informer.report(*a),
                                 ring_s=desk.ring_s)
        self.informer = Informer(self.service, ports, self.calls, bus,
                                 CustomerTexts(office.language, tz), tz,
                                 default_mode=desk.inform, reminder_hour=desk.reminder_hour,
                                 work_dir=work_dir)
        self.ticker = DeskTicker(self.service, self.informer, bus.publish)
        self.actions = DeskActions(self.tracker, self.service, on_bus, bus.publish)
        bus.subscribe(self.tracker.handle, tracking.EVENT_TYPES)
        bus.subscribe(self.informer.handle, (OrderChanged, *calls.EVENT_TYPES))

    def start(self) -> None:
        self.informer.start()
        self.ticker.start()

    def stop(self) -> None:
        self.ticker.stop()
        self.informer.stop()
