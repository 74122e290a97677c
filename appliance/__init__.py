"""callbox: a contact center in a box (GPL-2.0-or-later)."""

__version__ = "0.1.0"
