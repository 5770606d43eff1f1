"""Model classes shared by the numba jit tests (defined in a file: the generator reads source)."""
from __future__ import annotations

import numpy as np

import brainpy_math as bm
# The seed's class, as written; defined once, in the benchmark that times it.
from benchmarks.logistic_regression import LogisticRegression  # noqa: F401  (models.LogisticRegression)

TAU_GLOBAL = 4.0


def scaled(x, scale=2.0):
    """A plain helper function called from compiled methods."""
    return x * scale


class Synapse(bm.Base):
    def __init__(self, n, tau=5.0):
        super().__init__()
        self.tau = tau
        self.g = bm.Variable(bm.zeros(n))

    def update(self, spikes, dt=0.1):
        self.g -= self.g / self.tau * dt
        self.g += bm.where(spikes, 1.0, 0.0)
        return self.g.sum()


class Forms(bm.Base):
    """Every supported statement form, on arrays, scalars and nested objects."""

    def __init__(self, n):
        super().__init__()
        self.n = n
        self.gain = 1.5
        self.mode = "count"
        self.shape_info = (n, 2)
        self.V = bm.Variable(bm.zeros(n))
        self.M = bm.Variable(bm.zeros((n, 2)))
        self.count = bm.Variable(bm.zeros((), dtype=bm.int32))
        self.hist = bm.Variable(bm.zeros(3))
        self.syns = [Synapse(n), Synapse(n, tau=10.0)]
        self.by_name = {"fast": Synapse(n, tau=2.0)}

    def __call__(self, I, k=3, flag=True):
        """A docstring is skipped."""
        self.V.value = self.V + I * self.gain          # .value = expr
        spikes = self.V > 1.0
        self.V[spikes] = 0.0                            # fancy-index write
        self.M[:, 0] = self.V                           # slice write
        self.M[1:, 1] -= 0.5                            # augmented slice write
        total = 0.0
        for syn in self.syns:                           # unrolled loop over a list of objects
            total = total + syn.update(spikes, dt=0.2)  # nested method, keyword argument
        for name, syn in self.by_name.items():          # unrolled loop over a dict
            total += syn.update(spikes)
        i = 0
        while i < k:                                    # while with a runtime bound
            i += 1
        if self.mode == "count":                        # if on a constant: branch chosen now
            self.count += 1
        elif total > 100.0:
            self.count -= 1
        else:
            pass
        for j in range(self.n):                         # range loop with if/continue/break
            if j % 2 == 0:
                continue
            if j > 100:
                break
            self.V[j] += 0.01
        if flag:                                        # runtime if/else
            self.hist[0] = total
        else:
            self.hist[0] = -total
        a, b = self.pair(total)                         # tuple unpacking of a method's result
        self.hist[1], self.hist[2] = a, b               # tuple target with subscripts
        self.V = self.V * 1.0                           # self.V = expr writes into the Variable
        return scaled(self.V, scale=TAU_GLOBAL), a, self.count.value

    def pair(self, x):
        return x * 2, x + 1


def logistic_step_numpy(w, X, Y):
    u = np.dot(((1.0 / (1.0 + np.exp(-Y * np.dot(X, w))) - 1.0) * Y), X)
    return w - u


class Leaky(bm.Base):
    def __init__(self, n, tau=10.0):
        super().__init__()
        self.tau = tau
        self.V = bm.Variable(bm.zeros(n))

    def update(self, I):
        self.V += (-self.V + I) / self.tau
        return self.V.value


class HoldsObject(bm.Base):
    def __init__(self):
        super().__init__()
        self.V = bm.Variable(bm.zeros(2))
        self.table = {"a": "b"}
        self.scale = 2.0
        self.thing = object()

    def uses_object(self):
        self.V += self.thing

    def assigns_scalar(self):
        self.scale = 3.0

    def prints_self(self):
        print(self)

    def has_try(self):
        try:
            self.V += 1.0
        except ValueError:
            pass

    def bad_typing(self):
        self.V += self.V.no_such_method()

    def uses_dict(self):
        return self.table

    def calls_grad(self):
        return bm.grad(self.bad_typing)

    def lambda_inside(self):
        f = lambda x: x
        return f(self.V)


class Noisy(bm.Base):
    """Draws from the default stream and from a generator of its own inside compiled code."""

    def __init__(self, n):
        super().__init__()
        self.V = bm.Variable(bm.zeros(n))
        self.rng = bm.random.RandomState(3)

    def __call__(self):
        self.V += bm.random.normal(0.0, 1.0, self.V.shape) + self.rng.uniform(size=self.V.shape)
        return bm.random.uniform(low=0.5, size=2)
