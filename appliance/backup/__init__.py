"""Backup and restore: one archive of the data directory (SQLite through its online
backup API, config, users, prompts, recordings), optionally encrypted."""
