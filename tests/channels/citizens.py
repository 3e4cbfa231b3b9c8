"""A citizen on each channel, for end-to-end tests: says things the way the platform delivers them, and sees what
reaches them (through the fake platform, or the web response plus the event stream)."""

from __future__ import annotations

import itertools
import json
import random
import threading
import time
import uuid
from typing import Any, Protocol

import httpx

from tests.channels.conftest import TG_SECRET, fixture, zalo_signature
from tests.support.fake_telegram import FakeTelegram
from tests.support.fake_zalo import FakeZalo

_ids = itertools.count(1)
REDELIVERY_PAUSES = (0.5, 1.0, 2.0, 4.0, 8.0)


def deliver(url: str, **kwargs: Any) -> httpx.Response:
    """POST one webhook delivery as the platform does: a delivery that got no answer (the gateway process died
    mid-request) or a 5xx is delivered again, identical (same ids, so the gateway's dedupe keeps it once)."""
    for pause in (*REDELIVERY_PAUSES, None):
        try:
            response = httpx.post(url, timeout=30, **kwargs)
        except httpx.TransportError:
            if pause is None:
                raise
        else:
            if response.status_code < 500 or pause is None:
                return response
        time.sleep(pause)
    raise AssertionError("unreachable")


class Citizen(Protocol):
    conversation_id: str

    def say(self, text: str) -> object: ...  # the web citizen also returns the replies of its POST

    def received(self) -> list[str]: ...


class ZaloCitizen:
    def __init__(self, base: str, fake: FakeZalo, uid: str | None = None) -> None:
        # Fresh ids per test: the bot's trackers live for the whole session.
        self.base, self.fake, self.uid = base, fake, uid or str(random.randrange(10**18, 10**19))
        self.conversation_id = f"zalo:xa-demo:{self.uid}"

    def say(self, text: str) -> None:
        payload = fixture("zalo/user_send_text.json")
        n = next(_ids)
        payload["sender"]["id"] = self.uid
        payload["message"] = {"text": text, "msg_id": f"msg{n:08d}{self.uid[-6:]}"}
        payload["timestamp"] = str(int(time.time() * 1000) + n)  # fresh: stale events are refused
        body = json.dumps(payload, ensure_ascii=False).encode()
        headers = {"X-ZEvent-Signature": zalo_signature(body, app_id=self.fake.app_id)}
        response = deliver(f"{self.base}/webhooks/zalo/xa-demo", content=body, headers=headers)
        assert response.status_code == 200, response.text

    def received(self) -> list[str]:
        return self.fake.texts(self.uid)


class TelegramCitizen:
    def __init__(self, base: str, fake: FakeTelegram, chat: int | None = None) -> None:
        self.base, self.fake, self.chat = base, fake, chat or random.randrange(10**8, 10**10)
        self.conversation_id = f"tg:xa-demo:{self.chat}"

    def say(self, text: str) -> None:
        update = fixture("telegram/message_text.json")
        update["update_id"] = 815300000 + next(_ids)
        update["message"]["text"] = text
        update["message"]["chat"]["id"] = update["message"]["from"]["id"] = self.chat
        headers = {"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}
        response = deliver(f"{self.base}/webhooks/telegram/xa-demo", json=update, headers=headers)
        assert response.status_code == 200, response.text

    def received(self) -> list[str]:
        return self.fake.texts(self.chat)


class WebCitizen:
    """Replies come in the POST response; messages sent later arrive on the Server-Sent Events stream."""

    def __init__(self, base: str, sender: str | None = None) -> None:
        self.base, self.sender = base, sender or uuid.uuid4().hex
        self.conversation_id = f"web:xa-demo:{self.sender}"
        self._got: list[str] = []
        self.events: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._listen, daemon=True)
        self._thread.start()

    def _listen(self) -> None:
        url = f"{self.base}/webhooks/web/events"
        try:
            with httpx.stream("GET", url, params={"sender": self.sender}, timeout=None) as response:
                for line in response.iter_lines():
                    if self._stop.is_set():
                        return
                    if line.startswith("data: "):
                        event = json.loads(line[6:])
                        with self._lock:
                            self.events.append(event)
                            self._got.append(event["text"])
        except httpx.RemoteProtocolError:
            if not self._stop.is_set():  # cut while the test still listens: a real failure
                raise

    def say(self, text: str) -> list[dict[str, Any]]:
        body = {"sender": self.sender, "message": text, "metadata": {"message_id": f"m{next(_ids)}"}}
        response = httpx.post(f"{self.base}/webhooks/web", json=body, timeout=30)
        assert response.status_code == 200, response.text
        replies: list[dict[str, Any]] = response.json()
        with self._lock:
            self._got.extend(r.get("text", "") for r in replies if r.get("text"))
        return replies

    def received(self) -> list[str]:
        with self._lock:
            return list(self._got)

    def close(self) -> None:
        self._stop.set()
