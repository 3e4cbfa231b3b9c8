"""Per-commune channel accounts: platform credentials and the rotating Zalo token pair."""
