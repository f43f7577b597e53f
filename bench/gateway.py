"""Gateway overhead: hfgate's gateway vs LiteLLM's proxy, both fronting the router emulator,
in one run.

Every server runs in its own process on loopback: the router emulator; `hfgate serve` (one
worker, SQLite in a temp dir, requests made with a virtual key, so each pays the key check,
rate and budget admission and its usage row); LiteLLM's proxy from its own venv
(bench/.venv-litellm, made on first use with `pip install 'litellm[proxy]'`), configured as
most people start it: a model list and a master key, no database.

- Added latency: one client on a warm keep-alive connection makes sequential non-streaming and
  streaming chat completions to the emulator directly, through hfgate and through LiteLLM,
  the three taking turns request by request: p50 and p99 of each, what each adds over the
  direct call, and the CPU time each gateway process spends per request (Linux).
- Throughput: 50 concurrent clients for a fixed time per target (wrk when it is installed,
  else an asyncio + httpx generator), non-streaming; the direct rate is the ceiling that the
  load generator and the emulator leave on this machine.

    python bench/gateway.py [--quick] [--no-litellm] [--requests 300] [--duration 10]
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
from client_overhead import interleaved, start_emulator

MODEL = "deepseek-ai/DeepSeek-V4-Pro"
HF_TOKEN = "hf_bench"
MASTER_KEY = "bench-master-key"
LITELLM = "LiteLLM proxy"
LITELLM_KEY = "sk-bench-" + "0" * 32  # LiteLLM refuses to start without a master key
LITELLM_VENV = Path(__file__).resolve().parent / ".venv-litellm"
BODY = {"model": MODEL, "messages": [{"role": "user", "content": "Hello"}]}
STREAM_BODY = {**BODY, "stream": True, "stream_options": {"include_usage": True}}
KINDS = {"json": 0, "stream": 1}
WARMUP = 20
"""Calls per target that `interleaved` makes before it times any."""
LOAD = """
import asyncio, json, sys, time
import httpx
url, key, body, clients, seconds = sys.argv[1:4] + [int(sys.argv[4]), float(sys.argv[5])]
async def main():
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"authorization": f"Bearer {key}", "content-type": "application/json"}
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
"""


@dataclass
class Target:
    name: str
    url: str
    """Its chat completions URL."""
    key: str
    pid: int | None = None
    """The gateway's process, whose CPU time we read; None for the emulator itself."""


@dataclass
class Latency:
    samples: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    """{kind: {target: seconds per request}}."""
    cpu_ms: dict[str, dict[str, float | None]] = field(default_factory=dict)
    """{kind: {target: CPU ms its process spent per request}}, None when unknown."""


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


def start_hfgate(router_url: str, tmp: Path, stack: contextlib.ExitStack) -> Target:
    """`hfgate serve` with its own data, cache and settings dirs, and a virtual key with an rpm
    and a budget (both far off), so admission runs its counting statement every request."""
    import httpx

    port = free_port()
    env = {
        "HFGATE_MASTER_KEY": MASTER_KEY,
        "HFGATE_ROUTER_URL": router_url,
        "HF_TOKEN": HF_TOKEN,
        **{f"XDG_{d}_HOME": str(tmp / d.lower()) for d in ("CACHE", "CONFIG", "DATA")},
    }
    cmd = [sys.executable, "-m", "hfgate.cli", "serve", "--port", str(port), "--workers", "1"]
    log = tmp / "hfgate.log"
    proc = spawn([*cmd, "--database-url", str(tmp / "gateway.sqlite")], env, log)
    stack.callback(stop, proc)
    base = f"http://127.0.0.1:{port}"
    wait_ready(proc, f"{base}/health", log, 60)
    new = {"name": "bench", "rpm": 10**9, "budget_usd": 10**6}
    r = httpx.post(f"{base}/keys", json=new, headers={"authorization": f"Bearer {MASTER_KEY}"})
    r.raise_for_status()
    return Target("hfgate", f"{base}/v1/chat/completions", r.json()["key"], proc.pid)


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


