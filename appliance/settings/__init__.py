"""The office's settings edited on the web (dispatchers, queues, lines, lamps):
checked by the same rules as callbox.toml, stored in the data dir's config store."""
