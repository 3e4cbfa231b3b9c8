"""Inbound events from every channel, stored before they are acknowledged and processed exactly once."""
