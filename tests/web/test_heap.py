"""The serving processes keep the cyclic collector out of requests (webapp/heap.py)."""

import gc
import subprocess
import sys


def test_settle_freezes_start_up_and_raises_the_young_threshold():
    # In a child process: freezing is for the life of a process, not for the test runner's.
    code = ("import gc; from webapp import create_app; from webapp.heap import GEN0_THRESHOLD, settle; "
            "create_app(); before = gc.get_freeze_count(); settle(); "
            "print(before, gc.get_freeze_count(), gc.get_threshold()[0] == GEN0_THRESHOLD)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"MAKERSPACE_DATABASE_URL": "sqlite://", "PATH": ""}).stdout.split()
    before, after, raised = int(out[0]), int(out[1]), out[2]
    assert before == 0 and after > 10_000 and raised == "True"
    assert gc.get_freeze_count() == 0  # the test runner itself untouched

