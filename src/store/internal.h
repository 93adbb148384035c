/* internal.h — what the files of src/store share: the connection, its cache of prepared
 * statements, transactions, error text and the list codec. Not for use outside src/store. */
#ifndef TSAFE_STORE_INTERNAL_H
#define TSAFE_STORE_INTERNAL_H

#include <sqlite3.h>

#include "common/util.h"
#include "store.h"

struct cached_stmt {
	const char *sql;        /* a string literal: the cache is keyed by its address */
	sqlite3_stmt *stmt;
};

struct store {
	sqlite3 *db;
	char *path;
	char *err;              /* last error, one line; NULL when none */
	struct cached_stmt *stmts;
	int nstmts, stmts_cap;
};

/* Sets the last error to "database 'PATH': WHAT: <sqlite's message>" and returns -1. */
int store_fail(struct store *s, const char *what);
/* Sets the last error to the formatted text and returns -1. */
int store_failf(struct store *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void store_clear_error(struct store *s);

/* The prepared statement for `sql` (a string literal), reset and unbound; NULL on error. */
sqlite3_stmt *store_stmt(struct store *s, const char *sql);
void store_stmts_finalize(struct store *s);
/* Steps a statement that returns no row; 0 or -1 (error names `what`). Resets it. */
int store_step_done(struct store *s, sqlite3_stmt *st, const char *what);
/* Runs parameterless SQL (transaction control, schema). */
int store_exec(struct store *s, const char *sql, const char *what);

/* Write transactions are always BEGIN IMMEDIATE: the write lock is taken up front, so the
 * busy timeout applies and no read-then-write upgrade can fail. Reads that need one
 * consistent snapshot use a deferred transaction. End resets every cached statement. */
int store_begin_write(struct store *s);
int store_begin_read(struct store *s);
int store_commit(struct store *s);
void store_rollback(struct store *s);   /* after an error: keeps the first error text */

/* NULL binds SQL NULL; the text must outlive the step. */
void bind_str(sqlite3_stmt *st, int i, const char *s);
/* Copy of a text column; NULL for SQL NULL. */
char *col_str(sqlite3_stmt *st, int i);

/* List codec for text columns (event args, stacks, diagnostics…): each field escaped
 * ('\\' -> "\\\\", TAB -> "\\t", LF -> "\\n", NULL -> "\\N") and followed by `sep`, so
 * every string, NULL and "" included, round-trips exactly. */
void codec_put(struct strbuf *sb, const char *s, char sep);
/* Reads one field ending in `sep` at *p into *out (malloc'd, or NULL for "\\N") and
 * advances *p past the separator; -1 when the text is malformed. */
int codec_get(const char **p, char sep, char **out);
/* Reads an integer field ending in `sep`. */
int codec_get_int(const char **p, char sep, int *out);
/* A location's stack as one column: frames "func TAB file TAB line LF", innermost first;
 * NULL for none. get appends the frames to loc->stack; -1 when the text is malformed. */
char *codec_put_stack(const struct location *loc);
int codec_get_stack(const char *text, struct location *loc);
/* A list of strings (diagnostics, order types, gate classes), one a line; NULL for none.
 * get sets *items (malloc'd) and *n; -1 when the text is malformed. */
char *codec_put_strings(char *const *items, int n);
int codec_get_strings(const char *text, char ***items, int *n);

/* Schema (schema.c): creates or migrates to the current version inside a write
 * transaction. Called by store_open once the file is known to be a database. */
int schema_migrate(struct store *s);
/* Checks, without writing, that the file is a database this tsafe can use. */
int schema_check(struct store *s);

#endif
