"""`python -m hfgate.testing [--api API] [--host H] [--port P]`: serve an emulator (the
router by default, or the OpenAI or Anthropic API) until Ctrl-C.

With no script pushed it echoes ("You said: ..."), which makes it a demo target for any
client of that API, hfgate included.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from hfgate.testing._sdks import MissingSdkError, require_sdks
from hfgate.testing.router import RouterEmulator
from hfgate.testing.server import Emulator
from hfgate.testing.vendors import AnthropicEmulator, OpenAIEmulator

_APIS: dict[str, type[Emulator]] = {
    "router": RouterEmulator,
    "openai": OpenAIEmulator,
    "anthropic": AnthropicEmulator,
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m hfgate.testing",
        description="Serve an hfgate emulator (an echo) until Ctrl-C.",
    )
    parser.add_argument("--api", choices=sorted(_APIS), default="router")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8088, help="0 picks a free port")
    parser.add_argument(
        "--require-auth",
        action="store_true",
        help="401 without a key (router: 'Authorization: Bearer hf_...')",
    )
    args = parser.parse_args(argv)
    try:
        require_sdks()
    except MissingSdkError as exc:
        sys.exit(f"error: {exc}")
    emulator = _APIS[args.api](args.host, args.port, require_auth=args.require_auth).start()
    # A polite stop on SIGTERM too (e.g. a test harness terminating us), not only on Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"hfgate {args.api} emulator serving on {emulator.base_url}", flush=True)
    if args.api == "router":
        hint = f"HFGATE_ROUTER_URL={emulator.base_url} HF_TOKEN=hf_test hfgate run hello"
        print(f"  try: {hint}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()


if __name__ == "__main__":
    main()
