"""What a gateway request's time goes to: py-spy's raw stacks (`bench/gateway.py --profile
FILE.txt`) summed into the phases of a request, one column per profile, so two builds can be
set side by side (`profile_phases.py before.txt after.txt --names before after`).

A sample is given to the first phase, in the order below, that one of its frames belongs to;
samples outside a request handler go to the event loop's own work (group commit, Starlette's
router, aiohttp reading, uvicorn's parsing and writing). Shares are of the samples in which
the gateway ran.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

IN_REQUEST = [
    ("key check", r"Authenticator\.caller"),
    ("read + parse the request", r"read_json|parse_request"),
    ("routes (model -> candidates)", r"Exchanges\.candidates"),
    ("admission (rpm, budget) in the request", r"Exchanges\._admit"),
    ("usage row in the request", r"Exchanges\._record"),
    ("upstream: request body to JSON", r"Attempts\.request"),
    ("upstream: httpx request", r"build_request"),
    ("upstream: aiohttp send + answer head", r"AiohttpTransport\.handle|_UpstreamClient\._open"),
    ("upstream: answer body", r"_UpstreamClient\.(send|request)|Response\.aread"),
    ("upstream: answer checked + parsed", r"json_body|checked"),
    ("upstream: the rest (backend, fallbacks)", r"Upstreams\.(complete|open)"),
    ("answer rendered", r"render_response|^_json \(hfgate|_served_headers"),
    ("stream relayed", r"_frames"),
    ("answer sent (Starlette, ASGI)", r"Response\.__call__"),
]
OUTSIDE = [
    ("SQLite writes + commits (group commit)", r"GroupCommit\._flush"),
    ("Starlette routing + middleware", r"starlette/(routing|middleware)"),
    ("aiohttp reading upstream bytes", r"aiohttp/"),
    ("uvicorn parsing + writing", r"uvicorn/protocols"),
]


HANDLER = re.compile(r"(Exchanges\.handle|Response\.__call__|ClosingStream\.__call__) ")
"""Where a request's own work starts, with or without the FastPath in front of Starlette."""


def phases(path: Path) -> Counter[str]:
    found: Counter[str] = Counter()
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = stack.split(";")
        marks = [i for i, f in enumerate(frames) if HANDLER.match(f)]
        if marks:
            inner = frames[marks[0] :]
            label = next(
                (name for name, rx in IN_REQUEST if any(re.search(rx, f) for f in inner)),
                "request: the rest (pipeline, ticket, metrics)",
            )
        elif any("Condition.wait" in f or "Event.wait" in f for f in frames):
            continue  # another thread, asleep
        else:
            label = next(
                (name for name, rx in OUTSIDE if any(re.search(rx, f) for f in frames)),
                "event loop and the rest",
            )
        found[label] += int(count)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("profiles", nargs="+", type=Path)
    parser.add_argument("--names", nargs="+", help="column names (default: file names)")
    parser.add_argument(
        "--rates", nargs="+", type=float, help="requests/s each gateway carried while profiled "
        "(one busy core): shares become µs per request",
    )  # fmt: skip
    args = parser.parse_args()
    names = args.names or [p.stem for p in args.profiles]
    counted = [phases(p) for p in args.profiles]
    order = [n for n, _ in IN_REQUEST + OUTSIDE]
    order += ["request: the rest (pipeline, ticket, metrics)", "event loop and the rest"]
    print("| phase | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    per_request = [1e6 / r for r in args.rates] if args.rates else None
    for label in order:
        shares = [c[label] / max(1, sum(c.values())) for c in counted]
        cells = [f"{100 * share:.1f} %" for share in shares]
        if per_request:
            cells = [
                f"{cell} ({share * us:.0f} µs)"
                for cell, share, us in zip(cells, shares, per_request, strict=True)
            ]
        print(f"| {label} | " + " | ".join(cells) + " |")
    if per_request:
        print("| a request, in all | " + " | ".join(f"{us:.0f} µs" for us in per_request) + " |")
    print("| samples | " + " | ".join(f"{sum(c.values()):,}" for c in counted) + " |")


if __name__ == "__main__":
    main()
