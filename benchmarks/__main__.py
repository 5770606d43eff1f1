"""``python -m benchmarks [--quick]``: every benchmark, see :mod:`benchmarks.run`."""
import sys

from benchmarks.run import main

sys.exit(main())