def calls(client: Any, target: Target) -> Pair:
    headers = {"authorization": f"Bearer {target.key}"}

    def complete() -> str:
        r = client.post(target.url, json=BODY, headers=headers)
        r.raise_for_status()
        text: str = r.json()["choices"][0]["message"]["content"]
        return text

    def stream() -> str:
        parts = []
        with client.stream("POST", target.url, json=STREAM_BODY, headers=headers) as r:
            r.raise_for_status()
            for line in r.iter_lines():
                data = line[5:].strip() if line.startswith("data:") else ""
                if data == "[DONE]":
                    break
                chunk = json.loads(data) if data else {}
                parts += [c["delta"].get("content") or "" for c in chunk.get("choices") or ()]
        return "".join(parts)

    return complete, stream


def cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU time of a process so far (Linux), or None."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def latencies(targets: list[Target], n: int, expected: str) -> Latency:
    import httpx

    found = Latency()
    with contextlib.ExitStack() as stack:
        pairs = {}
        for t in targets:
            client = stack.enter_context(httpx.Client(timeout=60))
            pairs[t.name] = calls(client, t)
            for fn in pairs[t.name]:  # every target answers the same
                assert fn() == expected, (t.name, fn())
        for kind, index in KINDS.items():
            before = {t.name: cpu_seconds(t.pid) for t in targets}
            found.samples[kind] = interleaved({k: fns[index] for k, fns in pairs.items()}, n)
            after = {t.name: cpu_seconds(t.pid) for t in targets}
            found.cpu_ms[kind] = {
                name: None if b is None or a is None else (a - b) * 1000 / (n + WARMUP)
                for name, b, a in ((t.name, before[t.name], after[t.name]) for t in targets)
            }
    return found


