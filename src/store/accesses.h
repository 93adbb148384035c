/* accesses.h — questions about the stored static facts that a dynamic engine asks of one
 * object: where it is accessed and how, and whether a function is ever called directly.
 * The Valgrind engines use them to recognise Valgrind's known false alarms (races on
 * objects only touched atomically, or only written by a pthread_once initialiser). */
#ifndef TSAFE_STORE_ACCESSES_H
#define TSAFE_STORE_ACCESSES_H

#include "store.h"

struct stored_access {
	char *path;            /* access path of the object (facts.h) */
	unsigned flags;        /* EVF_* of the event */
	char *func, *usr;      /* the function doing it */
};

struct stored_access_list {
	struct stored_access *items;
	int n;
};

/* Appends the accesses recorded at line `line` of functions in `file` (canonical path). */
int store_accesses_at(struct store *s, const char *file, int line, struct stored_access_list *out);
/* Appends every access to the object `path`. */
int store_accesses_of(struct store *s, const char *path, struct stored_access_list *out);
/* Direct calls (not through a pointer) of the function with this USR: a count, or -1. */
int store_direct_calls(struct store *s, const char *usr);
void stored_access_list_free(struct stored_access_list *l);

/* The facts of the translation unit that defines a function in `file` (canonical path)
 * spanning `line` (store_facts_load's result with that unit's key): 1 and *out filled, 0
 * when no stored function spans it, -1 on error. */
int store_facts_at(struct store *s, const char *file, int line, struct tu_facts *out);

#endif
