#!/usr/bin/env python3
"""A reference odin-ws client, written from docs/protocol.md alone: the standard library plus `websockets`.

It shows the protocol can be implemented from the page in another language; it is not a second SDK.
It subscribes (plain, deflate deltas, compressed frames), turns every frame into the plain text a
plain subscriber reads, checks each channel's continuity from `prev`, resumes a channel from its last
position after a gap or a reconnect (`since`), and prints one JSON line per event:

  {"event": "envelope", "channel": ..., "pos": {...}, "text": <the plain envelope>}
  {"event": "gap" | "delta_failed" | "reconnect" | "ack", ...}

  python odin_client.py --url ws://127.0.0.1:3001/ws --delta SOL.book --compress BTC.trade --plain ETH.ticker
  python odin_client.py --vectors ../../docs/wire-vectors.json     # check the decoder against the vectors
"""

import argparse
import asyncio
import base64
import json
import sys
import zlib

import websockets

KIND_FULL, KIND_DELTA = 1, 2
# The fixed envelope dictionary of kind 1 frames, as docs/protocol.md prints it (Adler-32 2011917695).
DICTIONARY = (
    '"side":"buy""side":"sell","tradeId":,"price":,"qty":"last":,"bid":,"ask":,"high24h":,"low24h":,"volume24h":,"change24h":'
    '{"type":"TRADE_EXECUTED","timestamp":{"type":"TICKER","timestamp":{"type":"ORDERBOOK_UPDATE","timestamp":'
    ',"data":{"symbol":"","seq":,"bids":[[,"asks":[[{"type":"price:update","channel":"","pos":{"partition":0,"offset":1},"ts":1,"data":'
).encode("ascii")
SNAPSHOT_MARK = '"snapshot":true,'


class UnknownKind(ValueError):
    """A binary frame of a kind this client does not know: ignored."""


def decode_frame(frame: bytes, base: bytes | None) -> tuple[str, str]:
    """A binary frame's channel and envelope text; raises ValueError when it must be refused."""
    if len(frame) < 2 or frame[0] not in (KIND_FULL, KIND_DELTA):
        raise UnknownKind(f"kind {frame[0] if frame else None}")
    length = frame[1]
    channel = frame[2 : 2 + length].decode("ascii")
    dictionary = DICTIONARY if frame[0] == KIND_FULL else base
    if dictionary is None:
        raise ValueError("a delta with no base held")
    inflater = zlib.decompressobj(zdict=dictionary)
    try:
        # zlib checks the dictionary id in the header and the Adler-32 of the text in the trailer.
        text = inflater.decompress(frame[2 + length :]) + inflater.flush()
    except zlib.error as error:
        raise ValueError(str(error)) from error
    # A cut stream inflates without an error here: it must also have ended, with nothing after it.
    if not inflater.eof or inflater.unused_data:
        raise ValueError("the zlib stream did not end")
    return channel, text.decode("utf-8")


class Channel:
    def __init__(self, name: str, form: str):
        self.name, self.form = name, form
        self.position: dict | None = None
        self.base: bytes | None = None
        self.resuming = False


