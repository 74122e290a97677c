"""The dispatcher desk: customers, orders, drivers, streets and telling the customer.

Storage classes here own their SQLite tables (see docs/architecture.md); the web
writes through them as the core does (WAL, short transactions).
"""
