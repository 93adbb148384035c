/* atomic_order.h — what an atomic operation's source line says of its memory order, for the
 * judgements of accesses handed over by a release store and an acquire load (analyze/
 * channels.c, store/facts_handover.c, valgrind/vgpublish.c). The facts record that an
 * access is atomic, not its order: the line's text is read. */
#ifndef TSAFE_ATOMIC_ORDER_H
#define TSAFE_ATOMIC_ORDER_H

/* Does the line (file absolute, or relative to root when root is not NULL) name a relaxed
 * or consume order? Unreadable lines count as relaxed: they prove nothing. */
int atomic_line_relaxed(const char *root, const char *file, int line);

/* The atomic access with event flags `evflags` (EVF_READ / EVF_WRITE) at file:line is a
 * store or read-modify-write whose order releases (not relaxed): a plain store to an
 * _Atomic object is sequentially consistent. A line naming both a load and a store is
 * not told apart: 0. */
int atomic_line_releases(const char *root, const char *file, int line, unsigned evflags);
/* ... a load or read-modify-write whose order acquires (not relaxed, not consume). */
int atomic_line_acquires(const char *root, const char *file, int line, unsigned evflags);
/* Does the line name a compare-and-swap (atomic_compare_exchange_*, __atomic_compare_*,
 * __sync_*_compare_and_swap)? */
int atomic_line_compares(const char *root, const char *file, int line);
/* ... an exchange that is no compare-and-swap (atomic_exchange*, __atomic_exchange*,
 * __sync_lock_test_and_set) and acquires: the caller takes what it swapped out. */
int atomic_line_takes(const char *root, const char *file, int line);

#endif
