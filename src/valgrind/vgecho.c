/* vgecho.c — the errors a destroy in use causes later in the same process. A semaphore,
 * barrier or condition variable destroyed while a thread waits on it is one bug
 * (destroy-in-use); the waiter then returns from a destroyed object, and the tools report
 * that use too (DRD: "Invalid semaphore", Helgrind: "pthread_barrier_wait: barrier is
 * uninitialised"). Such a later error on the same address in the same process is that
 * bug's echo: kept, and marked likely benign with the destroy it comes from. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "internal.h"

/* The first hexadecimal address of an error's first text ("semaphore 0x10c080"), or 0. */
static unsigned long long object_address(const struct vg_error *e)
{
	const char *t = e->nnotes && e->notes[0].text ? e->notes[0].text : "";
	for (const char *p = strstr(t, "0x"); p; p = strstr(p + 2, "0x"))
		if (isxdigit((unsigned char)p[2]))
			return strtoull(p + 2, NULL, 16);
	return 0;
}

void vg_echoes_reset(struct vg_echoes *ec)
{
	free(ec->destroyed);
	memset(ec, 0, sizeof *ec);
}

void vg_echoes_take(struct vg_echoes *ec, const struct vg_error *e, struct finding_list *l,
                    int from)
{
	unsigned long long addr = object_address(e);
	if (!addr)
		return;
	for (int i = from; i < l->n; i++) {
		struct finding *f = &l->items[i];
		if (str_eq(f->rule, "destroy-in-use")) {
			ec->destroyed = append_zeroed(ec->destroyed, &ec->n, sizeof *ec->destroyed);
			ec->destroyed[ec->n - 1].addr = addr;
			ec->destroyed[ec->n - 1].index = i;
			continue;
		}
		if (str_eq(f->rule, "data-race") || f->suppressed)
			continue;
		for (int k = 0; k < ec->n; k++) {
			const struct finding *d = &l->items[ec->destroyed[k].index];
			if (ec->destroyed[k].addr != addr || ec->destroyed[k].index >= from)
				continue;
			const struct location *at = d->nlocs ? &d->locs[0] : NULL;
			vg_mark_benign_reason(f, xasprintf("likely benign: a use of the object destroyed "
			                      "while a thread waited on it at %s:%d (destroy-in-use), "
			                      "reported again where the waiter went on",
			                      at && at->file ? at->file : "?", at ? at->line : 0));
			break;
		}
	}
}
