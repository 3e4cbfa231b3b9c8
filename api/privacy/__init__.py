"""Personal data under Luật Bảo vệ dữ liệu cá nhân 91/2025/QH15: notice and consent, citizens' rights from the chat,
erasure, retention and the audit trail of staff access (docs/privacy.md)."""
