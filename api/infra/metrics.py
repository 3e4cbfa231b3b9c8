"""The gateway's own Prometheus instruments (prometheus-client), counted where things happen.

What the database knows (queues, dead letters, cases, bulletins) is read at scrape time instead
(api/health/metrics.py), so every process reports the same figure. These counters and histograms live in each
process; with several gateway workers, ``PROMETHEUS_MULTIPROC_DIR`` (scripts/start-gateway.sh sets it) makes each
process write them to files that the /metrics route adds up.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 20.0, 30.0)

MESSAGES_IN = Counter(
    "xaso_messages_in_total", "Citizens' messages stored by the webhooks (redeliveries not counted)", ["channel"]
)
MESSAGES_OUT = Counter(
    "xaso_messages_out_total",
    "Messages delivered to citizens: accepted by the platform (outbox) or answered in the web response",
    ["channel"],
)
REPLY_SECONDS = Histogram(
    "xaso_reply_seconds",
    "From a message's turn starting to its replies being ready (emergency screen, state, Rasa), by route",
    ["channel", "route"],
    buckets=LATENCY_BUCKETS,
)
RASA_SECONDS = Histogram(
    "xaso_rasa_request_seconds",
    "Calls to Rasa (parse, message), including the wait for a free slot; failures count as outcome=error",
    ["endpoint", "outcome"],
    buckets=LATENCY_BUCKETS,
)
