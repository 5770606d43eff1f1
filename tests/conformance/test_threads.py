"""bm.jit from several threads: one compiled object shared by threads, and threads with their own.

A compiled object's call (read the state, run, write it back) is one step for other threads: no
update is lost and Variables written together stay consistent. Threads compiling their own
objects do not disturb each other.
"""
from __future__ import annotations

import threading

import brainpy_math as bm


class Pair(bm.Base):
    def __init__(self):
        super().__init__()
        self.a = bm.Variable(bm.zeros(1))
        self.b = bm.Variable(bm.zeros(1))

    def __call__(self, inc):
        self.a += inc
        self.b.value = self.a * 2.0


def _in_threads(work, n=4):
    errors = []

    def guarded(i):
        try:
            work(i)
        except Exception as err:  # collected and reported by the assertion below
            errors.append(repr(err))

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def test_one_jitted_object_called_from_four_threads(backend):
    p = Pair()
    step = bm.jit(p)
    step(1.0)

    def work(i):
        for _ in range(500):
            step(1.0)
    _in_threads(work)
    assert p.a.tolist() == [2001.0] and p.b.tolist() == [4002.0]


def test_threads_jitting_their_own_objects(backend):
    totals = {}

    def work(i):
        for k in range(3):
            p = Pair()
            step = bm.jit(p)
            for _ in range(100):
                step(float(i + 1))
            totals[(i, k)] = (p.a.tolist(), p.b.tolist())
    _in_threads(work)
    assert totals == {(i, k): ([100.0 * (i + 1)], [200.0 * (i + 1)]) for i in range(4) for k in range(3)}
