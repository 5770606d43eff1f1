"""jit and pmap on several devices: 4 CPU devices, in a subprocess (the flag must precede jax's start)."""
import os
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("jax")

SCRIPT = textwrap.dedent("""
    import numpy as np
    import jax
    from jax.sharding import Mesh, NamedSharding, PartitionSpec as P
    import brainpy_math as bm

    bm.set_backend('jax')
    assert jax.device_count() == 4, jax.devices()

    class Network(bm.Base):
        def __init__(self, n):
            super().__init__()
            self.v = bm.Variable(bm.zeros(n))
            self.w = bm.Variable(bm.asarray(np.linspace(0.5, 1.5, n).astype(np.float32)))

        def __call__(self, current):
            self.v.value = self.v * 0.9 + self.w * current
            return self.v.sum()

    def run(shard):
        net = Network(64)
        if shard:
            mesh = Mesh(np.array(jax.devices()), ("neurons",))
            sharding = NamedSharding(mesh, P("neurons"))
            net.v.value = jax.device_put(net.v.value, sharding)
            net.w.value = jax.device_put(net.w.value, sharding)
        step = bm.jit(net)
        totals = [float(step(bm.asarray(float(t)))) for t in range(5)]
        return net, totals

    single, single_totals = run(False)
    sharded, sharded_totals = run(True)
    assert len(sharded.v.value.sharding.device_set) == 4, sharded.v.value.sharding
    assert len(single.v.value.sharding.device_set) == 1
    np.testing.assert_allclose(sharded.v.numpy(), single.v.numpy(), rtol=1e-6)
    np.testing.assert_allclose(sharded_totals, single_totals, rtol=1e-6)

    # pmap over the 4 devices: a function, and an object whose state has one row per device.
    out = bm.pmap(lambda x: x * 2 + jax.lax.axis_index("d"), axis_name="d")(bm.ones((4, 3)))
    np.testing.assert_allclose(out.numpy(), 2 + np.arange(4)[:, None] * np.ones((4, 3)))

    class Replica(bm.Base):
        def __init__(self):
            super().__init__()
            self.state = bm.Variable(bm.zeros((4, 2)))      # one row per device
            self.seen = bm.Variable(bm.zeros(()))           # the same on every device

        def __call__(self, x):
            self.state.value = self.state + x
            self.seen.value = self.seen + jax.lax.psum(1.0, "d")
            return jax.lax.psum(x.sum(), "d")

    rep = Replica()
    step = bm.pmap(rep, axis_name="d", batched_vars=[rep.state])
    xs = bm.asarray(np.arange(8, dtype=np.float32).reshape(4, 2))
    totals = step(xs)
    step(xs)
    np.testing.assert_allclose(rep.state.numpy(), 2 * xs.numpy())
    assert float(rep.seen) == 8.0 and totals.tolist() == [28.0] * 4
    vmapped = bm.vmap(lambda x: x * 2)(xs)
    np.testing.assert_allclose(bm.pmap(lambda x: x * 2)(xs).numpy(), vmapped.numpy())
    print("MULTI-DEVICE OK")
""")


def test_jit_with_sharded_variables_and_pmap_on_four_devices():
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=4", JAX_PLATFORMS="cpu")
    result = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "MULTI-DEVICE OK" in result.stdout