class Client:
    def __init__(self, url: str, channels: list[Channel], until: int):
        self.url, self.channels, self.until = url, {c.name: c for c in channels}, until
        self.shown = 0
        self.socket = None

    def emit(self, **event) -> None:
        print(json.dumps(event), flush=True)

    async def subscribe(self, channels: list[Channel]) -> None:
        for form in ("plain", "delta", "compress"):
            group = [c for c in channels if c.form == form]
            if not group:
                continue
            data = {"channels": [c.name for c in group], "snapshot": True}
            since = {c.name: c.position for c in group if c.position is not None}
            if since:
                data["since"] = since
            if form == "delta":
                data["delta"] = "deflate"
            if form == "compress":
                data["compress"] = "deflate"
            await self.socket.send(json.dumps({"type": "subscribe", "data": data}))

    async def restart(self, channel: Channel, event: str) -> None:
        """Resume a channel from its position (a gap) or start it full (a delta that failed)."""
        self.emit(event=event, channel=channel.name, resumedFrom=channel.position)
        channel.resuming = True
        if event == "delta_failed":
            channel.form, channel.position, channel.base = "plain", None, None
        await self.socket.send(json.dumps({"type": "unsubscribe", "data": {"channels": [channel.name]}}))
        await self.subscribe([channel])

    async def on_envelope(self, text: str) -> None:
        envelope = json.loads(text)
        channel = self.channels.get(envelope.get("channel"))
        if channel is None or channel.resuming:
            return  # not held, or replayed after the resume's ack
        pos, last = envelope["pos"], channel.position
        same_partition = last is not None and last["partition"] == pos["partition"]
        if same_partition and pos["offset"] <= last["offset"]:
            return  # a duplicate after a resume
        prev = envelope.get("prev")
        if not envelope.get("snapshot") and same_partition and isinstance(prev, int) and prev != last["offset"]:
            await self.restart(channel, "gap")
            return
        plain = text.replace(SNAPSHOT_MARK, "", 1) if envelope.get("snapshot") else text
        channel.position = pos
        if channel.form == "delta":
            channel.base = plain.encode("utf-8")  # the exact bytes received: the next delta's dictionary
        self.shown += 1
        self.emit(event="envelope", channel=channel.name, pos=pos, snapshot=bool(envelope.get("snapshot")), text=plain)

    async def on_binary(self, frame: bytes) -> None:
        channel = self.channels.get(frame[2 : 2 + frame[1]].decode("ascii", "replace")) if len(frame) > 2 else None
        if channel is None or channel.resuming:
            return
        try:
            _, text = decode_frame(frame, channel.base)
        except UnknownKind:
            return
        except ValueError:
            await self.restart(channel, "delta_failed")
            return
        await self.on_envelope(text)

    async def run(self) -> None:
        while self.shown < self.until:
            try:
                async with websockets.connect(self.url, compression=None, max_size=16 * 1024 * 1024) as socket:
                    self.socket = socket
                    await self.subscribe(list(self.channels.values()))
                    async for message in socket:
                        if isinstance(message, bytes):
                            await self.on_binary(message)
                            continue
                        parsed = json.loads(message)
                        if parsed.get("type") == "subscription_ack":
                            for name in parsed.get("subscribed", []):
                                if name in self.channels:
                                    self.channels[name].resuming = False
                            self.emit(event="ack", recovery=parsed.get("recovery"), snapshots=parsed.get("snapshots"))
                        elif parsed.get("type") == "price:update":
                            await self.on_envelope(message)
                        if self.shown >= self.until:
                            return
            except (OSError, websockets.ConnectionClosed, websockets.InvalidHandshake) as error:
                self.emit(event="reconnect", cause=type(error).__name__)
                for channel in self.channels.values():
                    channel.resuming = False
                await asyncio.sleep(0.2)


def check_vectors(path: str) -> int:
    """Decode every vector this client takes (all but Fossil) and refuse every invalid frame; 0 when all hold."""
    vectors = json.load(open(path, encoding="utf-8"))
    failures, checked = [], 0
    if zlib.adler32(DICTIONARY) != vectors["dictionary"]["adler32"]:
        failures.append("the dictionary's Adler-32")
    for case in vectors["cases"]:
        if "fossil" in case["name"]:
            continue  # this client asks for deflate deltas only
        base = None
        for frame, expected in zip(case["frames"], case["envelopes"]):
            if isinstance(frame, str):
                text = frame.replace(SNAPSHOT_MARK, "", 1)
            else:
                _, text = decode_frame(base64.b64decode(frame["base64"]), base)
            base = text.encode("utf-8")
            checked += 1
            if text != expected:
                failures.append(f"{case['name']}: {text[:80]}")
    for bad in vectors["invalid"]:
        try:
            decode_frame(base64.b64decode(bad["frame"]), bad["base"].encode("utf-8"))
            failures.append(f"accepted: {bad['name']}")
        except ValueError:
            checked += 1
    print(json.dumps({"checked": checked, "failures": failures}))
    return 1 if failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url")
    parser.add_argument("--plain", action="append", default=[])
    parser.add_argument("--delta", action="append", default=[])
    parser.add_argument("--compress", action="append", default=[])
    parser.add_argument("--until", type=int, default=sys.maxsize, help="stop after this many envelopes")
    parser.add_argument("--vectors", help="check the decoder against docs/wire-vectors.json and exit")
    args = parser.parse_args()
    if args.vectors:
        return check_vectors(args.vectors)
    channels = [Channel(n, "plain") for n in args.plain] + [Channel(n, "delta") for n in args.delta] + [Channel(n, "compress") for n in args.compress]
    asyncio.run(Client(args.url, channels, args.until).run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
