"""``talks-bot run`` as a user starts it: a subprocess that talks to the fake Bot API over HTTP,
answers, and stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import sys
from pathlib import Path

import httpx
import pytest
from spacy.language import Language

from tests.botkit import START, Clock, make_template
from tests.factories import make_chat, make_message, make_update, make_user
from tests.fake_bot_api import FakeBotApi

EXE = shutil.which("talks-bot", path=str(Path(sys.executable).parent)) or "talks-bot"


def env_for(fake: FakeBotApi | None, db: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "TALKS_DATABASE_URL": f"sqlite:///{db}",
        "TALKS_LOG_LEVEL": "INFO",
        "TALKS_ADMIN_IDS": "7001",
    }
    env.pop("TALKS_BOT_TOKEN", None)
    if fake is not None:
        env |= {
            "TALKS_BOT_TOKEN": fake.token,
            "TALKS_BOT_API_BASE_URL": fake.base_url,
            "TALKS_BOT_API_FILE_URL": fake.base_file_url,
        }
    return env


async def test_run_answers_and_stops_on_sigterm(nlp: Language, tmp_path: Path) -> None:
    db = make_template(nlp, tmp_path / "talks.db", Clock(START))
    async with FakeBotApi() as fake:
        proc = await asyncio.create_subprocess_exec(
            EXE,
            "run",
            env=env_for(fake, db),
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await fake.next_call("getUpdates", timeout=90)
            assert fake.calls("setMyCommands"), "the command menu is published at start"
            await fake.user_says(1001, "/start")
            hello = await fake.next_call("sendMessage", chat_id=1001, ok=True, timeout=30)
            assert "I have read 1 article" in hello.params["text"]
            await fake.user_says(1001, "who is de mistura?")
            answer = await fake.next_call("sendMessage", chat_id=1001, ok=True, timeout=30)
            assert "Mistura" in answer.params["text"]
            proc.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(proc.communicate(), timeout=30)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    assert proc.returncode == 0, err.decode()[-2000:]
    assert b"Traceback" not in err


@pytest.mark.parametrize(
    ("extra", "args", "message"),
    [
        ({}, (), b"TALKS_BOT_TOKEN is not set"),
        ({"TALKS_BOT_TOKEN": "1:x"}, ("--webhook",), b"needs TALKS_WEBHOOK_URL"),
        ({"TALKS_ADMIN_IDS": "alice"}, (), b"numeric user ids"),
    ],
)
async def test_run_refuses_bad_settings_with_a_reason(
    tmp_path: Path, extra: dict[str, str], args: tuple[str, ...], message: bytes
) -> None:
    proc = await asyncio.create_subprocess_exec(
        EXE,
        "run",
        *args,
        env=env_for(None, tmp_path / "t.db") | extra,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode == 2
    assert message in err
    assert b"Traceback" not in err


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_run_webhook_checks_the_secret_token(nlp: Language, tmp_path: Path) -> None:
    db = make_template(nlp, tmp_path / "talks.db", Clock(START))
    port = free_port()
    async with FakeBotApi() as fake:
        env = env_for(fake, db) | {
            # the public address is https (a proxy terminates TLS and forwards to the port)
            "TALKS_WEBHOOK_URL": "https://bot.example.test",
            "TALKS_WEBHOOK_LISTEN": "127.0.0.1",
            "TALKS_WEBHOOK_PORT": str(port),
            "TALKS_WEBHOOK_SECRET": "s3cret-token",
        }
        proc = await asyncio.create_subprocess_exec(
            EXE,
            "run",
            "--webhook",
            env=env,
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            hook = await fake.next_call("setWebhook", ok=True, timeout=90)
            assert hook.params["url"] == "https://bot.example.test/telegram"
            assert hook.params["secret_token"] == "s3cret-token"
            update = make_update(
                1,
                message=make_message(
                    1, make_chat(1001), from_user=make_user(1001), text="who is de mistura?"
                ),
            )
            url = f"http://127.0.0.1:{port}/telegram"
            async with httpx.AsyncClient() as client:
                forged = None
                for _ in range(50):  # the server starts listening right after setWebhook
                    try:
                        forged = await client.post(url, json=update)
                        break
                    except httpx.ConnectError:
                        await asyncio.sleep(0.1)
                assert forged is not None
                assert forged.status_code == 403
                real = await client.post(
                    url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}
                )
                assert real.status_code == 200
            answer = await fake.next_call("sendMessage", chat_id=1001, ok=True, timeout=30)
            assert "Mistura" in answer.params["text"]
            assert len(fake.calls("sendMessage", chat_id=1001)) == 1, "the forged one was dropped"
            proc.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(proc.communicate(), timeout=30)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    assert proc.returncode == 0, err.decode()[-2000:]


# --- reaching Telegram: a wrong token, an unreachable server -------------------------------------


def env_at(base: str, token: str, db: Path, **extra: str) -> dict[str, str]:
    """``env_for`` with a Bot API of one's choosing (a closed port, a wrong token)."""
    return env_for(None, db) | {
        "TALKS_BOT_TOKEN": token,
        "TALKS_BOT_API_BASE_URL": f"{base}/bot",
        "TALKS_BOT_API_FILE_URL": f"{base}/file/bot",
        **extra,
    }


