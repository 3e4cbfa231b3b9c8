"""Telegram via python-telegram-bot, in webhook mode inside the gateway (polling for development)."""
