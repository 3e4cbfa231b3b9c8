"""Engines behind one interface: edge-tts against the local fake of its service, espeak-ng offline, Piper's errors."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from broadcast.engines import (
    EdgeEngine,
    EngineError,
    EngineUnavailable,
    EspeakEngine,
    PiperEngine,
    VoiceOptions,
    engine_chain,
)
from broadcast.settings import BroadcastSettings
from broadcast.speech import speak
from tests.broadcast.fake_edge import FakeEdgeService

TEXT = "ủy ban nhân dân xã thông báo lịch tiêm chủng cho trẻ em"


def _edge(service: FakeEdgeService, attempts: int = 3) -> EdgeEngine:
    return EdgeEngine(endpoint=service.endpoint, attempts=attempts, backoff_seconds=0.01)


async def test_edge_speaks_through_the_wire_protocol(fake_edge: FakeEdgeService) -> None:
    audio = await _edge(fake_edge).synthesize(TEXT, VoiceOptions(rate=10, pitch=-5))
    assert audio.sample_rate == 24000
    # The fake says one 0.28 s burst per word; MP3 framing adds a little.
    assert 0.28 * len(TEXT.split()) <= audio.duration <= 0.28 * len(TEXT.split()) + 0.3
    [request] = fake_edge.requests
    assert (request.voice, request.rate, request.pitch) == ("vi-VN-HoaiMyNeural", "+10%", "-5Hz")
    assert request.text == TEXT
    assert request.output_format == "audio-24khz-48kbitrate-mono-mp3"


async def test_edge_male_voice(fake_edge: FakeEdgeService) -> None:
    await _edge(fake_edge).synthesize("xin chào", VoiceOptions(voice="vi-VN-NamMinhNeural"))
    assert fake_edge.requests[0].voice == "vi-VN-NamMinhNeural"


async def test_edge_rejects_a_voice_it_does_not_have(fake_edge: FakeEdgeService) -> None:
    with pytest.raises(EngineError, match="không thuộc edge-tts"):
        await _edge(fake_edge).synthesize("xin chào", VoiceOptions(voice="en-US-AriaNeural"))
    assert fake_edge.connections == 0


@pytest.mark.parametrize("failures", [[503], [503, 429], [503, 503]])
async def test_edge_retries_service_errors(fake_edge: FakeEdgeService, failures: list[int]) -> None:
    fake_edge.handshake_failures.extend(failures)
    audio = await _edge(fake_edge).synthesize("xin chào bà con", VoiceOptions())
    assert audio.duration > 0.5
    assert fake_edge.connections == len(failures) + 1


async def test_edge_recovers_from_a_clock_skew_403(fake_edge: FakeEdgeService) -> None:
    fake_edge.handshake_failures.append(403)
    audio = await _edge(fake_edge, attempts=1).synthesize("xin chào", VoiceOptions())
    assert audio.duration > 0.3
    assert fake_edge.connections == 2  # edge-tts itself corrects its token and reconnects once


async def test_edge_retries_a_dropped_stream(fake_edge: FakeEdgeService) -> None:
    fake_edge.drop_streams = 1
    audio = await _edge(fake_edge).synthesize("xin chào", VoiceOptions())
    assert audio.duration > 0.3
    assert len(fake_edge.requests) == 2


async def test_edge_gives_up_after_its_attempts(fake_edge: FakeEdgeService) -> None:
    fake_edge.handshake_failures.extend([503, 503, 503])
    with pytest.raises(EngineUnavailable, match="3 lần thử"):
        await _edge(fake_edge).synthesize("xin chào", VoiceOptions())
    assert fake_edge.connections == 3


async def test_fallback_to_offline_when_the_service_is_down(
    fake_edge: FakeEdgeService, broadcast_settings: BroadcastSettings
) -> None:
    fake_edge.handshake_failures.extend([503] * 3)
    result = await speak(
        "xin chào bà con.", engine_chain("edge", broadcast_settings), VoiceOptions(), sample_rate=24000
    )
    assert (result.engine, result.voice) == ("offline", "vi")
    assert result.audio.duration > 0.5


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_fallback_when_the_service_cannot_be_reached() -> None:
    settings = BroadcastSettings(
        edge_endpoint=f"ws://127.0.0.1:{_closed_port()}/edge/v1", edge_attempts=2, edge_backoff_seconds=0.01
    )
    result = await speak("xin chào.", engine_chain("edge", settings), VoiceOptions(), sample_rate=22050)
    assert result.engine == "offline"


async def test_no_fallback_while_edge_works(fake_edge: FakeEdgeService, broadcast_settings: BroadcastSettings) -> None:
    text = "Câu thứ nhất. Câu thứ hai!\n\nĐoạn mới."
    result = await speak(text, engine_chain("edge", broadcast_settings), VoiceOptions(), sample_rate=24000)
    assert result.engine == "edge"
    assert [r.text for r in fake_edge.requests] == ["Câu thứ nhất.", "Câu thứ hai!", "Đoạn mới."]


@pytest.mark.parametrize("voice", EspeakEngine.voices)
async def test_offline_voices(voice: str) -> None:
    audio = await EspeakEngine().synthesize(TEXT, VoiceOptions(voice=voice))
    assert audio.sample_rate == 22050
    assert 1.0 < audio.duration < 10.0
    assert 0.1 < float(abs(audio.samples).max()) <= 1.0


async def test_offline_rate_changes_duration() -> None:
    engine = EspeakEngine()
    slow = await engine.synthesize(TEXT, VoiceOptions(rate=-30))
    fast = await engine.synthesize(TEXT, VoiceOptions(rate=50))
    assert fast.duration < slow.duration * 0.75


async def test_offline_rejects_unknown_voice() -> None:
    with pytest.raises(EngineError):
        await EspeakEngine().synthesize("xin chào", VoiceOptions(voice="vi-VN-HoaiMyNeural"))


async def test_piper_without_a_model_is_unavailable() -> None:
    with pytest.raises(EngineUnavailable, match="Chưa cấu hình"):
        await PiperEngine(None).synthesize("xin chào", VoiceOptions())


async def test_piper_with_a_missing_file_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(EngineUnavailable, match="Không tìm thấy"):
        await PiperEngine(tmp_path / "vi_VN-vais1000-medium.onnx").synthesize("xin chào", VoiceOptions())


async def test_piper_with_a_broken_model_is_unavailable(tmp_path: Path) -> None:
    model = tmp_path / "broken.onnx"
    model.write_bytes(b"not an onnx model")
    model.with_suffix(".onnx.json").write_text("{}", encoding="utf-8")
    with pytest.raises(EngineUnavailable, match="không đọc được"):
        await PiperEngine(model).synthesize("xin chào", VoiceOptions())


async def test_piper_failure_falls_back_to_offline(tmp_path: Path) -> None:
    settings = BroadcastSettings(piper_model=tmp_path / "absent.onnx")
    result = await speak("xin chào.", engine_chain("piper", settings), VoiceOptions(), sample_rate=22050)
    assert result.engine == "offline"


@pytest.fixture(scope="module")
def tiny_voice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.broadcast.tiny_piper import build_voice

    return build_voice(tmp_path_factory.mktemp("piper"))


async def test_piper_speaks_with_a_local_model(tiny_voice: Path) -> None:
    from tests.broadcast.tiny_piper import HOP, SAMPLE_RATE

    engine = PiperEngine(tiny_voice)
    assert engine.voices == ("vi_VN-tiny-test",)
    short = await engine.synthesize("xin chào", VoiceOptions())
    long = await engine.synthesize("xin chào bà con, ủy ban nhân dân xã thông báo lịch tiêm chủng.", VoiceOptions())
    assert short.sample_rate == SAMPLE_RATE
    # One hop of samples per phoneme id: the length follows the phonemised Vietnamese text.
    assert len(short.samples) % HOP == 0 and len(long.samples) > 3 * len(short.samples)


async def test_piper_in_the_chain(tiny_voice: Path) -> None:
    settings = BroadcastSettings(piper_model=tiny_voice)
    result = await speak("Câu một. Câu hai.", engine_chain("piper", settings), VoiceOptions(), sample_rate=16000)
    assert (result.engine, result.voice) == ("piper", "vi_VN-tiny-test")


async def test_an_unknown_voice_is_an_error_not_a_fallback(fake_edge: FakeEdgeService) -> None:
    settings = BroadcastSettings(edge_endpoint=fake_edge.endpoint)
    with pytest.raises(EngineError, match="không thuộc engine edge"):
        await speak("xin chào.", engine_chain("edge", settings), VoiceOptions(voice="vi"), sample_rate=24000)
    assert fake_edge.connections == 0


async def test_each_call_sets_its_own_service_url(fake_edge: FakeEdgeService) -> None:
    import edge_tts.communicate

    engine = _edge(fake_edge)
    await engine.synthesize("xin chào", VoiceOptions())
    assert edge_tts.communicate.WSS_URL == engine.service_url == fake_edge.endpoint
    # Without an endpoint the real service is used (not contacted here: there is no internet).
    default = EdgeEngine().service_url
    assert default.startswith("wss://speech.platform.bing.com/") and "TrustedClientToken=" in default
    bare = EdgeEngine(endpoint="ws://127.0.0.1:9/edge/v1").service_url
    assert bare.endswith("/edge/v1?TrustedClientToken=6A5AA1D4EAFF4E9FB37E23D68491D6F4")
