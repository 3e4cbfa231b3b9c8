"""A local stand-in for Microsoft's read-aloud websocket service, speaking edge-tts's wire protocol.

Client → service: text frames with CRLF headers (``Path:speech.config`` then ``Path:ssml`` carrying SSML).
Service → client: ``turn.start``, ``response``, binary ``audio`` frames (2-byte big-endian header length, CRLF
headers, MP3 bytes), ``audio.metadata`` JSON with SentenceBoundary events, and ``turn.end``.
The "voice" is a sequence of tone bursts, one per word, encoded as 24 kHz 48 kbit/s mono MP3 like the real one.
Failure modes are switched per test: handshake answers (403 clock-skew episode, 429, 503) and dropped streams.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from email.utils import formatdate
from html import unescape

import lameenc
import numpy as np
from aiohttp import WSMsgType, web

PATH = "/consumer/speech/synthesize/readaloud/edge/v1"
TRUSTED_CLIENT_TOKEN = "6A5AA1D4EAFF4E9FB37E23D68491D6F4"
SAMPLE_RATE = 24000
KNOWN_VOICES = {"vi-VN-HoaiMyNeural": 220.0, "vi-VN-NamMinhNeural": 140.0}


@dataclass
class SynthesisRequest:
    voice: str
    rate: str
    pitch: str
    text: str
    output_format: str


@dataclass
class FakeEdgeService:
    """Counters and switches a test reads and sets; ``handshake_failures`` are consumed one per connection."""

    handshake_failures: list[int] = field(default_factory=list)
    drop_streams: int = 0
    requests: list[SynthesisRequest] = field(default_factory=list)
    connections: int = 0
    port: int = 0

    @property
    def endpoint(self) -> str:
        return f"ws://127.0.0.1:{self.port}{PATH}?TrustedClientToken={TRUSTED_CLIENT_TOKEN}"


SERVICE_KEY = web.AppKey("service", FakeEdgeService)


def _headers(block: str) -> dict[str, str]:
    pairs = (line.split(":", 1) for line in block.split("\r\n") if ":" in line)
    return {key: value for key, value in pairs}


def _speech_mp3(text: str, base_hz: float) -> bytes:
    words = text.split() or ["."]
    t = np.arange(int(SAMPLE_RATE * 0.22)) / SAMPLE_RATE
    envelope = np.sin(np.pi * t / t[-1]) ** 2
    bursts = []
    for index, word in enumerate(words):
        hz = base_hz * (1 + 0.15 * (len(word) % 4)) * (1 + 0.05 * (index % 3))
        bursts.append(0.4 * envelope * np.sin(2 * np.pi * hz * t))
        bursts.append(np.zeros(int(SAMPLE_RATE * 0.06)))
    pcm = (np.concatenate(bursts) * 32767).astype("<i2")
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(48)
    encoder.set_in_sample_rate(SAMPLE_RATE)
    encoder.set_channels(1)
    return bytes(encoder.encode(pcm.tobytes()) + encoder.flush())


def _text_frame(request_id: str, path: str, body: str, content_type: str = "application/json") -> str:
    return f"X-RequestId:{request_id}\r\nContent-Type:{content_type}\r\nPath:{path}\r\n\r\n{body}"


def _audio_frame(request_id: str, data: bytes) -> bytes:
    header = f"X-RequestId:{request_id}\r\nContent-Type:audio/mpeg\r\nX-StreamId:{uuid.uuid4().hex}\r\nPath:audio\r\n"
    encoded = header.encode()
    return len(encoded).to_bytes(2, "big") + encoded + data


def _parse_ssml(ssml: str) -> tuple[str, str, str, str]:
    # edge-tts sends the long voice name: "Microsoft Server Speech Text to Speech Voice (vi-VN, HoaiMyNeural)".
    voice = re.search(r"<voice name='Microsoft Server Speech Text to Speech Voice \((\w+-\w+), (\w+)\)'>", ssml)
    prosody = re.search(r"<prosody pitch='([^']+)' rate='([^']+)'", ssml)
    text = re.search(r"<prosody[^>]*>(.*)</prosody>", ssml, flags=re.S)
    if not (voice and prosody and text):
        raise ValueError("malformed SSML")
    return f"{voice.group(1)}-{voice.group(2)}", prosody.group(2), prosody.group(1), unescape(text.group(1))


async def _handler(request: web.Request) -> web.StreamResponse:
    service: FakeEdgeService = request.app[SERVICE_KEY]
    service.connections += 1
    query = request.query
    valid = (
        query.get("TrustedClientToken") == TRUSTED_CLIENT_TOKEN
        and query.get("ConnectionId")
        and re.fullmatch(r"[0-9A-Fa-f-]{32,}", query.get("Sec-MS-GEC", ""))
        and query.get("Sec-MS-GEC-Version")
    )
    if not valid:
        return web.Response(status=400, text="bad query")
    if service.handshake_failures:
        status = service.handshake_failures.pop(0)
        # A 403 carries the server's clock so the client can correct its Sec-MS-GEC token, as the real one does.
        return web.Response(status=status, headers={"Date": formatdate(usegmt=True)})
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    output_format = ""
    async for message in ws:
        if message.type != WSMsgType.TEXT:
            continue
        head, _, body = message.data.partition("\r\n\r\n")
        headers = _headers(head)
        if headers.get("Path") == "speech.config":
            output_format = json.loads(body)["context"]["synthesis"]["audio"]["outputFormat"]
            continue
        if headers.get("Path") != "ssml":
            await ws.close(code=1002, message=b"unknown path")
            break
        voice, rate, pitch, text = _parse_ssml(body)
        service.requests.append(SynthesisRequest(voice, rate, pitch, text, output_format))
        request_id = headers["X-RequestId"]
        if service.drop_streams:
            service.drop_streams -= 1
            await ws.send_str(_text_frame(request_id, "turn.start", "{}"))
            await ws.close()
            break
        if voice not in KNOWN_VOICES:
            # The real service answers an unknown voice with an empty turn: no audio at all.
            await ws.send_str(_text_frame(request_id, "turn.start", "{}"))
            await ws.send_str(_text_frame(request_id, "turn.end", "{}"))
            continue
        await _speak(ws, request_id, text, KNOWN_VOICES[voice])
    return ws


async def _speak(ws: web.WebSocketResponse, request_id: str, text: str, base_hz: float) -> None:
    await ws.send_str(_text_frame(request_id, "turn.start", '{"context":{"serviceTag":"fake"}}'))
    await ws.send_str(_text_frame(request_id, "response", '{"context":{"serviceTag":"fake"}}'))
    data = _speech_mp3(text, base_hz)
    metadata = {
        "Metadata": [
            {
                "Type": "SentenceBoundary",
                "Data": {"Offset": 1000000, "Duration": 5000000, "text": {"Text": text[:50], "Length": 50}},
            }
        ]
    }
    await ws.send_str(_text_frame(request_id, "audio.metadata", json.dumps(metadata)))
    for start in range(0, len(data), 4096):
        await ws.send_bytes(_audio_frame(request_id, data[start : start + 4096]))
    # The stream ends with an audio frame that has no Content-Type and no data.
    empty = f"X-RequestId:{request_id}\r\nPath:audio\r\n".encode()
    await ws.send_bytes(len(empty).to_bytes(2, "big") + empty)
    await ws.send_str(_text_frame(request_id, "turn.end", "{}"))


class RunningFake:
    """The fake service on a free loopback port, served from its own thread and event loop."""

    def __init__(self) -> None:
        self.service = FakeEdgeService()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app[SERVICE_KEY] = self.service
        app.router.add_get(PATH, _handler)
        self._runner = web.AppRunner(app)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        server = site._server
        assert server is not None and server.sockets
        self.service.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    def start(self) -> FakeEdgeService:
        self._thread.start()
        self._ready.wait(10)
        return self.service

    def stop(self) -> None:
        async def shutdown() -> None:
            if self._runner is not None:
                await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
