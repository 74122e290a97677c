"""The GSM 03.38 / 3GPP TS 23.038 default alphabet and septet packing.

Shared by the SMS PDU codec and USSD (Huawei sends USSD as packed septets in hex).
"""

from __future__ import annotations

# Default alphabet, index = septet value (3GPP TS 23.038 section 6.2.1).
DEFAULT = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
ESCAPE = 0x1B
# Extension table reached through ESC (section 6.2.1.1).
EXTENSION = {0x0A: "\f", 0x14: "^", 0x28: "{", 0x29: "}", 0x2F: "\\", 0x3C: "[",
             0x3D: "~", 0x3E: "]", 0x40: "|", 0x65: "€"}

assert len(DEFAULT) == 128

_TO_SEPTET = {ch: i for i, ch in enumerate(DEFAULT) if i != ESCAPE}
_TO_EXT = {ch: code for code, ch in EXTENSION.items()}


def encodable(text: str) -> bool:
    return all(ch in _TO_SEPTET or ch in _TO_EXT for ch in text)


def to_septets(text: str) -> list[int]:
    """Characters to septet values; raises ValueError for a character outside GSM-7."""
    out: list[int] = []
    for ch in text:
        if ch in _TO_SEPTET:
            out.append(_TO_SEPTET[ch])
        elif ch in _TO_EXT:
            out.extend((ESCAPE, _TO_EXT[ch]))
        else:
            raise ValueError(f"not in the GSM 7-bit alphabet: {ch!r}")
    return out


def septet_len(text: str) -> int:
    return sum(2 if ch in _TO_EXT else 1 for ch in text)


def from_septets(septets: list[int]) -> str:
    out: list[str] = []
    escaped = False
    for s in septets:
        if escaped:
            # An unknown extension code shows as its default-table character (23.038).
            out.append(EXTENSION.get(s, DEFAULT[s]))
            escaped = False
        elif s == ESCAPE:
            escaped = True
        else:
            out.append(DEFAULT[s])
    return "".join(out)


def pack(septets: list[int], fill_bits: int = 0) -> bytes:
    """Pack septets LSB first; ``fill_bits`` zero bits come first (after a UDH)."""
    acc, nbits, out = 0, fill_bits, bytearray()
    for s in septets:
        acc |= (s & 0x7F) << nbits
        nbits += 7
        while nbits >= 8:
            out.append(acc & 0xFF)
            acc >>= 8
            nbits -= 8
    if nbits:
        out.append(acc & 0xFF)
    return bytes(out)


def unpack(data: bytes, count: int | None = None, fill_bits: int = 0) -> list[int]:
    """Unpack ``count`` septets (all whole septets when None) after ``fill_bits``."""
    total_bits = len(data) * 8 - fill_bits
    if count is None:
        count = total_bits // 7
    value = int.from_bytes(data, "little") >> fill_bits
    return [(value >> (7 * i)) & 0x7F for i in range(min(count, total_bits // 7))]


def decode_packed(data: bytes, count: int | None = None, fill_bits: int = 0) -> str:
    septets = unpack(data, count, fill_bits)
    if count is None and len(data) % 7 == 0 and septets and septets[-1] in (0x0D, 0x00):
        # 7 octets hold 8 septets: a trailing CR there is padding (23.038 6.1.2.3.1);
        # some modems leave the 7 spare bits zero, which would read as '@'.
        septets = septets[:-1]
    return from_septets(septets)


def encode_packed(text: str) -> bytes:
    septets = to_septets(text)
    if len(septets) % 8 == 7:
        # The last octet would leave 7 zero bits that read as '@': pad with CR instead.
        septets.append(0x0D)
    return pack(septets)