@pytest.mark.parametrize(
    ("token", "status"),
    [("999:AAWrongTokenForTests", "401"), ("not-a-token", "404")],
)
async def test_run_with_a_wrong_token_says_so_in_one_line(
    tmp_path: Path, token: str, status: str
) -> None:
    async with FakeBotApi() as fake:
        base = fake.base_url.removesuffix("/bot")
        proc = await asyncio.create_subprocess_exec(
            EXE,
            "run",
            env=env_at(base, token, tmp_path / "t.db"),
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    lines = err.decode().strip().splitlines()
    assert proc.returncode == 2, err.decode()
    assert len(lines) == 1, f"Telegram answered {status}: one line, not {lines}"
    assert "refused the bot token" in lines[0]
    assert "@BotFather" in lines[0]
    assert token not in lines[0], "the token itself is not printed"
    assert not (tmp_path / "t.db").exists(), "told before anything was opened"


async def read_line(stream: asyncio.StreamReader, timeout: float = 60) -> str:  # noqa: ASYNC109
    line = await asyncio.wait_for(stream.readline(), timeout)
    assert line, "the process ended"
    return line.decode()


async def attempts(
    stream: asyncio.StreamReader, count: int, *, seen: list[str] | None = None
) -> list[str]:
    """The next ``count`` lines about an unreachable Telegram (the others go to ``seen``)."""
    found: list[str] = []
    while len(found) < count:
        line = await read_line(stream)
        (found if "unreachable" in line else seen if seen is not None else []).append(line)
    return found


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
async def test_run_waits_for_an_unreachable_telegram_with_backoff(
    tmp_path: Path, stop: signal.Signals
) -> None:
    base = f"http://127.0.0.1:{free_port()}"  # nothing listens there: connection refused
    env = env_at(
        base,
        FakeBotApi.DEFAULT_TOKEN,
        tmp_path / "t.db",
        TALKS_CONNECT_RETRY_SECONDS="0.1",
        TALKS_CONNECT_RETRY_MAX_SECONDS="0.4",
    )
    proc = await asyncio.create_subprocess_exec(
        EXE, "run", env=env, cwd=tmp_path, stderr=asyncio.subprocess.PIPE
    )
    assert proc.stderr is not None
    try:
        lines = await attempts(proc.stderr, 5)
        proc.send_signal(stop)  # while it waits between two attempts, or in one
        _, rest = await asyncio.wait_for(proc.communicate(), timeout=30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    for n, line in enumerate(lines, start=1):
        assert f"attempt {n}:" in line
        assert "127.0.0.1" in line
    pauses = [line.rsplit("again in ", 1)[1].split()[0] for line in lines]
    assert pauses == ["0.1", "0.2", "0.4", "0.4", "0.4"], "doubling up to the maximum"
    assert proc.returncode == 0, rest.decode()
    assert "stopped while waiting for Telegram" in rest.decode()
    assert b"Traceback" not in rest
    assert not (tmp_path / "t.db").exists(), "nothing was opened while waiting"


async def test_run_starts_once_telegram_can_be_reached_and_rides_out_a_loss(
    nlp: Language, tmp_path: Path
) -> None:
    """Telegram unreachable at start, then there, then gone while polling, then back: the bot
    waits, answers, logs one line per failed poll (no traceback) and answers again."""
    db = make_template(nlp, tmp_path / "talks.db", Clock(START))
    port = free_port()
    env = env_at(
        f"http://127.0.0.1:{port}",
        FakeBotApi.DEFAULT_TOKEN,
        db,
        TALKS_CONNECT_RETRY_SECONDS="0.2",
        TALKS_CONNECT_RETRY_MAX_SECONDS="0.2",
    )
    proc = await asyncio.create_subprocess_exec(
        EXE, "run", env=env, cwd=tmp_path, stderr=asyncio.subprocess.PIPE
    )
    assert proc.stderr is not None
    fake = FakeBotApi()
    seen: list[str] = []
    try:
        await attempts(proc.stderr, 2)
        await fake.start(port)  # Telegram is there now
        await fake.next_call("getUpdates", timeout=90)
        await fake.user_says(1001, "who is de mistura?")
        answer = await fake.next_call("sendMessage", chat_id=1001, ok=True, timeout=30)
        assert "Mistura" in answer.params["text"]
        await fake.stop()  # and gone again, under the polling bot
        lost = await attempts(proc.stderr, 2, seen=seen)
        assert all("while polling" in line for line in lost)
        await fake.start(port)
        await fake.user_says(1001, "who is Xie Xiaoyan?")
        again = await fake.next_call("sendMessage", chat_id=1001, ok=True, timeout=60)
        assert "Xie" in again.params["text"]
        proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(proc.communicate(), timeout=30)
    finally:
        await fake.stop()
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    log = "".join(seen) + err.decode()
    assert proc.returncode == 0, log[-2000:]
    assert "reached Telegram after" in log
    assert "Traceback" not in log
    assert " ERROR " not in log


async def test_run_stops_with_one_line_when_another_process_polls(
    nlp: Language, tmp_path: Path
) -> None:
    """Telegram answers a second poller 409 Conflict: polling mode is one process."""
    db = make_template(nlp, tmp_path / "talks.db", Clock(START))
    async with FakeBotApi() as fake:
        fake.fail_next(
            "getUpdates", 409, times=1000, description="Conflict: terminated by other getUpdates"
        )
        proc = await asyncio.create_subprocess_exec(
            EXE,
            "run",
            env=env_for(fake, db),
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            _, err = await asyncio.wait_for(proc.communicate(), timeout=90)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    text = err.decode()
    assert proc.returncode == 2, text[-2000:]
    assert text.count("409 Conflict") == 1
    assert "Another process is polling with this bot's token" in text
    assert "Traceback" not in text


async def test_run_webhook_on_postgres_needs_the_one_secret(tmp_path: Path) -> None:
    env = env_for(None, tmp_path / "t.db") | {
        "TALKS_BOT_TOKEN": "1:x",
        "TALKS_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:5432/nowhere",
        "TALKS_WEBHOOK_URL": "https://bot.example.test",
    }
    proc = await asyncio.create_subprocess_exec(
        EXE, "run", "--webhook", env=env, cwd=tmp_path, stderr=asyncio.subprocess.PIPE
    )
    _, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode == 2
    assert b"needs TALKS_WEBHOOK_SECRET" in err