def p50_p99(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[98] * 1000


# --- throughput ----------------------------------------------------------------------------

Load = Callable[[Target, int, float, Path], tuple[float, int]]


def wrk_rate(target: Target, clients: int, seconds: float, tmp: Path) -> tuple[float, int]:
    script = tmp / "post.lua"
    script.write_text(WRK_SCRIPT.format(body=json.dumps(BODY), key=target.key))
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
    load, _ = load_generator()
    for t in targets:
        load(t, clients, min(2.0, seconds), tmp)
    runs: dict[str, list[tuple[float, int]]] = {t.name: [] for t in targets}
    for _ in range(rounds):
        for t in targets:
            runs[t.name].append(load(t, clients, seconds / rounds, tmp))
    return {
        name: (statistics.fmean(r for r, _ in got), sum(e for _, e in got))
        for name, got in runs.items()
    }


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


# --- the report ----------------------------------------------------------------------------


def versions(litellm: Path | None) -> str:
    def of(python: Path, name: str) -> str:
        code = f"import importlib.metadata as m; print(m.version({name!r}))"
        done = subprocess.run([str(python), "-c", code], capture_output=True, text=True)
        return done.stdout.strip() or "?"

    found = [f"hfgate {metadata.version('hfgate')}", f"uvicorn {metadata.version('uvicorn')}"]
    if litellm is not None:
        found += [f"litellm {of(litellm, 'litellm')} (uvicorn {of(litellm, 'uvicorn')})"]
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
        f"streaming, {chunks} chunks, p50 / p99 (ms) | added p50 / p99 | CPU per request |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    base = {kind: p50_p99(s["direct"]) for kind, s in found.samples.items()}
    for name in found.samples["json"]:
        cells = []
        for kind in KINDS:
            p50, p99 = p50_p99(found.samples[kind][name])
            d50, d99 = p50 - base[kind][0], p99 - base[kind][1]
            cpu = found.cpu_ms[kind][name]
            cells += [
                f"{p50:.2f} / {p99:.2f}",
                "—" if name == "direct" else f"{d50:+.2f} / {d99:+.2f}",
                "—" if cpu is None else f"{cpu:.2f}",
            ]
        lines.append(f"| {name} | {' | '.join(cells)} |")
    return lines


def throughput_lines(rates: dict[str, tuple[float, int]]) -> list[str]:
    lite = rates.get(LITELLM)
    lines = [f"| target | requests/s | errors | vs {LITELLM} |", "|---|---:|---:|---:|"]
    for name, (rate, errors) in rates.items():
        ratio = f"{rate / lite[0]:.1f}x" if lite and lite[0] else "—"
        lines.append(f"| {name} | {rate:,.0f} | {errors} | {ratio} |")
    return lines


def verdict(found: Latency, rates: dict[str, tuple[float, int]]) -> str:
    added = {
        kind: p50_p99(s["hfgate"])[0] - p50_p99(s["direct"])[0] for kind, s in found.samples.items()
    }
    said = [
        f"added p50 ≤ 1 ms: {'met' if max(added.values()) <= 1 else 'missed'} "
        f"({added['json']:.2f} ms non-streaming, {added['stream']:.2f} ms streaming)"
    ]
    if LITELLM in rates:
        ratio = rates["hfgate"][0] / rates[LITELLM][0]
        said.append(
            f"throughput ≥ 3x {LITELLM}: {'met' if ratio >= 3 else 'missed'} ({ratio:.1f}x)"
        )
    return "Goals: " + "; ".join(said) + "."


def render(
    args: argparse.Namespace,
    found: Latency,
    rates: dict[str, tuple[float, int]],
    rows: int,
    litellm: Path | None,
    why_not: str,
) -> str:
    lines = [
        "## Gateway",
        "",
        f"`bench/gateway.py` on {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {time.strftime('%Y-%m-%d')}; {versions(litellm)}. "
        "The router emulator, `hfgate serve` and LiteLLM's proxy each run in their own process "
        "on loopback, one worker each. hfgate is measured with its database (SQLite) and a "
        "virtual key that has an rpm and a budget, so each request pays the key check, rate "
        "and budget admission and its usage row. LiteLLM runs as most people start it: a model "
        "list and a master key, no database (no spend logs, no key lookups); the comparison is "
        "conservative for hfgate.",
        "",
        f"Latency: {args.requests} sequential chat completions per target and kind from one "
        "client on a warm keep-alive connection, the targets taking turns request by request; "
        f"answers of {args.chunks * 4} characters ({args.chunks} deltas when streamed). "
        "'Added' is the target's percentile minus the direct call's, in ms; 'CPU per request' "
        "is the gateway process's user + system time, in ms.",
        "",
        *latency_lines(found, args.chunks),
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
    if litellm is None:
        lines[-1:-1] = [f"{LITELLM} not measured: {why_not}", ""]
    return "\n".join(lines)


# --- the run -------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300, help="per target and kind")
    parser.add_argument("--chunks", type=int, default=50, help="4-character deltas per answer")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per target")
    parser.add_argument("--rounds", type=int, default=2, help="turns the duration is split in")
    parser.add_argument("--quick", action="store_true", help="50 requests, 2 s, one turn")
    parser.add_argument("--no-litellm", action="store_true")
    parser.add_argument("--profile", metavar="FILE", help="py-spy the gateway under load")
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    args = parser.parse_args()
    if args.quick:
        args.requests, args.duration, args.rounds = 50, 2.0, 1

    python, why_not = (None, "skipped (--no-litellm)") if args.no_litellm else litellm_python()
    if python is None and not args.no_litellm:
        print(f"{LITELLM} NOT measured: {why_not}", file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory(prefix="hfgate-bench-") as d, contextlib.ExitStack() as stack:
        tmp = Path(d)
        emulator, router_url = start_emulator(args.chunks)
        stack.callback(_close_emulator, emulator)
        targets = [Target("direct", f"{router_url}/chat/completions", HF_TOKEN)]
        targets.append(start_hfgate(router_url, tmp, stack))
        if python is not None:
            targets.append(start_litellm(python, router_url, tmp, stack))
        found = latencies(targets, args.requests, "abcd" * args.chunks)
        rates = throughput(targets, args.clients, args.duration, args.rounds, tmp)
        rows = usage_rows(tmp / "gateway.sqlite")
        if args.profile:
            profile(targets[1], Path(args.profile).resolve(), args.clients, args.duration, tmp)
    table = render(args, found, rates, rows, python, why_not)
    print(table)
    write_section(Path(args.out), "gateway", table)


def _close_emulator(proc: subprocess.Popen[str]) -> None:
    assert proc.stdin is not None
    proc.stdin.close()
    proc.wait(timeout=10)


if __name__ == "__main__":
    main()
