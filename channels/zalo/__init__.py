"""Zalo Official Account (Open API v3): signed webhooks in, customer-service messages out."""
