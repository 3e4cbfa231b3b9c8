"""The stored inbound events (``inbox_events``): the inbox's queue, below the domain.

The inbox (``api/inbox/``) stores, claims and answers them; privacy erases and sweeps them, the transcripts and the
review pages read them, the outbox looks up a Zalo user's last message. So the table is a shared type of its own,
importing nothing but ``api.db``, and none of those packages needs the inbox's code.
"""
