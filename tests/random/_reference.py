"""A NumPy reference of the bm.random stream, written from its specification (brainpy_math.random).

Slow and simple on purpose: it checks that both backends implement the documented stream, not just
that they agree with each other.
"""
from __future__ import annotations

import numpy as np

ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
PARITY = 0x1BD11BDA
MASK = 0xFFFFFFFF

# Random123 known-answer vectors for threefry2x32_20: (key, counter, output).
KNOWN_ANSWERS = [
    ((0x00000000, 0x00000000), (0x00000000, 0x00000000), (0x6B200159, 0x99BA4EFE)),
    ((0xFFFFFFFF, 0xFFFFFFFF), (0xFFFFFFFF, 0xFFFFFFFF), (0x1CB996FC, 0xBB002BE7)),
    ((0x13198A2E, 0x03707344), (0x243F6A88, 0x85A308D3), (0xC4923A9C, 0x483DF7A0)),
]


def threefry2x32(k0, k1, x0, x1):
    """Threefry-2x32-20 on uint32 arrays (wrapping arithmetic in uint64, masked)."""
    k0, k1 = np.uint64(k0), np.uint64(k1)
    x0, x1 = np.asarray(x0, np.uint64), np.asarray(x1, np.uint64)
    mask = np.uint64(MASK)
    ks = (k0, k1, k0 ^ k1 ^ np.uint64(PARITY))
    x0, x1 = (x0 + ks[0]) & mask, (x1 + ks[1]) & mask
    for group in range(5):
        for r in ROTATIONS[group % 2]:
            x0 = (x0 + x1) & mask
            x1 = ((x1 << np.uint64(r)) | (x1 >> np.uint64(32 - r))) & mask
            x1 = x1 ^ x0
        x0 = (x0 + ks[(group + 1) % 3]) & mask
        x1 = (x1 + ks[(group + 2) % 3] + np.uint64(group + 1)) & mask
    return x0.astype(np.uint32), x1.astype(np.uint32)


def seed_key(seed: int) -> tuple[int, int]:
    return seed >> 32, seed & MASK


def words(key, position: int, n: int) -> np.ndarray:
    """Words [position, position + n) of the main stream: word p is word p % 2 of block p // 2."""
    p = position + np.arange(n, dtype=np.uint64)
    block = p >> np.uint64(1)
    y0, y1 = threefry2x32(key[0], key[1], (block >> np.uint64(32)).astype(np.uint32),
                          (block & np.uint64(MASK)).astype(np.uint32))
    return np.where((p & np.uint64(1)) == 0, y0, y1).astype(np.uint32)


def attempt_word(key, position: int, stream: int, which: int) -> int:
    """Word ``which`` (0..3) of attempt stream ``stream`` at block ``position``."""
    sub = 2 * stream + (which // 2)
    ka = threefry2x32(key[0], key[1], np.uint32(MASK), np.uint32(sub))
    out = threefry2x32(int(ka[0]), int(ka[1]), np.uint32(position >> 32), np.uint32(position & MASK))
    return int(out[which % 2])


def uniform32(w: np.ndarray) -> np.ndarray:
    return (w >> np.uint32(9)).astype(np.float32) * np.float32(2.0 ** -23)


def uniform64(w: np.ndarray) -> np.ndarray:
    bits = ((w[0::2].astype(np.uint64) << np.uint64(32)) | w[1::2].astype(np.uint64)) >> np.uint64(12)
    return bits.astype(np.float64) * 2.0 ** -52


def normal32(key, position: int, n: int) -> np.ndarray:
    """Box-Muller on the blocks: r cos t at even positions, r sin t at odd ones (float32 math)."""
    out = np.empty(n, np.float32)
    for i in range(n):
        p = position + i
        pair = words(key, p - (p % 2), 2)
        u1, u2 = uniform32(pair)
        radius = np.sqrt(np.float32(-2.0) * np.log(np.float32(1.0) - u1))
        angle = np.float32(2 * np.pi) * u2
        out[i] = radius * (np.cos(angle) if p % 2 == 0 else np.sin(angle))
    return out


def bounded(key, position: int, spans) -> np.ndarray:
    """Unbiased offsets in [0, span): w % span accepted when w >= 2**32 % span, else attempt streams."""
    spans = np.asarray(spans, dtype=np.uint64)
    main = words(key, position, spans.size)
    out = np.empty(spans.size, np.int64)
    for i, span in enumerate(spans.tolist()):
        threshold = (2 ** 32) % span
        w, j = int(main[i]), 1
        while w < threshold:
            w = attempt_word(key, position + i, 2 * j, 0)
            j += 1
        out[i] = w % span
    return out


def permutation(key, position: int, n: int, steps: int | None = None) -> np.ndarray:
    """Forward Fisher-Yates: step i swaps i with i + offset, offset unbiased in [0, n - i)."""
    steps = n if steps is None else steps
    offsets = bounded(key, position, [n - i for i in range(steps)])
    order = np.arange(n)
    for i in range(steps):
        j = i + offsets[i]
        order[i], order[j] = order[j], order[i]
    return order[:steps]


def ulp_distance(a, b) -> np.ndarray:
    """Distance in units in the last place between float arrays of the same dtype."""
    a, b = np.asarray(a), np.asarray(b)
    int_type = np.int32 if a.dtype == np.float32 else np.int64
    ia, ib = a.view(int_type).astype(np.int64), b.view(int_type).astype(np.int64)
    low = np.iinfo(int_type).min
    ia = np.where(ia < 0, low - ia, ia)
    ib = np.where(ib < 0, low - ib, ib)
    return np.abs(ia - ib)
