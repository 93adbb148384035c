#!/usr/bin/env python3
"""test_holdout4_precision.py — all engines combined on the fourth holdout set,
tests/fixtures/holdout4/ (twenty programs written blind and measured once, at 19:20 UTC
against main at 324d6ed: see its README and bench/precision/README.md), held to those
figures as test_holdout_precision.py holds the first set: a precision or recall below the
floors, or a wrong or missed entry not listed below, fails; an entry that stops happening
(its cause fixed) is printed, to be removed, and its floor raised.

Env: TSAFE, TSAFE_SOURCE_DIR.
"""
import sys

import test_holdout_precision

# (program, rule, line): each a finding that counts and is not a bug, with its cause.
KNOWN_WRONG = {
    ("spsc_ring.c", "data-race", 37):
        "helgrind/drd: head's release store against its acquire load: the alarm names the "
        "whole struct 'ring' (atomic indices and plain slots), so it is not judged as a "
        "variable accessed only through atomic operations",
    ("spsc_ring.c", "data-race", 45):
        "helgrind/drd/watch (two findings): ring slots ordered by a release store / acquire "
        "load of an index (no judgement of index-published slots; watch does not follow "
        "acquire/release)",
    ("spsc_ring.c", "data-race", 46):
        "helgrind/drd: tail's release store against its acquire load (atomic member of a "
        "struct, as line 37)",
}
# (program, rule, line): marked bugs combined may miss, with the cause.
KNOWN_MISSED = {
    ("fork_exec_helper.c", "fork-with-threads", 38):
        "the runtime reports a fork only when another thread holds a pthread lock at that "
        "moment (here they hold only malloc's); the static pass has no fork rule",
}
PRECISION_FLOOR = 0.75     # 9 of 11 after the lock status, latch and spinlock fixes (one run-
                           # dependent alarm of spsc_ring.c more gives 9 of 12)
RECALL_FLOOR = 0.90        # 9 of 10

if __name__ == "__main__":
    sys.exit(test_holdout_precision.main("holdout4", PRECISION_FLOOR, RECALL_FLOOR,
                                         KNOWN_WRONG, KNOWN_MISSED))
