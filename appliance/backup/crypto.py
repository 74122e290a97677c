"""Passphrase encryption of a backup stream: scrypt key, AES-256-GCM in 1 MiB chunks.

Each chunk's nonce is an 8-byte random prefix and the chunk counter; the counter and a
"last chunk" flag are authenticated with it, so chunks cannot be reordered, dropped or
cut off at the end without the reader noticing (the STREAM construction). A wrong
passphrase fails the very first chunk.

Layout: MAGIC, salt (16), nonce prefix (8), then per chunk: length (4, big-endian) and
the ciphertext with its 16-byte tag.
"""

from __future__ import annotations

import hashlib
import os
import struct
from typing import BinaryIO, Iterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"CALLBOX-BACKUP-AES1\n"
CHUNK = 1 << 20
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 15, 8, 1


class DecryptError(ValueError):
    pass


def _key(passphrase: str, salt: bytes) -> bytes:
    return hashlib.scrypt(passphrase.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R,
                          p=SCRYPT_P, maxmem=256 * SCRYPT_N * SCRYPT_R, dklen=32)


def _aad(counter: int, last: bool) -> bytes:
    return struct.pack(">IB", counter, 1 if last else 0)


def encrypt_file(src: BinaryIO, dst: BinaryIO, passphrase: str) -> None:
    salt, prefix = os.urandom(16), os.urandom(8)
    aes = AESGCM(_key(passphrase, salt))
    dst.write(MAGIC + salt + prefix)
    counter, chunk = 0, src.read(CHUNK)
    while True:
        following = src.read(CHUNK)
        last = not following
        sealed = aes.encrypt(prefix + struct.pack(">I", counter), chunk, _aad(counter, last))
        dst.write(struct.pack(">I", len(sealed)) + sealed)
        if last:
            return
        counter, chunk = counter + 1, following


def is_encrypted(head: bytes) -> bool:
    return head.startswith(MAGIC)


def decrypt_chunks(src: BinaryIO, passphrase: str) -> Iterator[bytes]:
    """The plaintext, chunk by chunk; DecryptError on a wrong passphrase, damage or a cut."""
    header = src.read(len(MAGIC) + 24)
    if len(header) < len(MAGIC) + 24 or not header.startswith(MAGIC):
        raise DecryptError("not an encrypted callbox backup")
    salt, prefix = header[len(MAGIC):len(MAGIC) + 16], header[len(MAGIC) + 16:]
    aes = AESGCM(_key(passphrase, salt))
    counter = 0
    while True:
        size = src.read(4)
        if len(size) < 4:
            raise DecryptError("the archive is truncated (its end is missing)")
        (length,) = struct.unpack(">I", size)
        if length > CHUNK + 16:
            raise DecryptError("the archive is damaged")
        sealed = src.read(length)
        if len(sealed) < length:
            raise DecryptError("the archive is truncated (its end is missing)")
        nonce = prefix + struct.pack(">I", counter)
        for last in (False, True):
            try:
                plain = aes.decrypt(nonce, sealed, _aad(counter, last))
                break
            except InvalidTag:
                continue
        else:
            raise DecryptError("wrong passphrase, or the archive is damaged" if counter == 0
                               else "the archive is damaged")
        yield plain
        if last:
            if src.read(1):
                raise DecryptError("the archive has data after its end")
            return
        counter += 1
