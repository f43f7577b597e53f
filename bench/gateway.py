"""Gateway overhead: hfgate's gateway vs LiteLLM's proxy and Portkey's gateway, all fronting
the router emulator, in one run.

Every server runs in its own process on loopback: the router emulator; `hfgate serve` (one
worker, SQLite in a temp dir, requests made with a virtual key, so each pays the key check,
rate and budget admission and its usage row; with `--workers 2`, a second hfgate with two
workers on the same database); LiteLLM's proxy from its own venv (bench/.venv-litellm, made on
first use with `pip install 'litellm[proxy]'`), configured as most people start it: a model
list and a master key, no database; Portkey's open-source gateway (`@portkey-ai/gateway` from
npm, into bench/.portkey on first use; Node), reaching the emulator as an OpenAI-compatible
host through its `x-portkey-provider: openai` and `x-portkey-custom-host` headers.

- Added latency: one client on a warm keep-alive connection makes sequential non-streaming and
  streaming chat completions to the emulator directly and through each gateway, the targets
  taking turns of `--turn` requests: p50 and p99 of each back to back, what each adds over
  the direct call, the CPU time each gateway process spends per request (Linux), and apart,
  the first request of each turn, which comes after the target sat idle.
- Throughput: 50 concurrent clients for a fixed time per target (wrk when it is installed,
  else an asyncio + httpx generator), non-streaming; the direct rate is the ceiling that the
  load generator and the emulator leave on this machine.
- Memory (`--memory N`): each gateway's resident set size idle, after N/10 and after N mixed
  requests (half streamed, one in five of the streams dropped after its first bytes, one in
  ten requests answered 422 by the upstream), from 20 concurrent clients.

    python bench/gateway.py [--quick] [--no-litellm] [--no-portkey] [--workers 2]
                            [--requests 300] [--duration 10] [--memory 100000]
                            [--profile gateway.svg]   # py-spy on hfgate under load, afterwards
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from _report import DEFAULT_OUT, write_section

MODEL = "deepseek-ai/DeepSeek-V4-Pro"
HF_TOKEN = "hf_bench"
MASTER_KEY = "bench-master-key"
LITELLM = "LiteLLM proxy"
LITELLM_KEY = "sk-bench-" + "0" * 32  # LiteLLM refuses to start without a master key
LITELLM_VENV = Path(__file__).resolve().parent / ".venv-litellm"
PORTKEY = "Portkey gateway"
PORTKEY_PIN = "@portkey-ai/gateway@1.15.2"
PORTKEY_DIR = Path(__file__).resolve().parent / ".portkey"
FAIL_WORD = "please-fail"
"""A user message with this word is answered 422 by the bench's emulator: an upstream error
that no gateway retries, so the memory phase's pace stays the gateways' own."""
BODY = {"model": MODEL, "messages": [{"role": "user", "content": "Hello"}]}
STREAM_BODY = {**BODY, "stream": True, "stream_options": {"include_usage": True}}
KINDS = {"json": 0, "stream": 1}
WARMUP = 20
"""Calls per target that `in_turns` makes before it times any."""
LOAD = """
import asyncio, json, sys, time
import httpx
url, key, body, clients, seconds = sys.argv[1:4] + [int(sys.argv[4]), float(sys.argv[5])]
extra = json.loads(sys.argv[6])
async def main():
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"authorization": f"Bearer {key}", "content-type": "application/json", **extra}
    ok, errors = 0, 0
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        deadline = time.perf_counter() + seconds
        async def worker(i):
            nonlocal ok, errors
            await asyncio.sleep(i * 0.002)  # the emulator's listen backlog is socketserver's 5
            while time.perf_counter() < deadline:
                try:
                    r = await client.post(url, content=body, headers=headers)
                    ok, errors = (ok + 1, errors) if r.status_code == 200 else (ok, errors + 1)
                except httpx.HTTPError:
                    errors += 1
        start = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(clients)))
        print(json.dumps({"ok": ok, "errors": errors, "seconds": time.perf_counter() - start}))
asyncio.run(main())
"""

WRK_SCRIPT = """
wrk.method = "POST"
wrk.body = [[{body}]]
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {key}"
{extra}
"""


@dataclass
class Target:
    name: str
    url: str
    """Its chat completions URL."""
    key: str
    pid: int | None = None
    """The gateway's process, whose CPU time we read; None for the emulator itself."""
    headers: dict[str, str] = field(default_factory=dict)
    """Sent on every request besides the key (Portkey's provider and custom host)."""
    replicas: list[Target] = field(default_factory=list)
    """Other processes serving the same database: the load is split across all of them (no
    latency phase; the one-replica target has it)."""

    @property
    def all_headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.key}", **self.headers}


@dataclass
class Latency:
    samples: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    """{kind: {target: seconds per request}}."""
    cpu_ms: dict[str, dict[str, float | None]] = field(default_factory=dict)
    """{kind: {target: CPU ms its process spent per request}}, None when unknown."""
    first_bytes: dict[str, list[float]] = field(default_factory=dict)
    """{target: seconds from sending a streamed request to its first content delta}."""
    idle: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    """{kind or "first": {target: the same, for the first request of each turn}}: taken after
    the other targets' turns, so after the target sat idle (`samples` and `first_bytes` hold
    the rest of each turn, back to back)."""
    broken: dict[str, dict[str, str]] = field(default_factory=dict)
    """{kind: {target: what it answered}} for targets that cannot serve that kind."""


