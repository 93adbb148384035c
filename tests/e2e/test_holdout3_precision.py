#!/usr/bin/env python3
"""test_holdout3_precision.py — all engines combined on the third holdout set,
tests/fixtures/holdout3/ (nineteen programs written blind, measured before any fix: see its
README), held to the figures of bench/precision/README.md as test_holdout_precision.py
holds the first set: a precision or recall below the floors, or a wrong or missed entry not
listed below, fails.

Env: TSAFE, TSAFE_SOURCE_DIR.
"""
import sys

import test_holdout_precision

# (program, rule, line): each a finding that counts and is not a bug, with its cause.
KNOWN_WRONG = {
    ("lazy_shard_index.c", "data-race", 43): "double-checked locking: the index published by a "
                                             "release store of a separate flag, read after an "
                                             "acquire load of it (not modelled)",
    ("lazy_shard_index.c", "data-race", 28): "the same publication, seen on the index block "
                                             "(Helgrind, DRD)",
    ("sem_ring.c", "data-race", 27): "slots handed over by sem_post/sem_wait: the static pass "
                                     "does not order them",
    ("race_counter_reset.c", "data-race", 22): "DRD's report at the loop's line, in a run where "
                                               "it has none at the add's line to join",
}
# (program, rule, line): marked bugs combined may miss, with the cause.
KNOWN_MISSED = {
}
PRECISION_FLOOR = 0.69     # 9 of 12 measured after the spinlock fix; 9 of 13 allows one more
                           # run-dependent alarm
RECALL_FLOOR = 1.00        # 9 of 9

if __name__ == "__main__":
    sys.exit(test_holdout_precision.main("holdout3", PRECISION_FLOOR, RECALL_FLOOR,
                                         KNOWN_WRONG, KNOWN_MISSED))
