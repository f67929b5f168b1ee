"""A TCP proxy between the bot and PostgreSQL that can be switched to a blackhole: a network partition as a
database client sees one where the path still accepts packets (a firewall holding connections, a dead NAT).

While blackholed it accepts new connections and holds them, and forwards nothing on any connection, so a client
waiting for an answer waits until its own timeouts give up. Healing closes every held connection, as the peers'
resets would after a real partition, and forwards again.

It runs on an event loop of its own, in its own thread: the app connects to the database synchronously (migrations
at start-up), and a proxy on the test's loop would be blocked by the very connection it should forward."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable


class PartitionProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="partition-proxy", daemon=True)
        self._server: asyncio.Server | None = None
        self._forwarding = asyncio.Event()
        self._held: set[asyncio.StreamWriter] = set()
        self.port = 0

    def start(self) -> None:
        self._thread.start()
        self._on_loop(self._listen)

    async def _listen(self) -> None:
        self._forwarding.set()
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def blackhole(self) -> None:
        async def stop_forwarding() -> None:
            self._forwarding.clear()

        self._on_loop(stop_forwarding)

    def heal(self) -> None:
        self._on_loop(self._heal)

    async def _heal(self) -> None:
        for writer in list(self._held):
            writer.transport.abort()
        self._held.clear()
        self._forwarding.set()

    def close(self) -> None:
        async def stop() -> None:
            await self._heal()
            if self._server is not None:
                self._server.close()

        self._on_loop(stop)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def _on_loop(self, action: Callable[[], object]) -> None:
        coroutine = action()
        assert asyncio.iscoroutine(coroutine)
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self._held.add(client_writer)
        if not self._forwarding.is_set():
            # Accepted, and held: nothing is read or answered until the partition heals (which closes it).
            await self._forwarding.wait()
            return
        try:
            server_reader, server_writer = await asyncio.open_connection(*self._target)
        except OSError:
            client_writer.transport.abort()
            return
        self._held.add(server_writer)
        await asyncio.gather(
            self._pipe(client_reader, server_writer, client_writer),
            self._pipe(server_reader, client_writer, server_writer),
        )

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, other: asyncio.StreamWriter
    ) -> None:
        with contextlib.suppress(OSError, ConnectionError):
            while data := await reader.read(65536):
                if not self._forwarding.is_set():
                    # Swallowed, as a blackhole does; the connection stays open until the partition heals.
                    continue
                writer.write(data)
                await writer.drain()
        writer.transport.abort()
        other.transport.abort()
        self._held.discard(writer)
        self._held.discard(other)