# --- the servers ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def spawn(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    full_env = {**os.environ, **env}
    with log.open("wb") as out:
        return subprocess.Popen(
            cmd, env=full_env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT
        )


def wait_ready(proc: subprocess.Popen[bytes], url: str, log: Path, timeout: float) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url} exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{url} not ready after {timeout:.0f} s:\n{log.read_text()[-3000:]}")


def stop(proc: subprocess.Popen[Any]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


EMULATOR = """
import json, sys
from hfgate.testing import Reply, RouterEmulator
chunks, fail = int(sys.argv[1]), sys.argv[2]
router = RouterEmulator(port=0)
answer = Reply.text("abcd" * chunks, chunk_size=4,
    usage={"prompt_tokens": 10, "completion_tokens": chunks, "total_tokens": 10 + chunks})
failure = Reply.error_string(422, "Unprocessable (bench)")
def respond(request):
    return failure if fail in json.dumps((request.json or {}).get("messages")) else answer
router.responder = respond
router.start()
print(router.base_url, flush=True)
sys.stdin.read()
"""


def start_emulator(chunks: int) -> tuple[subprocess.Popen[str], str]:
    """The router emulator in its own process: the usual answer, or a 503 for a request whose
    messages carry FAIL_WORD."""
    proc = subprocess.Popen(
        [sys.executable, "-c", EMULATOR, str(chunks), FAIL_WORD],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def start_hfgate(
    router_url: str,
    tmp: Path,
    stack: contextlib.ExitStack,
    workers: int = 1,
    database: str | None = None,
    name: str | None = None,
    source: Path | None = None,
) -> Target:
    """`hfgate serve` with its own data, cache and settings dirs, and a virtual key with an rpm
    and a budget (both far off), so admission runs its counting statement every request;
    on `database` (a PostgreSQL URL) instead of its own SQLite file; from the source tree
    `source` (its `src` first on the path, its own folders) instead of the installed hfgate."""
    import httpx

    if source is not None:
        tmp = tmp / f"source-{free_port()}"
        tmp.mkdir()

    port = free_port()
    env = {
        "HFGATE_MASTER_KEY": MASTER_KEY,
        "HFGATE_ROUTER_URL": router_url,
        "HF_TOKEN": HF_TOKEN,
        **{f"XDG_{d}_HOME": str(tmp / d.lower()) for d in ("CACHE", "CONFIG", "DATA")},
    }
    if source is not None:
        env["PYTHONPATH"] = str(source / "src")
    cmd = [sys.executable, "-m", "hfgate.cli", "serve", "--port", str(port)]
    cmd += ["--workers", str(workers)]
    name = name or ("hfgate" if workers == 1 else f"hfgate, {workers} workers")
    log = tmp / f"{re.sub(r'[^a-z0-9]+', '-', name.lower())}.log"
    proc = spawn([*cmd, "--database-url", database or str(tmp / "gateway.sqlite")], env, log)
    stack.callback(stop, proc)
    base = f"http://127.0.0.1:{port}"
    wait_ready(proc, f"{base}/health", log, 60)
    new = {"name": f"bench-{proc.pid}", "rpm": 10**9, "budget_usd": 10**6}
    r = httpx.post(f"{base}/keys", json=new, headers={"authorization": f"Bearer {MASTER_KEY}"})
    r.raise_for_status()
    return Target(name, f"{base}/v1/chat/completions", r.json()["key"], proc.pid)


PG_CLUSTER = Path(__file__).resolve().parent.parent / "tests" / "gateway" / "pg_cluster.py"


def start_postgres(stack: contextlib.ExitStack) -> str | None:
    """A throw-away PostgreSQL cluster (the tests' own, `tests/gateway/pg_cluster.py`: fsync
    off, as SQLite here commits without one), or None when the server binaries are absent."""
    proc = subprocess.Popen(
        [sys.executable, str(PG_CLUSTER)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    if not url.startswith("postgresql://"):
        print(f"PostgreSQL not measured: {proc.stderr.read() if proc.stderr else ''}")
        return None

    def stop_cluster() -> None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            print("PostgreSQL cluster did not stop; killed (its files stay in /tmp)")

    stack.callback(stop_cluster)
    return url


def start_postgres_targets(router_url: str, tmp: Path, stack: contextlib.ExitStack) -> list[Target]:
    """hfgate on PostgreSQL: one replica, and two replicas (two processes) sharing it."""
    url = start_postgres(stack)
    if url is None:
        return []
    one = start_hfgate(router_url, tmp, stack, database=url, name="hfgate, PostgreSQL")
    pair = start_hfgate(router_url, tmp, stack, database=url, name="hfgate, PostgreSQL, 2 replicas")
    pair.replicas.append(start_hfgate(router_url, tmp, stack, database=url, name="replica 2"))
    return [one, pair]


def portkey_script() -> tuple[Path | None, str]:
    """Portkey's server script, installed from npm on first use; else (None, why not)."""
    script = PORTKEY_DIR / "node_modules" / "@portkey-ai" / "gateway" / "build" / "start-server.js"
    if not script.exists():
        if not shutil.which("npm"):
            return None, "npm is not installed"
        print(f"Installing {PORTKEY_PIN} into {PORTKEY_DIR} (first run only)...", flush=True)
        PORTKEY_DIR.mkdir(exist_ok=True)
        (PORTKEY_DIR / "package.json").write_text('{"private": true}')
        step = ["npm", "install", "--prefix", str(PORTKEY_DIR), "--no-audit", "--no-fund"]
        done = subprocess.run([*step, PORTKEY_PIN], capture_output=True, text=True)
        if done.returncode != 0:
            return None, f"npm install {PORTKEY_PIN} failed: {done.stderr.strip()[-500:]}"
    return script, ""


def start_portkey(script: Path, router_url: str, tmp: Path, stack: contextlib.ExitStack) -> Target:
    """Portkey's gateway as its README starts it (`--headless`: no console UI), in
    production mode; the emulator is its custom OpenAI-compatible host."""
    port = free_port()
    log = tmp / "portkey.log"
    env = {"NODE_ENV": "production", "PORT": str(port)}
    proc = spawn(["node", str(script), f"--port={port}", "--headless"], env, log)
    stack.callback(stop, proc)
    base = f"http://127.0.0.1:{port}"
    wait_ready(proc, f"{base}/", log, 60)
    headers = {"x-portkey-provider": "openai", "x-portkey-custom-host": router_url}
    return Target(PORTKEY, f"{base}/v1/chat/completions", HF_TOKEN, proc.pid, headers)


def litellm_python() -> tuple[Path | None, str]:
    """LiteLLM's venv interpreter, making the venv on first use; else (None, why not)."""
    python = LITELLM_VENV / "bin" / "python"
    if not (LITELLM_VENV / "bin" / "litellm").exists():
        print(f"Installing litellm[proxy] into {LITELLM_VENV} (first run only)...", flush=True)
        steps = [
            [sys.executable, "-m", "venv", str(LITELLM_VENV)],
            [str(python), "-m", "pip", "install", "-q", "litellm[proxy]"],
        ]
        for step in steps:
            done = subprocess.run(step, capture_output=True, text=True)
            if done.returncode != 0:
                return None, f"`{' '.join(step[-3:])}` failed: {done.stderr.strip()[-500:]}"
    return python, ""


def start_litellm(python: Path, router_url: str, tmp: Path, stack: contextlib.ExitStack) -> Target:
    """LiteLLM's proxy, one uvicorn worker, no database; the model cost map read from the
    package (no fetch), logs at ERROR. (Its `--telemetry` flag is a no-op nowadays.)"""
    port = free_port()
    params = {"model": f"openai/{MODEL}", "api_base": router_url, "api_key": "hf_x"}
    config = {
        "model_list": [{"model_name": MODEL, "litellm_params": params}],
        "general_settings": {"master_key": LITELLM_KEY},
    }
    (tmp / "litellm.yaml").write_text(json.dumps(config))  # JSON is YAML
    env = {"LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_LOG": "ERROR"}
    cmd = [str(python.parent / "litellm"), "--config", str(tmp / "litellm.yaml")]
    log = tmp / "litellm.log"
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--num_workers", "1"]
    proc = spawn(cmd, env, log)
    stack.callback(stop, proc)
    base = f"http://127.0.0.1:{port}"
    wait_ready(proc, f"{base}/health/liveliness", log, 180)
    return Target(LITELLM, f"{base}/v1/chat/completions", LITELLM_KEY, proc.pid)


# --- latency -------------------------------------------------------------------------------

Pair = tuple[Callable[[], str], Callable[[], str]]


def calls(client: Any, target: Target, first_bytes: list[float]) -> Pair:
    """The two calls; each stream appends its time to the first content delta."""
    headers = target.all_headers

    def complete() -> str:
        r = client.post(target.url, json=BODY, headers=headers)
        r.raise_for_status()
        text: str = r.json()["choices"][0]["message"]["content"]
        return text

    def stream() -> str:
        parts: list[str] = []
        started = time.perf_counter()
        with client.stream("POST", target.url, json=STREAM_BODY, headers=headers) as r:
            if r.status_code != 200:
                r.read()
            r.raise_for_status()
            for line in r.iter_lines():
                data = line[5:].strip() if line.startswith("data:") else ""
                if data == "[DONE]":
                    break
                chunk = json.loads(data) if data else {}
                text = [c["delta"].get("content") or "" for c in chunk.get("choices") or ()]
                if any(text) and not any(parts):
                    first_bytes.append(time.perf_counter() - started)
                parts += text
        return "".join(parts)

    return complete, stream


def family(pid: int) -> set[int]:
    """A process and its children (a supervisor's workers), Linux."""
    found = {pid}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            if int(stat.read_text().rpartition(")")[2].split()[1]) == pid:
                found.add(int(stat.parent.name))
    return found


def cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU time of a process and its children so far (Linux), or None."""
    if pid is None:
        return None
    total = 0
    for member in family(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            if member == pid:
                return None
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def latencies(targets: list[Target], n: int, expected: str, turn: int) -> Latency:
    import httpx

    found = Latency()
    with contextlib.ExitStack() as stack:
        pairs = {}
        for t in targets:
            client = stack.enter_context(httpx.Client(timeout=60))
            pairs[t.name] = calls(client, t, found.first_bytes.setdefault(t.name, []))
        for kind, index in KINDS.items():
            serving = []
            for t in targets:  # every target answers the same, or is reported as failing
                try:
                    answer = pairs[t.name][index]()
                except httpx.HTTPStatusError as exc:
                    said = exc.response.text[:120]
                    found.broken.setdefault(kind, {})[t.name] = f"{exc.response.status_code} {said}"
                    continue
                assert answer == expected, (t.name, answer)
                serving.append(t)
            before = {t.name: cpu_seconds(t.pid) for t in serving}
            fns = {t.name: pairs[t.name][index] for t in serving}
            found.samples[kind], found.idle[kind] = in_turns(fns, n, turn)
            for name, got in found.first_bytes.items():
                del got[: max(0, len(got) - n)]  # the timed streams only, not the warm-up
                if got and turn > 1:
                    found.idle.setdefault("first", {})[name] = got[::turn]
                    got[:] = [t for i, t in enumerate(got) if i % turn]
            after = {t.name: cpu_seconds(t.pid) for t in serving}
            found.cpu_ms[kind] = {
                name: None if b is None or a is None else (a - b) * 1000 / (n + WARMUP)
                for name, b, a in ((t.name, before[t.name], after[t.name]) for t in serving)
            }
    return found


def in_turns(
    fns: dict[str, Callable[[], Any]], n: int, turn: int
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """n timed calls of each target, the targets taking turns of `turn` calls each, so drift
    on a shared machine (the other core's load, CPU frequency) hits every target alike.
    Returns the calls back to back within a turn, and the first call of each turn apart: it
    comes after the target sat idle through the others' turns, which left their own work in
    the CPU caches (and, for the gateways sharing one SQLite file, their writes in it), so it
    measures something else (docs/benchmarks.md, "run to run"). With `turn` 1 there is no
    back to back: every call is returned in the first dict, as before turns, the second empty."""
    for fn in fns.values():
        for _ in range(WARMUP):
            fn()
    back: dict[str, list[float]] = {name: [] for name in fns}
    first: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(n // turn):
        for name, fn in fns.items():
            for i in range(turn):
                start = time.perf_counter()
                fn()
                (first if i == 0 and turn > 1 else back)[name].append(time.perf_counter() - start)
    return back, first


def p50_p99(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[98] * 1000


# --- throughput ----------------------------------------------------------------------------

Load = Callable[[Target, int, float, Path], tuple[float, int]]


def wrk_rate(target: Target, clients: int, seconds: float, tmp: Path) -> tuple[float, int]:
    script = tmp / "post.lua"
    extra = "\n".join(f'wrk.headers["{k}"] = "{v}"' for k, v in target.headers.items())
    script.write_text(WRK_SCRIPT.format(body=json.dumps(BODY), key=target.key, extra=extra))
    cmd = ["wrk", "-t1", f"-c{clients}", f"-d{max(1, round(seconds))}s", "--timeout", "60s"]
    done = subprocess.run([*cmd, "-s", str(script), target.url], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed on {target.url}: {done.stderr.strip()}")
    rate = re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)
    if rate is None:
        raise RuntimeError(f"no rate in wrk's output:\n{done.stdout}")
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", done.stdout)
    sockets = re.search(r"Socket errors: (.*)", done.stdout)
    errors = int(non_2xx[1]) if non_2xx else 0
    errors += sum(int(n) for n in re.findall(r"\d+", sockets[1])) if sockets else 0
    return float(rate[1]), errors


def python_rate(target: Target, clients: int, seconds: float, tmp: Path) -> tuple[float, int]:
    argv = [target.url, target.key, json.dumps(BODY), str(clients), str(seconds)]
    argv.append(json.dumps(target.headers))
    cmd = [sys.executable, "-c", LOAD, *argv]
    result = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
    return result["ok"] / result["seconds"], result["errors"]


def load_generator() -> tuple[Load, str]:
    if shutil.which("wrk"):
        return wrk_rate, "wrk, one thread"
    return python_rate, "an asyncio + httpx generator: `apt-get install wrk` loads less"


def throughput(
    targets: list[Target], clients: int, seconds: float, rounds: int, tmp: Path
) -> dict[str, tuple[float, int]]:
    """(requests/s, errors) per target: a short warm-up each, then `rounds` turns of
    `seconds / rounds` each, targets taking turns so drift hits them alike."""
    for t in targets:
        _load_all(t, clients, min(2.0, seconds), tmp)
    runs: dict[str, list[tuple[float, int]]] = {t.name: [] for t in targets}
    for _ in range(rounds):
        for t in targets:
            runs[t.name].append(_load_all(t, clients, seconds / rounds, tmp))
    return {
        name: (statistics.fmean(r for r, _ in got), sum(e for _, e in got))
        for name, got in runs.items()
    }


def _load_all(target: Target, clients: int, seconds: float, tmp: Path) -> tuple[float, int]:
    """The load on a target, split evenly across it and its replicas, all at once."""
    from concurrent.futures import ThreadPoolExecutor

    load, _ = load_generator()
    members = [target, *target.replicas]
    share = max(1, clients // len(members))
    dirs = [tmp / f"load-{i}" for i in range(len(members))]
    for folder in dirs:
        folder.mkdir(exist_ok=True)
    with ThreadPoolExecutor(len(members)) as pool:
        done = list(pool.map(lambda m, d: load(m, share, seconds, d), members, dirs))
    return sum(r for r, _ in done), sum(e for _, e in done)


def profile(target: Target, out: Path, clients: int, seconds: float, tmp: Path) -> None:
    """py-spy samples the gateway under the throughput load, after the measurements (it
    pauses the process at each sample). `.svg`: a flame graph, `.json`: speedscope, else
    py-spy's raw collapsed stacks."""
    spy = shutil.which("py-spy") or shutil.which("py-spy", path=str(Path(sys.executable).parent))
    if spy is None:
        print("--profile needs py-spy: `pip install py-spy`", file=sys.stderr)
        return
    fmt = {".svg": "flamegraph", ".json": "speedscope"}.get(out.suffix, "raw")
    cmd = [spy, "record", "--pid", str(target.pid), "--rate", "200", "--format", fmt]
    spying = subprocess.Popen([*cmd, "--duration", str(round(seconds)), "-o", str(out)])
    load_generator()[0](target, clients, seconds + 1, tmp)
    spying.wait()


# --- memory ---------------------------------------------------------------------------------


def tree_rss_mib(pid: int | None) -> float | None:
    """Resident set size of a process and its children (workers), in MiB (Linux)."""
    if pid is None:
        return None
    total = 0
    for member in family(pid):
        with contextlib.suppress(OSError, ValueError):
            status = Path(f"/proc/{member}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+)", status)[1])  # type: ignore[index]
    return total / 1024


async def _mixed(target: Target, count: int, clients: int) -> int:
    """`count` requests: per ten, four plain, one failing upstream, four streamed whole and
    one stream dropped after its first bytes. Returns the unexpected answers."""
    import httpx

    failing = {**BODY, "messages": [{"role": "user", "content": FAIL_WORD}]}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    unexpected = 0
    next_index = 0
    async with httpx.AsyncClient(limits=limits, timeout=60, headers=target.all_headers) as client:

        async def one(i: int) -> bool:
            kind = i % 10
            if kind < 5:
                r = await client.post(target.url, json=failing if kind == 4 else BODY)
                return r.status_code == (200 if kind < 4 else 422)
            async with client.stream("POST", target.url, json=STREAM_BODY) as r:
                if kind == 9:  # hang up after the first bytes
                    await anext(r.aiter_bytes())
                    return r.status_code == 200
                await r.aread()
                return r.status_code == 200 and b"[DONE]" in r.content

        async def worker() -> None:
            nonlocal next_index, unexpected
            while next_index < count:
                i, next_index = next_index, next_index + 1
                try:
                    unexpected += not await one(i)
                except httpx.HTTPError:
                    unexpected += 1

        import asyncio

        await asyncio.gather(*(worker() for _ in range(clients)))
    return unexpected


@dataclass
class Memory:
    idle: float | None
    """MiB, right after start-up, before any request."""
    after: list[float | None] = field(default_factory=list)
    """MiB after total/10 and after total mixed requests."""
    unexpected: int = 0
    seconds: float = 0.0
    total: int = 0


def memory(target: Target, idle: float | None, total: int, clients: int = 20) -> Memory:
    """RSS after total/10 and after total mixed requests, from 20 concurrent clients."""
    import asyncio

    started = time.perf_counter()
    found = Memory(idle, total=total)
    first = total // 10
    found.unexpected = asyncio.run(_mixed(target, first, clients))
    found.after.append(tree_rss_mib(target.pid))
    found.unexpected += asyncio.run(_mixed(target, total - first, clients))
    found.after.append(tree_rss_mib(target.pid))
    found.seconds = time.perf_counter() - started
    return found


def memory_lines(found: dict[str, Memory]) -> list[str]:
    def mib(value: float | None) -> str:
        return "?" if value is None else f"{value:,.0f}"

    lines = [
        "| gateway | idle (MiB) | requests (N) | after N/10 | after N | growth N/10 → N "
        "| unexpected answers | seconds |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, m in found.items():
        small, large = m.after
        growth = f"{(large - small) / small:+.1%}" if small and large else "?"
        cells = [mib(m.idle), f"{m.total:,}", mib(small), mib(large), growth]
        cells += [str(m.unexpected), f"{m.seconds:.0f}"]
        lines.append(f"| {name} | {' | '.join(cells)} |")
    return lines


# --- the report ----------------------------------------------------------------------------


def versions(litellm: Path | None, portkey: Path | None) -> str:
    def of(python: Path, name: str) -> str:
        code = f"import importlib.metadata as m; print(m.version({name!r}))"
        done = subprocess.run([str(python), "-c", code], capture_output=True, text=True)
        return done.stdout.strip() or "?"

    found = [f"hfgate {metadata.version('hfgate')}", f"uvicorn {metadata.version('uvicorn')}"]
    if litellm is not None:
        found += [f"litellm {of(litellm, 'litellm')} (uvicorn {of(litellm, 'uvicorn')})"]
    if portkey is not None:
        node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout
        name, _, version = PORTKEY_PIN.rpartition("@")
        found += [f"{name} {version} (Node {node.strip().lstrip('v')})"]
    if shutil.which("wrk"):  # "wrk debian/4.1.0-3+b2 [epoll] ..."
        said = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split()
        found.append(f"wrk {said[1].rpartition('/')[2] if len(said) > 1 else '?'}")
    return ", ".join(found)


def usage_rows(db: Path) -> int:
    with contextlib.closing(sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)) as conn:
        rows: int = conn.execute("SELECT count(*) FROM usage").fetchone()[0]
        return rows


def latency_lines(found: Latency, chunks: int) -> list[str]:
    lines = [
        "| path | non-streaming p50 / p99 (ms) | added p50 / p99 | CPU per request | "
        f"streaming, {chunks} chunks, p50 / p99 (ms) | added p50 / p99 | CPU per request | "
        "first delta p50 / p99 (ms) | added p50 / p99 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    base = {kind: p50_p99(s["direct"]) for kind, s in found.samples.items()}
    first_base = p50_p99(found.first_bytes["direct"])
    for name in found.samples["json"]:
        cells = []
        for kind in KINDS:
            if name not in found.samples[kind]:
                cells += ["fails", "—", "—"]
                continue
            p50, p99 = p50_p99(found.samples[kind][name])
            d50, d99 = p50 - base[kind][0], p99 - base[kind][1]
            cpu = found.cpu_ms[kind][name]
            cells += [
                f"{p50:.2f} / {p99:.2f}",
                "—" if name == "direct" else f"{d50:+.2f} / {d99:+.2f}",
                "—" if cpu is None else f"{cpu:.2f}",
            ]
        firsts = found.first_bytes.get(name) or []
        if len(firsts) < 2:
            cells += ["—", "—"]
        else:
            f50, f99 = p50_p99(firsts)
            added = f"{f50 - first_base[0]:+.2f} / {f99 - first_base[1]:+.2f}"
            cells += [f"{f50:.2f} / {f99:.2f}", "—" if name == "direct" else added]
        lines.append(f"| {name} | {' | '.join(cells)} |")
    return lines


def idle_lines(found: Latency) -> list[str]:
    """The first request of each turn, after the target sat idle through the others' turns."""
    if not found.idle.get("json", {}).get("direct"):
        return []
    lines = [
        "| path | non-streaming p50 (ms) | added | streaming p50 (ms) | added | "
        "first delta p50 (ms) | added |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    base = {kind: statistics.median(s["direct"]) for kind, s in found.idle.items()}
    for name in found.idle["json"]:
        cells = []
        for kind in (*KINDS, "first"):
            got = found.idle.get(kind, {}).get(name)
            if not got:
                cells += ["—", "—"]
                continue
            ms, added = statistics.median(got) * 1000, (statistics.median(got) - base[kind]) * 1000
            cells += [f"{ms:.2f}", "—" if name == "direct" else f"{added:+.2f}"]
        lines.append(f"| {name} | {' | '.join(cells)} |")
    return lines


def throughput_lines(rates: dict[str, tuple[float, int]]) -> list[str]:
    peers = [p for p in (LITELLM, PORTKEY) if rates.get(p, (0, 0))[0]]
    head = "".join(f" vs {p} |" for p in peers)
    lines = [f"| target | requests/s | errors |{head}", "|---|---:|---:|" + "---:|" * len(peers)]
    for name, (rate, errors) in rates.items():
        ratios = "".join(f" {rate / rates[p][0]:.1f}x |" for p in peers)
        lines.append(f"| {name} | {rate:,.0f} | {errors} |{ratios}")
    return lines


def verdict(found: Latency, rates: dict[str, tuple[float, int]]) -> str:
    added = {
        kind: p50_p99(s["hfgate"])[0] - p50_p99(s["direct"])[0] for kind, s in found.samples.items()
    }
    p99 = p50_p99(found.samples["json"]["hfgate"])[1] - p50_p99(found.samples["json"]["direct"])[1]
    first = p50_p99(found.first_bytes["hfgate"])[0] - p50_p99(found.first_bytes["direct"])[0]
    rate = rates["hfgate"][0]
    idle = {
        kind: (statistics.median(s["hfgate"]) - statistics.median(s["direct"])) * 1000
        for kind, s in found.idle.items()
        if s.get("hfgate") and s.get("direct")
    }
    after_idle = {
        kind: f"; {idle[kind]:.2f} ms for the first request of a turn, after sitting idle"
        if kind in idle else ""
        for kind in (*KINDS, "first")
    }  # fmt: skip
    said = [
        f"added p50 ≤ 1 ms: {'met' if added['json'] <= 1 else 'missed'} "
        f"({added['json']:.2f} ms non-streaming back to back{after_idle['json']}; "
        f"{added['stream']:.2f} ms for a whole stream)",
        f"added p99 ≤ 3 ms: {'met' if p99 <= 3 else 'missed'} ({p99:.2f} ms)",
        f"added time to the first streamed delta ≤ 1 ms: {'met' if first <= 1 else 'missed'} "
        f"({first:.2f} ms back to back{after_idle['first']})",
        f"≥ 1,500 requests/s on one worker: {'met' if rate >= 1500 else 'missed'} ({rate:,.0f})",
    ]
    if rates.get(PORTKEY, (0, 0))[0]:
        ratio = rate / rates[PORTKEY][0]
        said.append(f"≥ 3x {PORTKEY}: {'met' if ratio >= 3 else 'missed'} ({ratio:.1f}x)")
        theirs = (
            p50_p99(found.samples["json"][PORTKEY])[0] - p50_p99(found.samples["json"]["direct"])[0]
        )
        below = "met" if added["json"] < theirs else "missed"
        said.append(f"added latency below {PORTKEY}'s: {below} ({theirs:.2f} ms)")
    if rates.get(LITELLM, (0, 0))[0]:
        said.append(f"{rate / rates[LITELLM][0]:.1f}x {LITELLM}")
    return "Goals: " + "; ".join(said) + "."


@dataclass
class Peers:
    litellm: Path | None
    portkey: Path | None
    why_not: dict[str, str]
    """Peer -> why it was not measured."""


def render(
    args: argparse.Namespace,
    found: Latency,
    rates: dict[str, tuple[float, int]],
    rows: int,
    peers: Peers,
    memories: dict[str, Memory],
) -> str:
    lines = [
        "## Gateway",
        "",
        f"`bench/gateway.py` on {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {time.strftime('%Y-%m-%d')}; "
        f"{versions(peers.litellm, peers.portkey)}. The router emulator, `hfgate serve`, "
        "LiteLLM's proxy and Portkey's gateway each run in their own process on loopback, one "
        "worker each. hfgate is measured with its database (SQLite) and a virtual key that has "
        "an rpm and a budget, so each request pays the key check, rate and budget admission "
        "and its usage row. LiteLLM runs as most people start it: a model list and a master "
        "key, no database (no spend logs, no key lookups); Portkey as its README starts it "
        "(`--headless`, production mode), the emulator as its custom OpenAI-compatible host. "
        "Neither peer keeps usage or limits, so the comparison is conservative for hfgate. "
        "'hfgate, PostgreSQL' is the same gateway on a local PostgreSQL cluster (fsync off, "
        "as SQLite here commits without an fsync); '2 replicas' is two such processes on one "
        "database, the load split between them, all on these 2 cores."
        + (
            f" 'hfgate at {revision(args.baseline)}' is the gateway as it was at that commit, "
            "run from its source tree in the same way, for a before and after in one run."
            if args.baseline is not None
            else ""
        ),
        "",
        f"Latency: {args.requests} sequential chat completions per target and kind from one "
        "client on a warm keep-alive connection, the targets taking turns of "
        f"{args.turn} request(s) each; answers of {args.chunks * 4} characters ({args.chunks} "
        "deltas when streamed). 'Added' is the target's percentile minus the direct call's, "
        "in ms; 'CPU per request' is the gateway process's user + system time, in ms."
        + (
            " The table holds the requests back to back within a turn; the first of each "
            "turn, which comes after the gateway sat idle through the other targets' turns, "
            "is in the table after it."
            if args.turn > 1
            else ""
        ),
        "",
        *latency_lines(found, args.chunks),
        "",
        *(
            [
                f"The first request of each turn ({args.requests // args.turn} per target and "
                "kind), p50: each comes after the target sat idle through the other targets' "
                "turns, which left their work in the CPU caches ('hfgate' and 'hfgate, 2 "
                "workers' also share one SQLite file, so each finds the other's writes in it).",
                "",
                *idle_lines(found),
                "",
            ]
            if args.turn > 1
            else []
        ),
        *[
            f"{name} fails every {kind} request with {said!r}."
            for kind, failing in found.broken.items()
            for name, said in failing.items()
        ],
        "",
        f"Throughput: {args.clients} concurrent connections ({load_generator()[1]}; its own "
        f"process), non-streaming, {args.duration:g} s per target in {args.rounds} turn(s) after "
        "a warm-up. 'direct' is the ceiling the load generator and the emulator leave on this "
        "machine.",
        "",
        *throughput_lines(rates),
        "",
        f"{verdict(found, rates)} The gateway wrote {rows:,} usage rows.",
        "",
    ]
    if memories:
        lines += [
            "Memory: resident set size (the process and its children) idle at start-up, then "
            "after N/10 and after N mixed requests in all, from 20 concurrent clients (after "
            "the phases above): per ten requests four plain, one answered 422 by the "
            "upstream, four streamed to the end and one stream dropped after its first "
            "bytes. 'Unexpected answers' counts any other status or a stream "
            "without its end.",
            "",
            *memory_lines(memories),
            "",
        ]
    for peer, why in peers.why_not.items():
        lines[-1:-1] = [f"{peer} not measured: {why}", ""]
    return "\n".join(lines)


# --- the run -------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300, help="per target and kind")
    parser.add_argument("--chunks", type=int, default=50, help="4-character deltas per answer")
    parser.add_argument("--turn", type=int, default=10, help="latency calls per target in turn")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per target")
    parser.add_argument("--rounds", type=int, default=2, help="turns the duration is split in")
    parser.add_argument("--quick", action="store_true", help="50 requests, 2 s, one turn")
    parser.add_argument("--no-litellm", action="store_true")
    parser.add_argument("--no-portkey", action="store_true")
    parser.add_argument("--workers", type=int, default=1, help="also measure N workers")
    parser.add_argument("--postgres", action="store_true", help="also on PostgreSQL, 1 and 2")
    parser.add_argument("--memory", type=int, default=0, metavar="N", help="mixed requests")
    parser.add_argument("--peer-memory", type=int, metavar="N", help="for the peers (--memory)")
    parser.add_argument("--profile", metavar="FILE", help="py-spy the gateway under load")
    parser.add_argument(
        "--baseline", metavar="DIR", type=Path, help="also hfgate from this source tree (a git "
        "worktree of an earlier commit), measured and profiled side by side",
    )  # fmt: skip
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    args = parser.parse_args()
    if args.quick:
        args.requests, args.duration, args.rounds = 50, 2.0, 1
    if args.turn < 1 or args.requests % args.turn:
        parser.error("--turn must divide --requests")

    why_not: dict[str, str] = {}
    litellm = _peer(LITELLM, args.no_litellm, "--no-litellm", litellm_python, why_not)
    portkey = _peer(PORTKEY, args.no_portkey, "--no-portkey", portkey_script, why_not)
    peers = Peers(litellm, portkey, why_not)
    for peer, why in peers.why_not.items():
        print(f"{peer} NOT measured: {why}", file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory(prefix="hfgate-bench-") as d, contextlib.ExitStack() as stack:
        tmp = Path(d)
        emulator, router_url = start_emulator(args.chunks)
        stack.callback(_close_emulator, emulator)
        targets = [Target("direct", f"{router_url}/chat/completions", HF_TOKEN)]
        targets.append(start_hfgate(router_url, tmp, stack))
        if args.baseline is not None:
            name = f"hfgate at {revision(args.baseline)}"
            targets.append(start_hfgate(router_url, tmp, stack, name=name, source=args.baseline))
        if args.workers > 1:
            targets.append(start_hfgate(router_url, tmp, stack, args.workers))
        if args.postgres:
            targets += start_postgres_targets(router_url, tmp, stack)
        if peers.litellm is not None:
            targets.append(start_litellm(peers.litellm, router_url, tmp, stack))
        if peers.portkey is not None:
            targets.append(start_portkey(peers.portkey, router_url, tmp, stack))
        idle = {t.name: tree_rss_mib(t.pid) for t in targets if t.pid is not None}
        timed = [t for t in targets if not t.replicas]
        found = latencies(timed, args.requests, "abcd" * args.chunks, args.turn)
        rates = throughput(targets, args.clients, args.duration, args.rounds, tmp)
        memories: dict[str, Memory] = {}
        for t in targets if args.memory else ():
            baseline = t.name.startswith("hfgate at")
            if t.pid is not None and not t.replicas and "PostgreSQL" not in t.name and not baseline:
                count = args.memory
                if t.name in (LITELLM, PORTKEY) and args.peer_memory:
                    count = args.peer_memory
                print(f"memory: {count:,} mixed requests to {t.name}...", flush=True)
                memories[t.name] = memory(t, idle[t.name], count)
        rows = usage_rows(tmp / "gateway.sqlite")
        if args.profile:
            out = Path(args.profile).resolve()
            profile(targets[1], out, args.clients, args.duration, tmp)
            if args.baseline is not None:
                out = out.with_name(f"{out.stem}-baseline{out.suffix}")
                profile(targets[2], out, args.clients, args.duration, tmp)
        table = render(args, found, rates, rows, peers, memories)  # before stopping anything:
        print(table, flush=True)  # a process that will not stop must not cost the figures
        write_section(Path(args.out), "gateway", table)


def _peer(
    name: str,
    skipped: bool,
    flag: str,
    install: Callable[[], tuple[Path | None, str]],
    why_not: dict[str, str],
) -> Path | None:
    """A peer's program, installed on first use; else None, with why in `why_not`."""
    if skipped:
        why_not[name] = f"skipped ({flag})"
        return None
    found, why = install()
    if found is None:
        why_not[name] = why
    return found


def revision(tree: Path) -> str:
    """A source tree's short commit, else its folder's name."""
    done = subprocess.run(["git", "-C", str(tree), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True)  # fmt: skip
    return done.stdout.strip() or tree.name


def _close_emulator(proc: subprocess.Popen[str]) -> None:
    assert proc.stdin is not None
    proc.stdin.close()
    proc.wait(timeout=10)


if __name__ == "__main__":
    main()
