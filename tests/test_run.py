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

from tests.botkit import Clock, make_template
from tests.factories import make_chat, make_message, make_update, make_user
from tests.fake_bot_api import FakeBotApi
from tests.test_bot import START

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
