"""`python -m hfgate.testing [--host H] [--port P]`: serve the router emulator until Ctrl-C."""

from __future__ import annotations

import argparse
import threading

from hfgate.testing.router import RouterEmulator


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m hfgate.testing", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8088)
    parser.add_argument("--require-auth", action="store_true")
    args = parser.parse_args()
    router = RouterEmulator(args.host, args.port, require_auth=args.require_auth).start()
    print(f"hfgate router emulator serving on {router.base_url}", flush=True)
    print(f"  HFGATE_ROUTER_URL={router.base_url} HF_TOKEN=hf_test hfgate run 'hello'", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        router.stop()


if __name__ == "__main__":
    main()
