"""`python -m hfgate.testing [--host H] [--port P]`: serve the router emulator until Ctrl-C.

With no script pushed it echoes ("You said: ..."), which makes it a demo target for any
OpenAI-compatible client, hfgate included.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from hfgate.testing.router import RouterEmulator


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m hfgate.testing",
        description="Serve the hfgate router emulator (an echo) until Ctrl-C.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8088, help="0 picks a free port")
    parser.add_argument(
        "--require-auth", action="store_true", help="401 without 'Authorization: Bearer hf_...'"
    )
    args = parser.parse_args(argv)
    router = RouterEmulator(args.host, args.port, require_auth=args.require_auth).start()
    # A polite stop on SIGTERM too (e.g. a test harness terminating us), not only on Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"hfgate router emulator serving on {router.base_url}", flush=True)
    hint = f"HFGATE_ROUTER_URL={router.base_url} HF_TOKEN=hf_test hfgate run hello"
    print(f"  try: {hint}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        router.stop()


if __name__ == "__main__":
    main()
