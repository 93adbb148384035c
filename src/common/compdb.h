/* compdb.h — the translation units to analyse: from a compile_commands.json, or from files
 * and flags given on the command line (see compdb.c). */
#ifndef TSAFE_COMPDB_H
#define TSAFE_COMPDB_H

/* Compilation database: one translation unit to analyse. */
struct compile_unit {
	char *file;              /* canonical path */
	char *directory;
	char **argv;             /* full compiler argv, argv[0] the compiler */
	int argc;
};
struct compile_db {
	struct compile_unit *units;
	int n, cap;
};
/* Adds the unit for file (relative to directory, made canonical), or returns NULL when the
 * file is listed already (compiled twice: analysed once). The caller sets argv and argc. */
struct compile_unit *compdb_add(struct compile_db *db, const char *directory, const char *file);
/* Why path is not a usable compilation database, as a one-line message with the fix. */
char *compdb_explain_failure(const char *path);
/* clang-tidy style: files on the command line with the flags after "--". */
void compdb_from_files(struct compile_db *db, char **files, int nfiles, char **flags, int nflags);
void compile_unit_free(struct compile_unit *u);
void compdb_free(struct compile_db *db);

#endif
