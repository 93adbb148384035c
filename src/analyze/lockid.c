/* lockid.c — lock identity, as lockdep names locks: a lock in named storage (a global, a
 * file or function static, a member or element of one) is its own class, named after the
 * object the code names, however it is reached (directly, or through a wrapper's pointer
 * parameter: ovs_mutex_lock(&mutex) locks "static:F:mutex.lock"); a lock reached through a
 * pointer whose object is unknown keeps its struct field's class. An array of locks is one
 * class; the extractor drops indices, so its elements (lock striping: item_locks[hv &
 * mask]) are told apart only by how the code spells them: two spelt differently, or chosen
 * by a computed index, are two locks of the class, never a double lock. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

char *instance_class(const char *instance)
{
	const char *p = instance;
	const char *prefix;
	size_t skip;
	if (!p || strchr(p, '*'))
		return NULL;                 /* through a pointer: not one object */
	if (str_starts(p, "g:"))
		prefix = "global:", skip = 2;
	else if (str_starts(p, "s:"))
		prefix = "static:", skip = 2;
	else if (str_starts(p, "fs:"))
		prefix = "static:", skip = 3;
	else
		return NULL;
	struct strbuf sb;
	sb_init(&sb);
	sb_add(&sb, prefix);
	const char *rest = p + skip;
	/* fs:FILE:FUNC:NAME is static:FILE:FUNC.NAME, as the extractor names it */
	const char *root_end = rest + strcspn(rest, ".[");
	const char *func_colon = NULL;
	if (skip == 3)
		for (const char *q = rest; q < root_end; q++)
			if (*q == ':')
				func_colon = q;
	for (const char *q = rest; *q; q++) {
		if (q[0] == '[' && q[1] == ']') {
			q++;                 /* an element is its array's class */
			continue;
		}
		sb_addc(&sb, q == func_colon ? '.' : *q);
	}
	return sb_detach(&sb);
}

/* Does the spelling index an array with something other than a constant? */
static int computed_index(const char *spelling)
{
	for (const char *q = spelling ? strchr(spelling, '[') : NULL; q; q = strchr(q + 1, '[')) {
		const char *i = q + 1;
		while (*i == ' ')
			i++;
		while (*i >= '0' && *i <= '9')
			i++;
		while (*i == ' ')
			i++;
		if (*i != ']')
			return 1;
	}
	return 0;
}

/* Spelt differently, or chosen by a computed index (the same spelling in a helper,
 * item_locks[hv & mask], picks any element): possibly two elements. */
int lock_keys_other_element(const struct lock_key *k, const struct event *held, const struct event *ev)
{
	return strstr(k->instance, "[]") &&
	       (!held || !held->name || !ev->name || !str_eq(held->name, ev->name) || computed_index(ev->name));
}

static void note(struct keymap *m, const char *name)
{
	if (name && *name && !str_eq(name, "?"))
		keymap_put_str(m, name, 1);
}

/* The class and, in named storage, the object an init call's first argument designates. */
static void note_init(struct keymap *m, const struct event *ev)
{
	if (ev->nargs < 1)
		return;
	note(m, ev->args[0].lock_class);
	if (ev->args[0].path && ev->args[0].path[0] == '&' && !strchr(ev->args[0].path, '*'))
		note(m, ev->args[0].path + 1);
}

/* sem_wait(p) then sem_post(p) later in fn: p is used as a lock. */
static void note_paired_sems(struct analysis *a, const struct function *fn)
{
	for (int b = 0; b < fn->nblocks; b++)
		for (int e = 0; e < fn->blocks[b].nevents; e++) {
			const struct event *w = &fn->blocks[b].events[e];
			if (w->kind != EV_LOCK || w->lock_kind != LK_SEM || !w->path)
				continue;
			for (int c = 0; c < fn->nblocks; c++)
				for (int i = 0; i < fn->blocks[c].nevents; i++) {
					const struct event *p = &fn->blocks[c].events[i];
					if (p->kind == EV_UNLOCK && p->pos > w->pos && str_eq(p->path, w->path)) {
						note(&a->sem_paired, w->lock_class);
						if (!strchr(w->path, '*') && !str_starts(w->path, "p:"))
							note(&a->sem_paired, w->path);
					}
				}
		}
}

void lockid_scan(struct analysis *a)
{
	for (int k = 0; k < a->ix.nfns; k++) {
		const struct function *fn = a->ix.fns[k].fn;
		for (int b = 0; b < fn->nblocks; b++)
			for (int e = 0; e < fn->blocks[b].nevents; e++) {
				const struct event *ev = &fn->blocks[b].events[e];
				if (ev->kind == EV_CALL && (ev->flags & EVF_ONE))
					note_init(&a->sem_one, ev);
				if (!(ev->flags & EVF_RECURSIVE))
					continue;
				if (ev->kind == EV_LOCK) {
					note(&a->recursive, ev->path);
					note(&a->recursive, ev->lock_class);
				} else if (ev->kind == EV_CALL) {
					note_init(&a->recursive, ev);
				}
			}
		note_paired_sems(a, fn);
	}
}

static int known(const struct keymap *m, const struct lock_key *k)
{
	return keymap_get_str(m, k->tcls, NULL) || keymap_get_str(m, k->instance, NULL);
}

int lockid_binary_sem(const struct analysis *a, const struct lock_key *k)
{
	return known(&a->sem_one, k) && known(&a->sem_paired, k);
}

int lock_key_recursive(const struct analysis *a, int key, const struct event *ev)
{
	return (ev->flags & EVF_RECURSIVE) || known(&a->recursive, &a->lock_keys[key]);
}

void lockid_note_init(struct analysis *a, const struct activation *f, const struct event *ev)
{
	if (ev->nargs < 2 || !str_eq(ev->name, "pthread_mutex_init"))
		return;
	int recursive = 0;
	for (const struct activation *g = f; g->caller && !recursive; g = g->caller)
		recursive = (g->call->flags & EVF_RECURSIVE) != 0;
	char *obj = recursive ? frame_path(f, ev->args[0].path) : NULL;
	if (obj && obj[0] == '&' && !strchr(obj, '*'))
		keymap_put_str(&a->recursive, obj + 1, 1);
	free(obj);
}
