#!/usr/bin/python3
"""PyTorch float forward of the Spatial CNN (seed sizes), for `make bench`: inferences per
second at batch 1 on one thread (as the C forward runs), and at batch 24 (one window)."""
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "ref"))
from spatial_ref import make_model  # noqa: E402


def rate(model, batch, seconds=2.0):
    x = torch.rand(batch, 3, 36, 36)
    n, t0, c0 = 0, time.perf_counter(), time.thread_time()
    with torch.no_grad():
        while time.perf_counter() - t0 < seconds:
            for _ in range(20):
                model(x)
            n += 20 * batch
    return n / (time.perf_counter() - t0), n / (time.thread_time() - c0)


def main():
    torch.set_num_threads(1)
    m = make_model(0)
    for batch in (1, 24):
        wall, cpu = rate(m, batch)
        print("spatial CNN float forward (PyTorch %s, 1 thread, batch %d): %.0f inferences/s "
              "wall, %.0f per CPU second" % (torch.__version__, batch, wall, cpu))


if __name__ == "__main__":
    main()
