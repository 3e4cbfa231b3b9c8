"""Routing each inbound message: to Rasa, or to the case that owns the conversation; rating capture."""
