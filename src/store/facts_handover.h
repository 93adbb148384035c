/* facts_handover.h — two accesses a dynamic engine saw race, judged with the stored static
 * facts: are they handed over by a release/acquire channel the engine does not model? */
#ifndef TSAFE_STORE_FACTS_HANDOVER_H
#define TSAFE_STORE_FACTS_HANDOVER_H

#include "common/finding.h"
#include "facts_at.h"

/* A reason (new string, "likely benign: …") when the accesses of sides a and b (their
 * stacks) are ordered by a release/acquire handover, else NULL. */
char *facts_handover(struct facts_at *fc, const struct location *a, const struct location *b);

/* The same for a heap block's lone read (the engine kept no stack of its fill): the
 * function that allocated it (alloc's stack) releases a channel after the allocation and
 * writes the block no more, and the read acquires that channel first. */
char *facts_handover_block(struct facts_at *fc, const struct location *alloc,
                           const struct location *reader);

#endif
