/* analyze.c — the driver: index the facts, walk every program's threads, run each rule
 * family, fingerprint the findings and drop duplicates (the same place reached from several
 * contexts is one finding). */
#include <stdlib.h>
#include <string.h>

#include "common/findkit.h"
#include "internal.h"

static void free_records(struct analysis *a)
{
	records_truncate(a, 0, 0);
	free(a->acc);
	free(a->edges);
	for (int i = 0; i < a->nmis; i++)
		free(a->mis[i].stack);
	free(a->mis);
	for (int i = 0; i < a->njoins; i++) {
		free(a->joins[i].handle);
		free(a->joins[i].slot_handle);
	}
	free(a->joins);
	for (int i = 0; i < a->nctxs; i++) {
		struct context *c = a->ctxs[i];
		free(c->arg);
		free(c->shape);
		free(c->fresh_slot);
		free(c->handle);
		for (int h = 0; h < c->ninst; h++)
			free(c->inst[h].handle);
		free(c->inst);
		free(c->create_stack);
		free(c->once_set);
		bindings_free(c->bindings);
		for (int k = 0; k < c->ncreate_paths; k++)
			free(c->create_paths[k].steps);
		free(c->create_paths);
		free(c);
	}
	free(a->ctxs);
	for (int i = 0; i < a->nlock_keys; i++) {
		free(a->lock_keys[i].cls);
		free(a->lock_keys[i].tcls);
		free(a->lock_keys[i].instance);
		free(a->lock_keys[i].spelling);
	}
	free(a->lock_keys);
	for (int i = 0; i < a->nclasses; i++)
		free(a->class_names[i]);
	free(a->class_names);
	for (int i = 0; i < a->nexit; i++)
		ls_free(&a->exit_states[i]);
	free(a->exit_states);
	keymap_free(&a->keys);
	keymap_free(&a->classes);
	keymap_free(&a->memo);
	keymap_free(&a->exit_unique);
	kb_free(&a->kb);
	frame_scratch_free(a);
	dying_free(a);
	single_threaded_free(a);
	fnptr_free(a);
	constargs_free(a);
	neutral_free(a);
	free(a->takes_none);
	releases_free(a);
	results_free(a);
	prethread_free(a);
	onceguard_free(a);
	fallback_free(a);
	tokens_free(a);
	messages_free(a);
	known_free(a);
	when_chains_free(a);
	atoms_free(a);
	declared_free(a);
	waits_free(a);
	signals_free(a);
	flags_free(a);
	handoff_free(a);
	barriers_free(a);
	channels_free(a);
	keymap_free(&a->recursive);
	keymap_free(&a->sem_one);
	keymap_free(&a->sem_paired);
	free(a->reached);
	index_free(&a->ix);
}

int analyze_program(struct tu_facts *tus, int ntus, const struct analyze_opts *o,
                    struct finding_list *out, struct analyze_stats *stats)
{
	struct analysis a = {.opts = o, .out = out};
	int first_new = out->n;
	index_build(&a.ix, tus, ntus);
	fnptr_build(&a);
	constargs_build(&a);
	neutral_build(&a);
	known_build(&a);
	lockid_scan(&a);
	declared_build(&a);
	signals_build(&a);
	contexts_discover(&a);
	check_races(&a);
	check_lock_order(&a);
	check_misuse(&a);
	check_held_joins(&a);
	check_lost_wakeups(&a);
	check_thread_leaks(&a);
	check_unresolved_threads(&a);
	check_unfollowed_callbacks(&a);
	finding_list_finish(out, first_new, o->root);
	if (stats) {
		memset(stats, 0, sizeof *stats);
		for (int i = 0; i < a.nctxs; i++) {
			stats->programs += a.ctxs[i]->kind == CTX_MAIN;
			stats->threads += a.ctxs[i]->kind == CTX_THREAD;
		}
		stats->functions = a.ix.nfns;
		stats->frames = a.frames;
		stats->truncated = a.truncated;
		const struct event *ev;
		const struct function *fn;
		while (fnptr_unresolved(&a, stats->unresolved, &ev, &fn))
			stats->unresolved++;
	}
	free_records(&a);
	return 0;
}
