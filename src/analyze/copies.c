/* copies.c — one copy of each function defined in a header.
 *
 * A static inline function in a header is compiled into every translation unit that
 * includes it: on Open vSwitch, 83% of all function definitions are such copies. The
 * analysis needs one (program.c resolves a call to any copy of the same file), so the
 * others are freed as soon as their unit's facts arrive, before the next unit is parsed.
 * The copy kept is the one from the unit with the lowest index, whatever order the
 * workers finish in, so that the analysis, and its findings, do not depend on -j. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct header_copies {
	struct keymap kept;              /* (usr, file) -> slot in `where` */
	struct keybuf kb;
	struct copy_ref { int tu, fn; } *where;
	int n, cap;
	struct tu_facts *tus;
};

struct header_copies *header_copies_new(struct tu_facts *tus)
{
	struct header_copies *h = xcalloc(1, sizeof *h);
	h->tus = tus;
	return h;
}

/* A dropped function keeps its slot, with no name, until header_copies_finish. */
static void drop(struct header_copies *h, int tu, int fn, unsigned *flags_into)
{
	struct function *f = &h->tus[tu].funcs[fn];
	*flags_into |= f->flags & FNF_ADDR_TAKEN;
	function_free(f);
	memset(f, 0, sizeof *f);
}

void header_copies_add(struct header_copies *h, int t)
{
	struct tu_facts *tu = &h->tus[t];
	for (int i = 0; i < tu->nfuncs; i++) {
		struct function *fn = &tu->funcs[i];
		if (!fn->usr || !fn->file || str_eq(fn->file, tu->file))
			continue;
		kb_reset(&h->kb);
		kb_str(&h->kb, fn->usr);
		kb_str(&h->kb, fn->file);
		struct hkey k = kb_hash(&h->kb);
		int slot;
		if (!keymap_get(&h->kept, k, &slot)) {
			grow_array((void **)&h->where, &h->cap, h->n, sizeof *h->where);
			h->where[h->n] = (struct copy_ref){t, i};
			keymap_put(&h->kept, k, h->n++);
			continue;
		}
		struct copy_ref *kept = &h->where[slot];
		if (kept->tu < t) {
			drop(h, t, i, &h->tus[kept->tu].funcs[kept->fn].flags);
		} else {
			drop(h, kept->tu, kept->fn, &fn->flags);
			*kept = (struct copy_ref){t, i};
		}
	}
}

void header_copies_finish(struct header_copies *h, int ntus)
{
	for (int t = 0; t < ntus; t++) {
		struct tu_facts *tu = &h->tus[t];
		int w = 0;
		for (int i = 0; i < tu->nfuncs; i++)
			if (tu->funcs[i].name)
				tu->funcs[w++] = tu->funcs[i];
		tu->nfuncs = w;
	}
	keymap_free(&h->kept);
	kb_free(&h->kb);
	free(h->where);
	free(h);
}
