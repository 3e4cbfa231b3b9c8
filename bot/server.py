"""The Rasa server with bot/speedups.py, bot/sessions.py, bot/cluster.py and bot/guard.py applied:
``python -m bot.server run …`` takes ``rasa``'s own arguments."""

from __future__ import annotations

from bot import cluster, guard, sessions, speedups


def main() -> None:
    speedups.apply()
    sessions.apply()
    cluster.apply()
    guard.apply()  # XASO_RASA_TOKEN from the environment, required on every route (bot/guard.py)
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
