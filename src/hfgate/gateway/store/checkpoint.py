"""WAL checkpoints off the event loop, for the SQLite store.

SQLite's own automatic checkpoint runs inside the commit that crosses 1,000 WAL pages: that
commit copies them into the database file and fsyncs both, and the gateway, which commits
inline, serves nobody meanwhile. Measured on the dev machine (2 cores, ext4), admission + usage
row in a loop: p99 3.3-4.4 ms per pair with it, 0.26-0.36 ms without.

So the gateway's connection turns it off and this thread checkpoints on a connection of its own
(the sqlite3 module lets go of the GIL while SQLite works), every `EVERY_COMMITS` commits or
`IDLE_SECONDS` after the last one. A WAL only starts over from its beginning when a write finds
every frame copied, so a checkpoint overlapped by writes, again and again under steady load,
would let the file grow without end: `GroupCommit` holds its next batch until the checkpoint is
done (the event loop goes on with everything else), and the write after it starts the WAL over.
Durability is unchanged: a commit is in the WAL before its caller hears of it, as before.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger("hfgate.gateway")

EVERY_COMMITS = 100
"""Commits between checkpoints (a usage row or an admission is a few pages)."""
IDLE_SECONDS = 1.0
"""A checkpoint this long after the last commit, when fewer than `EVERY_COMMITS` came."""


class Checkpointer:
    """Checkpoints one SQLite file's WAL in a thread; `GroupCommit` calls `committed()` after
    each commit and asks `hold()` before each batch."""

    def __init__(self, path: Path, connect: Callable[[Path], sqlite3.Connection]) -> None:
        self._path = path
        self._connect = connect
        self._state = threading.Lock()
        self._wake = threading.Event()
        self._busy = False
        self._resume: tuple[asyncio.AbstractEventLoop, Callable[[], None]] | None = None
        self._commits = 0
        self._closing = False
        self.checkpoints = 0
        """Checkpoints run so far (for the tests and the curious)."""
        self._thread: threading.Thread | None = None

    def committed(self) -> None:
        """One more commit; every `EVERY_COMMITS`, a checkpoint starts (and batches wait).
        The thread starts with the first commit: a store only read (`hfgate usage`) has none."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="hfgate-wal", daemon=True)
            self._thread.start()
        with self._state:
            self._commits += 1
            if self._commits >= EVERY_COMMITS and not self._busy:
                self._busy, self._commits = True, 0
                self._wake.set()

    def hold(self, loop: asyncio.AbstractEventLoop, resume: Callable[[], None]) -> bool:
        """Whether a checkpoint is running; if so, `resume` is called in `loop` once it ends."""
        with self._state:
            if self._busy:
                self._resume = (loop, resume)
            return self._busy

    def close(self) -> None:
        """Stops the thread, after the checkpoint it may be running (the store's own
        connection, closed last, checkpoints what is left)."""
        self._closing = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        db = self._connect(self._path)
        try:
            self._until_closed(db)
        finally:
            db.close()

    def _until_closed(self, db: sqlite3.Connection) -> None:
        while not self._closing:
            asked = self._wake.wait(IDLE_SECONDS)
            self._wake.clear()
            with self._state:
                if not asked and not self._commits:
                    continue
                self._busy, self._commits = True, 0
            try:
                db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                self.checkpoints += 1
            except Exception as exc:  # noqa: BLE001 - a full disk, a lock: next time, and
                # batches must never wait on a thread that died
                log.warning("WAL checkpoint of the gateway database failed: %s", exc)
            finally:
                with self._state:
                    self._busy = False
                    waiting, self._resume = self._resume, None
                if waiting is not None:
                    loop, resume = waiting
                    try:
                        loop.call_soon_threadsafe(resume)
                    except RuntimeError:  # that loop is closed: nothing waits there any more
                        pass
