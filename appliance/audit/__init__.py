"""The append-only audit log: who saw or changed what, when and from where.

Use ``from appliance.audit.log import AuditLog`` (this package imports nothing itself:
appliance.store.db imports the schema from here).
"""
