"""Shared infrastructure for every domain: row leases, the SQLite writer lock, wake-up signals."""
