"""Hand-made mutants (issue 30): each is a deliberately broken variant of the product (or of its data or its test
environment) that a named test must FAIL on. tests/mutants/test_mutants.py applies one to a copy of the tree and runs
the test there. A mutant whose test still passes is a test that cannot catch the failure it names.

``slow`` mutants need the session's Rasa stack (1–2 minutes each): they run only with ``XASO_MUTANTS=all``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

OUTBOUND = "api/infra/outbound.py"
PUBLIC = "    return address.is_global and not address.is_multicast\n"
NOTE_ROUTE = (
    "    case = get_case(session, staff=staff, code=code)\n    return TimelineRead.model_validate(commands.add_note("
)
ADDRESS_RULE = "tests/security/test_outbound_fetch.py::test_each_internal_address_class_is_refused_by_the_address_rule"


@dataclass(frozen=True)
class Mutant:
    name: str
    point: int  # the point the caught failure belongs to
    edits: tuple[tuple[str, str, str], ...]  # (file, old text, new text): old must occur exactly once
    test: str  # a pytest node id (or path) run in the mutated copy
    keyword: str = ""  # a -k expression, where the node id depends on the database backend chosen
    rasa_side: bool = False  # run with .venv-rasa
    env: dict[str, str] = field(default_factory=dict)
    needs: tuple[str, ...] = ()  # environment variables the test needs (the mutant is skipped without them)
    slow: bool = False


def _public(exempt: str) -> tuple[tuple[str, str, str], ...]:
    return ((OUTBOUND, PUBLIC, f"    return (address.is_global or {exempt}) and not address.is_multicast\n"),)


MUTANTS: list[Mutant] = [
    # 4. Outbound fetch: each address rule removed, the scheme guard removed, a guard that refuses everything.
    Mutant("loopback allowed", 4, _public("address.is_loopback"), ADDRESS_RULE + "[loopback]"),
    Mutant(
        "IPv6 addresses other than ::1 unchecked",
        4,
        (
            (
                OUTBOUND,
                "    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:\n"
                "        address = address.ipv4_mapped\n",
                "    if isinstance(address, ipaddress.IPv6Address):\n        return not address.is_loopback\n",
            ),
        ),
        ADDRESS_RULE + "[ipv4_mapped]",
    ),
    Mutant(
        "host names not checked (only literal addresses)",
        4,
        (
            (
                OUTBOUND,
                "        if not self.allow_private:\n",
                "        if not self.allow_private and url.host[:1].isdigit():\n",
            ),
        ),
        ADDRESS_RULE + "[localhost]",
    ),
    Mutant("0.0.0.0 allowed", 4, _public("address.is_unspecified"), ADDRESS_RULE + "[unspecified]"),
    Mutant(
        "10.0.0.0/8 allowed",
        4,
        _public('address in ipaddress.ip_network("10.0.0.0/8")'),
        ADDRESS_RULE + "[private]",
    ),
    Mutant("link-local (metadata) allowed", 4, _public("address.is_link_local"), ADDRESS_RULE + "[link_local]"),
    Mutant(
        "any scheme allowed",
        4,
        ((OUTBOUND, "        if url.scheme not in ALLOWED_SCHEMES:\n", "        if False:\n"),),
        "tests/security/test_outbound_fetch.py::test_only_http_and_https",
    ),
    Mutant(
        "the guard refuses every request (the first hop is never fetched)",
        4,
        (
            (
                OUTBOUND,
                "    async def _checked_address(self, url: httpx.URL) -> IPAddress:\n",
                "    async def _checked_address(self, url: httpx.URL) -> IPAddress:\n"
                '        raise OutboundRefused("Từ chối.")\n',
            ),
        ),
        "tests/security/test_outbound_fetch.py::test_redirect_to_the_metadata_service_is_refused",
    ),
    # 5. A 20 MB body read in full before it is refused.
    Mutant(
        "a big body is refused only once it has been read",
        5,
        (
            (
                "api/infra/perimeter.py",
                "        if declared is not None and (not declared.isdigit() or int(declared) > limit):\n",
                "        if declared is not None and not declared.isdigit():\n",
            ),
            (
                "api/infra/perimeter.py",
                "                if seen > limit:\n",
                '                if seen > limit and not message.get("more_body"):\n',
            ),
        ),
        "tests/security/test_webhooks_and_bodies.py::test_a_twenty_megabyte_body_is_refused_before_it_is_read[sqlite]",
    ),
    # 5. A refused call that still wrote: the note is stored before the commune check answers 404.
    Mutant(
        "another commune's note written, then refused",
        5,
        (
            (
                "api/cases/routes.py",
                NOTE_ROUTE,
                "    from sqlalchemy import select\n\n    from api.cases.models import Case\n\n"
                "    found = session.scalar(select(Case).where(Case.code == code.strip().upper()))\n"
                "    if found is not None:\n"
                "        commands.add_note(session, staff=staff, case=found, text=body.text)\n"
                "        session.commit()\n" + NOTE_ROUTE,
            ),
        ),
        "tests/api/cases/test_isolation.py",
        keyword="another_communes",
    ),
    # 6. The staff reply signed without the officer's name.
    Mutant(
        "staff replies signed without the officer's name",
        6,
        (
            (
                "api/cases/notify.py",
                '    signed = f"{text}\\n— {officer}, cán bộ UBND xã (hồ sơ {case.code})" if officer else text\n',
                '    signed = f"{text}\\n— cán bộ UBND xã (hồ sơ {case.code})"\n',
            ),
        ),
        "tests/channels/test_handoff.py::test_handoff_round_trip",
        keyword="web",
        slow=True,
    ),
    # 7. A failing message retried forever: never dead-lettered, the conversation frozen behind it.
    Mutant(
        "a failing message is never dead-lettered",
        7,
        (
            (
                "api/inbox/failures.py",
                "        if row.failures >= max_failures:\n",
                "        if row.failures >= max_failures * 1000:\n",
            ),
        ),
        "tests/channels/test_reliability.py::"
        "test_a_handler_that_raises_is_retried_dead_lettered_shown_and_the_next_message_answered",
        slow=True,
    ),
    # 8. Data leaks: a near-copy of a training sentence slipped into the held-out set; a test story that is a rule.
    Mutant(
        "a held-out sentence one word away from a training one",
        8,
        (
            (
                "nlu_data/test/nlu/procedures.yml",
                "  - intent: ask_procedure\n    examples: |\n",
                "  - intent: ask_procedure\n    examples: |\n"
                "      - [khai sinh](procedure:khai_sinh) trễ hạn có bị phạt không vậy\n",
            ),
        ),
        "tests/bot/test_leaks.py::test_no_held_out_sentence_is_a_near_copy_of_a_training_sentence",
        rasa_side=True,
    ),
    Mutant(
        "a test story that repeats a rule",
        8,
        (
            (
                "nlu_data/test/stories/general.yml",
                "stories:\n",
                "stories:\n  - story: copied\n    steps:\n      - intent: greet\n      - action: action_greet\n\n",
            ),
        ),
        "tests/bot/test_leaks.py::test_no_test_story_repeats_a_training_story_or_rule",
        rasa_side=True,
    ),
    # 9. A configured Redis that is down: the test fails rather than skips.
    Mutant(
        "TEST_REDIS_URL set, Redis down",
        9,
        (),
        "tests/security/test_login_throttle.py::test_limits_hold_across_gateway_processes_through_redis",
        env={"TEST_REDIS_URL": "redis://127.0.0.1:1/15"},
    ),
    # 10. Timing: what the event-based waits must still catch.
    Mutant(
        "the wake-up relay drops what other processes publish",
        10,
        (
            (
                "api/infra/signals.py",
                '                    _wake_local(app, str(message["channel"]).removeprefix(CHANNEL_PREFIX))\n',
                "                    pass\n",
            ),
        ),
        "tests/api/test_signals.py::test_a_wake_up_crosses_processes_through_redis",
        needs=("TEST_REDIS_URL",),
    ),
    Mutant(
        "a staff reply waits for the outbox's poll (its commit wakes nobody)",
        10,
        (
            (
                "api/outbox/service.py",
                '    after_commit(session, "outbox")\n    return message\n',
                "    return message\n",
            ),
        ),
        "tests/channels/test_staff_reply_wake.py",
    ),
    Mutant(
        "a turn moved off a dead replica keeps its spent deadline",
        10,
        (
            (
                "api/nlu/client.py",
                "                if not tried:  # the survivors now carry the dead replica's turns too: the move-over "
                "queues afresh\n                    deadline = loop.time() + self._timeout\n",
                "                pass\n",
            ),
        ),
        "tests/api/test_replicas.py::test_a_turn_moved_off_a_dying_replica_queues_afresh_on_the_survivor",
    ),
    Mutant(
        "a contradicting reply queued right after the emergency answer",
        10,
        (
            (
                "api/safety/flows.py",
                "    replies += _say(session, ctx, message, notice, None)\n",
                "    replies += _say(session, ctx, message, notice, None)\n"
                '    replies += _say(session, ctx, message, "Hệ thống đang bận, anh/chị thử lại sau.", None)\n',
            ),
        ),
        "tests/channels/test_emergency.py::test_115_in_the_first_reply_in_every_state",
        keyword="zalo and bot",
        slow=True,
    ),
    Mutant(
        "leases judged an hour late (every room lapses at once)",
        10,
        (("api/nlu/replicas.py", "        now = time.time()\n", "        now = time.time() + 3600\n"),),
        "tests/api/test_replicas.py::test_the_room_a_killed_process_held_lapses_with_its_lease_and_a_live_one_keeps_it",
        needs=("TEST_REDIS_URL",),
    ),
]
