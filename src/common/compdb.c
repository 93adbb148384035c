/* compdb.c — the list of translation units to analyse, and files named on the command line
 * with their flags after "--". (Reading compile_commands.json takes libclang, which knows
 * both its "command" and "arguments" forms: src/extract/compdb_read.c, in the extractor
 * process.) */
#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compdb.h"
#include "common/util.h"

static char *canonical(const char *dir, const char *file)
{
	char *joined = file[0] == '/' ? xstrdup(file) : xasprintf("%s/%s", dir, file);
	char buf[PATH_MAX];
	char *real = realpath(joined, buf) ? xstrdup(buf) : NULL;
	if (real) {
		free(joined);
		return real;
	}
	return joined;     /* a missing file: the extractor will say so */
}

/* The index of the unit of file, or -1. */
static int listed_at(const struct compile_db *db, const char *file)
{
	for (int i = 0; i < db->n; i++)
		if (!strcmp(db->units[i].file, file))
			return i;
	return -1;
}

static struct compile_unit *append_canonical(struct compile_db *db, const char *directory, char *path)
{
	grow_array((void **)&db->units, &db->cap, db->n, sizeof *db->units);
	struct compile_unit *u = &db->units[db->n++];
	memset(u, 0, sizeof *u);
	u->file = path;
	u->directory = xstrdup(directory);
	u->entry = db->nentries;
	return u;
}

struct compile_unit *compdb_append(struct compile_db *db, const char *directory, const char *file)
{
	db->nentries++;
	return append_canonical(db, directory, canonical(directory, file));
}

struct compile_unit *compdb_add(struct compile_db *db, const char *directory, const char *file)
{
	char *path = canonical(directory, file);
	db->nentries++;
	if (listed_at(db, path) >= 0) {     /* compiled twice: analyse it once */
		free(path);
		return NULL;
	}
	return append_canonical(db, directory, path);
}

/* Where the compiler writes (the object, the dependency file): it differs between targets
 * that build one source and says nothing about how the source is read. */
static int names_an_output(char **argv, int i)
{
	static const char *const takes_output[] = {"-o", "-MF", "-MT", "-MQ"};
	for (size_t k = 0; k < sizeof takes_output / sizeof *takes_output; k++)
		if (!strcmp(argv[i], takes_output[k]) || (i > 1 && !strcmp(argv[i - 1], takes_output[k])))
			return 1;
	return !strncmp(argv[i], "-o", 2);
}

/* The words of b that a does not have ("-DDEBUG -O0"), or NULL when there are none. The
 * compiler's name, the file itself and where the output goes do not count. */
static char *extra_words(char **a, int na, char **b, int nb)
{
	struct strbuf sb;
	sb_init(&sb);
	for (int i = 1; i < nb; i++) {
		if (names_an_output(b, i))
			continue;
		int found = 0;
		for (int j = 1; j < na && !found; j++)
			found = !strcmp(a[j], b[i]);
		if (!found)
			sb_addf(&sb, "%s%s", sb.len ? " " : "", b[i]);
	}
	if (!sb.len) {
		sb_free(&sb);
		return NULL;
	}
	return sb_detach(&sb);
}

static void free_argv(char **argv, int argc)
{
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
}

/* An entry that assembles: a .s/.S/.sx file, or one given to the compiler as assembler
 * ("-x assembler", "-x assembler-with-cpp"). Build systems list such units beside the C
 * ones (an optimised decoder loop, a context switch); they hold no C to analyse. */
static int assembles(const char *file, char **argv, int argc)
{
	for (int i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], "-x"))
			return !strncmp(argv[i + 1], "assembler", 9);
	const char *dot = strrchr(file, '.');
	return dot && (!strcmp(dot, ".s") || !strcmp(dot, ".S") || !strcmp(dot, ".sx") ||
	               !strcmp(dot, ".asm"));
}

void compdb_add_command(struct compile_db *db, const char *directory, const char *file,
                        char **argv, int argc)
{
	if (assembles(file, argv, argc)) {
		db->nentries++;
		if (!db->nassembler++)
			db->first_assembler = canonical(directory, file);
		free_argv(argv, argc);
		return;
	}
	char *path = canonical(directory, file);
	int at = listed_at(db, path);
	db->nentries++;
	if (at < 0) {
		struct compile_unit *u = append_canonical(db, directory, path);
		u->argv = argv;
		u->argc = argc;
		return;
	}
	const struct compile_unit *kept = &db->units[at];
	char *more = extra_words(kept->argv, kept->argc, argv, argc);
	char *less = extra_words(argv, argc, kept->argv, kept->argc);
	char *diff = more && less ? xasprintf("with %s, without %s", more, less)
		: more ? xasprintf("with %s", more) : less ? xasprintf("without %s", less) : NULL;
	free(more);
	free(less);
	grow_array((void **)&db->skipped, &db->cap_skipped, db->nskipped, sizeof *db->skipped);
	db->skipped[db->nskipped++] = (struct compile_skip){
		.file = path, .entry = db->nentries, .kept_entry = kept->entry, .difference = diff};
	free_argv(argv, argc);
}

