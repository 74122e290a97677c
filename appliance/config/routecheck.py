"""``[[route]]`` checks (outbound routing, appliance/routing): known lines, digits only."""

from __future__ import annotations

import re

from appliance.config.model import Config

_PREFIX = re.compile(r"^\+?\d*$")
_PREPEND = re.compile(r"^\+?[\d*#]*$")


def check_routes(cfg: Config, problems) -> None:
    lines = [t.name for t in cfg.sip.trunk] + [g.name for g in cfg.gsm]
    known = ", ".join(lines) or "none: add a [[gsm]] or [[sip.trunk]]"
    for i, trunk in enumerate(cfg.sip.trunk):
        if trunk.max_calls < 0:
            problems.add(f"sip.trunk[{i}].max_calls", f"must be at least 0 (got {trunk.max_calls})")
    seen: dict[str, str] = {}
    for i, route in enumerate(cfg.route):
        key = f"route[{i}]"
        if not _PREFIX.match(route.prefix):
            problems.add(f"{key}.prefix", f"{route.prefix!r} must be digits, with a leading + "
                                          "for an E.164 prefix (e.g. +98912 or 0912)")
        elif route.prefix in seen:
            problems.add(f"{key}.prefix", f"duplicate prefix {route.prefix!r} (also {seen[route.prefix]})")
        else:
            seen[route.prefix] = key
        if not route.lines:
            problems.add(f"{key}.lines", "must name at least one line")
        for j, name in enumerate(route.lines):
            if name not in lines:
                problems.add(f"{key}.lines[{j}]", f"unknown line '{name}' (lines: {known})")
        if len(set(route.lines)) != len(route.lines):
            problems.add(f"{key}.lines", "a line is named twice")
        if route.strip < 0:
            problems.add(f"{key}.strip", f"must be at least 0 (got {route.strip})")
        if not _PREPEND.match(route.prepend):
            problems.add(f"{key}.prepend", f"{route.prepend!r} must be digits (a leading + allowed)")
        for name, cost in route.cost.items():
            if name not in route.lines:
                problems.add(f"{key}.cost.{name}", f"'{name}' is not one of this route's lines")
            elif cost < 0:
                problems.add(f"{key}.cost.{name}", f"must be at least 0 (got {cost:g})")
