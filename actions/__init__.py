"""Xã Số custom actions (Rasa SDK). One module per topic; actions reach the gateway over HTTP only."""
