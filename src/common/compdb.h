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
	int entry;               /* its place among the entries added, from 1 */
};
/* An entry of compile_commands.json not analysed: its file is compiled by an earlier entry
 * too (a debug build of one file, a library built twice), analysed once, with the first
 * entry's flags. Entries count from 1. */
struct compile_skip {
	char *file;
	int entry, kept_entry;
	char *difference;        /* "with -DDEBUG", "without -O2": how the skipped command
	                            differs from the kept one, or NULL when they are the same */
};
struct compile_db {
	struct compile_unit *units;
	int n, cap;
	int nentries;            /* compdb_add calls so far */
	struct compile_skip *skipped;
	int nskipped, cap_skipped;
	/* Entries that assemble (a .s or .S file, or -x assembler): not C, never analysed.
	 * The first one's file, kept to name it. */
	int nassembler;
	char *first_assembler;
};
/* Adds the unit for file (relative to directory, made canonical), or returns NULL when the
 * file is listed already (compiled twice: analysed once). The caller sets argv and argc. */
struct compile_unit *compdb_add(struct compile_db *db, const char *directory, const char *file);
/* compdb_add, and when the file is listed already, the entry recorded in db->skipped with
 * how its command differs; an entry that assembles is only counted (db->nassembler).
 * Takes argv (argc strings) either way. */
void compdb_add_command(struct compile_db *db, const char *directory, const char *file,
                        char **argv, int argc);
/* Adds every entry, duplicates included (the extractor's listing, judged by the caller). */
struct compile_unit *compdb_append(struct compile_db *db, const char *directory, const char *file);
/* 0 when path holds a JSON array of objects, each with the string "file" and "directory"
 * and a "command" string or an "arguments" array; else -1 with *err naming the position
 * (line and column) or the entry, and the fix. A compile database that is not valid JSON is
 * never partly used. */
int compdb_check_json(const char *path, char **err);
/* Why path is not a usable compilation database, as a one-line message with the fix. */
char *compdb_explain_failure(const char *path);
/* clang-tidy style: files on the command line with the flags after "--". */
void compdb_from_files(struct compile_db *db, char **files, int nfiles, char **flags, int nflags);
void compile_unit_free(struct compile_unit *u);
void compdb_free(struct compile_db *db);

#endif
