"""`hfgate serve` as real processes: two replicas on one PostgreSQL enforce one rate limit and
one budget, and a gateway killed with SIGKILL under load loses no usage row of a request
whose answer was complete."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from gateway_harness import MASTER, GatewayProcess, usage_rows
from pg_cluster import PgCluster

from hfgate.testing import Reply, RouterEmulator

MODEL = "deepseek-ai/DeepSeek-V4-Pro"
BODY = {"model": MODEL, "messages": [{"role": "user", "content": "x"}]}
PRICED = {"prompt_tokens": 100_000, "completion_tokens": 0}  # $0.21 at together's price


@pytest.fixture
def replicas(
    upstream: RouterEmulator, write_models: object, postgres_db: str, tmp_path: Path
) -> Iterator[tuple[GatewayProcess, GatewayProcess]]:
    pair = [GatewayProcess(postgres_db, {}, tmp_path / f"gateway-{i}.log") for i in (1, 2)]
    try:
        for process in pair:
            process.start()
        yield pair[0], pair[1]
    finally:
        for process in pair:
            process.stop()


def new_key(url: str, **fields: object) -> str:
    answer = httpx.post(f"{url}/keys", json={"name": "shared", **fields},
                        headers={"authorization": f"Bearer {MASTER}"})  # fmt: skip
    assert answer.status_code == 201, answer.text
    return str(answer.json()["key"])


def call(url: str, key: str) -> int:
    answer = httpx.post(f"{url}/v1/chat/completions", json=BODY, timeout=30,
                        headers={"authorization": f"Bearer {key}"})  # fmt: skip
    return answer.status_code


def test_two_replicas_share_one_rate_limit(
    replicas: tuple[GatewayProcess, GatewayProcess],
) -> None:
    first, second = replicas
    key = new_key(first.url, rpm=10)
    urls = [first.url, second.url] * 15
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda url: call(url, key), urls))
    assert sorted(statuses) == [200] * 10 + [429] * 20


def test_two_replicas_share_one_budget(
    replicas: tuple[GatewayProcess, GatewayProcess], upstream: RouterEmulator
) -> None:
    first, second = replicas
    upstream.default_reply = Reply.text("spent", usage=PRICED)
    key = new_key(second.url, budget_usd=0.5)
    statuses = [call(url, key) for url in [first.url, second.url] * 3]
    # 0 -> 0.21 (first) -> 0.42 (second) -> 0.63 (first); then both refuse
    assert statuses == [200, 200, 200, 402, 402, 402]


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_kill_9_loses_no_completed_request(
    backend: str,
    upstream: RouterEmulator,
    write_models: object,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    database = (
        str(tmp_path / "gateway.sqlite3")
        if backend == "sqlite"
        else str(request.getfixturevalue("postgres_db"))
    )
    upstream.default_reply = Reply.text("a complete answer", chunk_size=4, chunk_delay=0.002)
    gateway = GatewayProcess(database, {}, tmp_path / "gateway.log").start()
    completed: list[str] = []
    stop = threading.Event()

    def client(n: int) -> None:
        with httpx.Client(headers={"authorization": f"Bearer {MASTER}"}, timeout=10) as http:
            while not stop.is_set():
                stream = n % 2 == 0
                try:
                    with http.stream("POST", f"{gateway.url}/v1/chat/completions",
                                     json={**BODY, "stream": stream}) as answer:  # fmt: skip
                        text = answer.read().decode()
                        ended = "data: [DONE]" in text if stream else text.endswith("}")
                        if answer.status_code == 200 and ended:
                            completed.append(answer.headers["x-request-id"])
                except httpx.HTTPError:
                    return  # the gateway died under us

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    while len(completed) < 150:
        time.sleep(0.01)
    gateway.kill()
    stop.set()
    for thread in threads:
        thread.join(15)

    restarted = GatewayProcess(database, {}, tmp_path / "gateway-2.log").start()
    try:
        recorded = {row["request_id"] for row in usage_rows(database)}
    finally:
        restarted.stop()
    assert len(completed) >= 150
    missing = set(completed) - recorded
    assert not missing, f"{len(missing)} completed requests have no usage row"


def test_replicas_survive_a_postgres_restart_without_a_failed_request(
    upstream: RouterEmulator, write_models: object, tmp_path: Path
) -> None:
    """Two replicas with warm pools; the database crashes and comes back while they are idle.
    Every later request is answered, and /health says ok at once."""
    cluster = PgCluster().start()
    pair = [GatewayProcess(cluster.url, {}, tmp_path / f"gateway-{i}.log") for i in (1, 2)]
    try:
        for process in pair:
            process.start()
        key = new_key(pair[0].url, rpm=1000)
        with ThreadPoolExecutor(8) as pool:  # several pooled connections per replica
            assert set(pool.map(lambda url: call(url, key), [p.url for p in pair] * 8)) == {200}
        cluster.restart()
        time.sleep(1)  # idle for a while after the restart
        health = [httpx.get(f"{p.url}/health", timeout=10).json()["status"] for p in pair]
        statuses = [call(p.url, key) for p in pair for _ in range(10)]
        assert (health, statuses) == (["ok", "ok"], [200] * 20)
    finally:
        for process in pair:
            process.stop()
        cluster.stop()
