"""Webhook routes for Zalo, Telegram and the web chat."""
