"""A caller's RTP end for the IVR benchmark: replays an RFC 2833 pcap and times the reply.

SIPp does the signalling; its SDP points the box's RTP here. For each new call
(a new source address) the probe waits a little, replays the DTMF pcap from
/usr/share/sip-tester with fresh SSRC/sequence/timestamp, and measures from the
first end-of-event packet to the first loud RTP packet: the next prompt, which
the benchmark makes a tone while the menu prompts are silence.
"""

from __future__ import annotations

import random
import socket
import struct
import threading
import time
from pathlib import Path


def _alaw_table() -> list[int]:
    table = []
    for a in range(256):
        a ^= 0x55
        t = (a & 0x0F) << 4
        seg = (a & 0x70) >> 4
        t = t + 8 if seg == 0 else (t + 0x108) << (seg - 1)
        table.append(t if a & 0x80 else -t)
    return table


ALAW = _alaw_table()


def pcap_payloads(path: Path) -> list[tuple[float, bytes]]:
    """(offset seconds, RTP payload) of each packet of an Ethernet/IPv4/UDP pcap."""
    data = path.read_bytes()
    out, off, t0 = [], 24, None
    while off + 16 <= len(data):
        sec, usec, incl, _ = struct.unpack("<IIII", data[off:off + 16])
        packet = data[off + 16:off + 16 + incl]
        off += 16 + incl
        t = sec + usec / 1e6
        t0 = t if t0 is None else t0
        out.append((t - t0, packet[42 + 12:]))
    return out


class RtpProbe:
    def __init__(self, port: int, dtmf_pcap: Path, payload_type: int = 101,
                 delay_s: float = 0.4, loud: int = 6000):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", port))
        self.sock.settimeout(0.05)
        self.events = pcap_payloads(dtmf_pcap)
        self.pt = payload_type
        self.delay_s = delay_s
        self.loud = loud
        self.from_end: list[float] = []  # ms; negative: the prompt began before the event ended
        self.from_start: list[float] = []  # ms from the event's first packet
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()

    def _run(self) -> None:
        """Reader: timestamps every packet as it arrives; DTMF goes out on its own thread."""
        source, last_rx, call = None, 0.0, None
        while not self._stop.is_set():
            try:
                packet, addr = self.sock.recvfrom(2048)
            except socket.timeout:
                continue
            now = time.monotonic()
            if addr != source or now - last_rx > 0.5:  # a new call
                self._finish(call)
                source, call = addr, {}
                timer = threading.Timer(self.delay_s, self._send_dtmf, (addr, call))
                timer.daemon = True
                timer.start()
            last_rx = now
            if "start" in call and "loud" not in call and self._is_loud(packet[12:]):
                call["loud"] = now
        self._finish(call)

    def _finish(self, call: dict | None) -> None:
        if call and "loud" in call and "end" in call:
            self.from_start.append((call["loud"] - call["start"]) * 1000)
            self.from_end.append((call["loud"] - call["end"]) * 1000)

    def _is_loud(self, payload: bytes) -> bool:
        return max((abs(ALAW[b]) for b in payload), default=0) > self.loud

    def _send_dtmf(self, dest, call: dict) -> None:
        """Replay the pcap's event packets at their pcap timing; note the send times of
        the first packet and of the first end-of-event packet."""
        ssrc, seq, ts = random.getrandbits(32), random.getrandbits(16), random.getrandbits(32)
        start = time.monotonic()
        call["start"] = start
        for i, (offset, payload) in enumerate(self.events):
            while time.monotonic() - start < offset:
                time.sleep(0.001)
            marker = 0x80 if i == 0 else 0
            header = struct.pack("!BBHII", 0x80, marker | self.pt, (seq + i) & 0xFFFF, ts, ssrc)
            self.sock.sendto(header + payload, dest)
            if "end" not in call and len(payload) >= 2 and payload[1] & 0x80:
                call["end"] = time.monotonic()
