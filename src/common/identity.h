/* identity.h — one bug, one finding, across engines. The engines see one bug in different
 * places: a lock a thread leaks is reported by the static pass at the `return`, by the
 * runtime at the acquisition and by Helgrind where the thread was created; an unlock by a
 * thread that does not own the lock is unlock-not-held statically and unlock-not-owner at
 * run time. Line-based fingerprints cannot join them, so findings of these rule families
 * are matched by what identifies the bug:
 *
 *   lock-leak                          the thread entry (or the function) and the lock class
 *   unlock-not-held, unlock-not-owner  the unlock call (the more precise rule wins: owner)
 *   double-lock, destroy-locked, cond-wait-unheld, destroy-in-use, thread-leak,
 *   fork-with-threads (the static pass names the child's unsafe call, the runtime the
 *   lock another thread holds)   the call
 *   lock-order-inversion, deadlock     the set of lock classes (a deadlock is more precise)
 *
 * A part an engine does not know (Helgrind names no lock) is left out of the comparison;
 * at least one part must agree. */
#ifndef TSAFE_IDENTITY_H
#define TSAFE_IDENTITY_H

#include "finding.h"

/* Gives each finding of l that is a bug of `known` (another engine's stored findings), or of
 * an earlier finding of l, that finding's fingerprint, then keeps one finding per
 * fingerprint. A known finding the static pass saw is preferred. When the two rules differ,
 * the more precise one is kept (the store upgrades a stored finding the same way). Returns
 * how many findings of l took another's identity. */
int identity_merge(struct finding_list *l, const struct finding_list *known);

/* How precise a rule is within its family (unlock-not-owner over unlock-not-held, deadlock
 * over lock-order-inversion): higher is more precise; 0 for every other rule. */
int rule_precision(const char *rule);

/* The rule family that identity merging joins ("unlock", "order", or the rule itself), or
 * NULL for rules matched by fingerprint only. */
const char *rule_family(const char *rule);

#endif