char *compdb_explain_failure(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return xasprintf("cannot read %s: %s (generate it with 'cmake -DCMAKE_EXPORT_COMPILE_COMMANDS=ON' "
		                 "or 'bear -- make', or name files: tsafe scan FILE... -- FLAGS)", path, strerror(errno));
	struct strbuf sb;
	sb_init(&sb);
	sb_read_stream(&sb, f);
	fclose(f);
	const char *end = NULL;
	cJSON *json = cJSON_ParseWithOpts(sb.buf ? sb.buf : "", &end, 0);
	char *msg;
	if (!json) {
		int line = 1;
		for (const char *p = sb.buf; p && end && p < end; p++)
			line += *p == '\n';
		msg = xasprintf("%s is not valid JSON (near line %d); regenerate it with your build system", path, line);
	} else {
		msg = xasprintf("%s is not a compilation database (expected an array of {\"directory\", \"file\", "
		                "\"command\" or \"arguments\"}); regenerate it with your build system", path);
	}
	cJSON_Delete(json);
	sb_free(&sb);
	return msg;
}

/* "line L, column C" of position p in text. */
static char *position(const char *text, const char *p)
{
	int line = 1, col = 1;
	for (const char *q = text; q < p && *q; q++) {
		col = *q == '\n' ? 1 : col + 1;
		line += *q == '\n';
	}
	return xasprintf("line %d, column %d", line, col);
}

/* What is wrong with entry e (an element of the array), or NULL. */
static const char *entry_problem(const cJSON *e)
{
	if (!cJSON_IsObject(e))
		return "is not an object";
	if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, "file")))
		return "has no \"file\" string";
	if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, "directory")))
		return "has no \"directory\" string";
	const cJSON *args = cJSON_GetObjectItemCaseSensitive(e, "arguments");
	if (cJSON_IsArray(args)) {
		const cJSON *a;
		cJSON_ArrayForEach(a, args)
			if (!cJSON_IsString(a))
				return "has an \"arguments\" item that is not a string";
		return NULL;
	}
	if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, "command")))
		return "has neither a \"command\" string nor an \"arguments\" array";
	return NULL;
}

int compdb_check_json(const char *path, char **err)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		*err = compdb_explain_failure(path);
		return -1;
	}
	struct strbuf sb;
	sb_init(&sb);
	sb_read_stream(&sb, f);
	fclose(f);
	const char *text = sb.buf ? sb.buf : "";
	const char *end = NULL;
	cJSON *json = cJSON_ParseWithOpts(text, &end, 1);
	int rc = 0;
	if (!json) {
		char *where = position(text, end ? end : text + strlen(text));
		*err = xasprintf("%s is not valid JSON: error at %s%s; nothing of it was used: "
		                 "regenerate it with your build system", path, where,
		                 end && !*end ? " (the end of the file: a closing ']' or '}' missing?)" : "");
		free(where);
		rc = -1;
	} else if (!cJSON_IsArray(json)) {
		*err = compdb_explain_failure(path);
		rc = -1;
	} else {
		int i = 0;
		const cJSON *e;
		cJSON_ArrayForEach(e, json) {
			const char *why = entry_problem(e);
			i++;
			if (why) {
				*err = xasprintf("%s: entry %d %s (expected {\"directory\", \"file\", \"command\" "
				                 "or \"arguments\"}); regenerate it with your build system", path, i, why);
				rc = -1;
				break;
			}
		}
	}
	cJSON_Delete(json);
	sb_free(&sb);
	return rc;
}

void compdb_from_files(struct compile_db *db, char **files, int nfiles, char **flags, int nflags)
{
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof cwd))
		strcpy(cwd, ".");
	for (int i = 0; i < nfiles; i++) {
		struct compile_unit *u = compdb_add(db, cwd, files[i]);
		if (!u)
			continue;
		u->argc = nflags + 2;
		u->argv = xcalloc((size_t)u->argc + 1, sizeof *u->argv);
		u->argv[0] = xstrdup("cc");
		for (int f = 0; f < nflags; f++)
			u->argv[f + 1] = xstrdup(flags[f]);
		u->argv[nflags + 1] = xstrdup(files[i]);
	}
}

void compile_unit_free(struct compile_unit *u)
{
	free(u->file);
	free(u->directory);
	free_argv(u->argv, u->argc);
}

void compdb_free(struct compile_db *db)
{
	for (int i = 0; i < db->n; i++)
		compile_unit_free(&db->units[i]);
	free(db->units);
	for (int i = 0; i < db->nskipped; i++) {
		free(db->skipped[i].file);
		free(db->skipped[i].difference);
	}
	free(db->skipped);
	free(db->first_assembler);
	memset(db, 0, sizeof *db);
}
