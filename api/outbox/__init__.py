"""The outbox: every message to a citizen is stored first, then delivered by a restart-safe worker."""
