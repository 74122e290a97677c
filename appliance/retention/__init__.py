"""Retention: personal data older than its kind's ``[retention]`` days is purged,
and every purge is logged and audited (appliance/retention/purge.py)."""
