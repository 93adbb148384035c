/* parse.c — extract_tu: the compiler command to a libclang translation unit (gcc-only flags
 * dropped, clang's builtin headers found), its error diagnostics, its headers and cache key,
 * and every function defined outside system headers. */
#include "extract.h"
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"

#define CLANG_RESOURCE_DIR "/usr/lib/llvm-19/lib/clang/19"

/* gcc options clang rejects ("unknown argument"), by exact name or by prefix ending in '='. */
static const char *const gcc_only[] = {
	"-fconserve-stack", "-fno-allow-store-data-races", "-mindirect-branch=",
	"-mindirect-branch-register", "-fno-var-tracking-assignments", "-mrecord-mcount",
	"-mfunction-return=", "-fno-ipa-", "-fipa-", "-fno-tree-", "-ftree-", "-fsched-",
	"-fno-sched-", "-mpreferred-stack-boundary=", "-mskip-rax-setup", "-fno-partial-inlining",
	"-fmin-function-alignment=", "-flive-patching=", "-fzero-call-used-regs=",
	"-fno-code-hoisting", "-fanalyzer", "-fplugin=", "-fplugin-arg-", "-fno-inline-functions-called-once",
	"-fmacro-prefix-map=", "-fstack-usage", "-fno-stack-clash-protection", "-Wa,", "-fharden-",
	"-fno-guess-branch-probability", "-fcallgraph-info", "-fdump-", "-mabi=lp64", NULL,
};

static int is_gcc_only(const char *a)
{
	for (int i = 0; gcc_only[i]; i++) {
		size_t n = strlen(gcc_only[i]);
		char last = gcc_only[i][n - 1];
		if (last == '=' || last == '-' || last == ',' ? str_starts(a, gcc_only[i])
		                                              : str_eq(a, gcc_only[i]))
			return 1;
	}
	return 0;
}

/* Warning options change no fact (and -w below silences warnings anyway), but clang
 * checks every one and, for each it does not know (gcc's -Wduplicated-cond...), searches
 * all its options for a suggestion: 3% of a scan of Open vSwitch. Two kinds stay: -Wp,
 * passes preprocessor options, and -Wno-error=X turns a diagnostic clang makes an error by
 * default back into a warning, which older C needs to parse at all
 * (-Wno-error=implicit-function-declaration under clang 16+). -Werror goes with the rest. */
static int is_warning_option(const char *a)
{
	return str_starts(a, "-W") && !str_starts(a, "-Wp,") && !str_starts(a, "-Wno-error=");
}

/* Canonical path of `path` taken relative to `dir`, or NULL if it does not exist. */
static char *resolve(const char *path, const char *dir)
{
	char *joined = path[0] == '/' || !dir ? xstrdup(path) : xasprintf("%s/%s", dir, path);
	char *real = realpath(joined, NULL);
	free(joined);
	return real;
}

/* Why the source file cannot be read (with the fix), or NULL: libclang's own failure would
 * only say that parsing failed. */
static const char *unreadable_source(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno == EACCES ? "permission denied (make it readable)" : strerror_r(errno, buf, size);
	struct stat st;
	const char *why = NULL;
	char byte;
	if (fstat(fd, &st) != 0)
		why = strerror_r(errno, buf, size);
	else if (S_ISDIR(st.st_mode))
		why = "it is a directory (check the \"file\" of its compile command)";
	else if (!S_ISREG(st.st_mode))
		why = "it is not a regular file (check the \"file\" of its compile command)";
	else if (read(fd, &byte, 1) < 0)
		why = strerror_r(errno, buf, size);
	close(fd);
	return why;
}

struct argv_buf {
	const char **v;
	int n, cap;
	char *owned[2];
};

static void push(struct argv_buf *a, const char *s)
{
	grow_array((void **)&a->v, &a->cap, a->n, sizeof *a->v);
	a->v[a->n++] = s;
}

static void build_argv(const struct extract_opts *o, const char *file, const char *canon,
                       struct argv_buf *a)
{
	int has_file = 0;
	if (!o || !o->argv || o->argc < 1) {
		push(a, "cc");
	} else {
		for (int i = 0; i < o->argc; i++) {
			const char *s = o->argv[i];
			if (i > 0 && (is_gcc_only(s) || is_warning_option(s)))
				continue;
			if (i > 0 && s[0] != '-' && !has_file) {
				char *r = resolve(s, o->directory);
				has_file = r && str_eq(r, canon);
				free(r);
			}
			push(a, s);
		}
	}
	if (!has_file)
		push(a, file);
	if (o && o->directory) {
		a->owned[0] = xasprintf("-working-directory=%s", o->directory);
		push(a, a->owned[0]);
	}
	if (access(CLANG_RESOURCE_DIR "/include/stddef.h", R_OK) == 0) {
		push(a, "-resource-dir");   /* libclang alone would not find stddef.h, stdatomic.h */
		push(a, CLANG_RESOURCE_DIR);
	}
	push(a, "-w");   /* no warnings, so a -Werror in the command turns nothing into errors */
	push(a, "-Qunused-arguments");
}

static void add_diag(struct tu_facts *out, char *msg)
{
	out->diagnostics = xrealloc(out->diagnostics,
	                            (size_t)(out->ndiagnostics + 1) * sizeof *out->diagnostics);
	out->diagnostics[out->ndiagnostics++] = msg;
}

static void collect_diagnostics(struct xtu *x)
{
	unsigned n = clang_getNumDiagnostics(x->tu);
	for (unsigned i = 0; i < n; i++) {
		CXDiagnostic d = clang_getDiagnostic(x->tu, i);
		if (clang_getDiagnosticSeverity(d) >= CXDiagnostic_Error) {
			CXFile file;
			unsigned line, col;
			clang_getSpellingLocation(clang_getDiagnosticLocation(d), &file, &line, &col, NULL);
			CXString s = clang_getDiagnosticSpelling(d);
			if (file)
				add_diag(x->out, xasprintf("%s:%u:%u: %s", canonical_file(x, file), line, col,
				                           clang_getCString(s)));
			else
				add_diag(x->out, xasprintf("%s: %s", x->main_file, clang_getCString(s)));
			clang_disposeString(s);
		}
		clang_disposeDiagnostic(d);
	}
}

struct incl {
	struct xtu *x;
	char **v;
	int n, cap;
};

static void on_inclusion(CXFile f, CXSourceLocation *stack, unsigned depth, CXClientData data)
{
	(void)stack;
	struct incl *in = data;
	if (depth == 0)
		return;   /* the main file */
	ptrset_add(&in->v, &in->n, &in->cap, canonical_file(in->x, f));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void collect_headers(struct xtu *x, struct extract_deps *deps)
{
	struct incl in = {.x = x};
	clang_getInclusions(x->tu, on_inclusion, &in);
	if (in.n)
		qsort(in.v, (size_t)in.n, sizeof *in.v, cmp_str);
	deps->headers = in.v;
	deps->nheaders = in.n;
}

static void extract_functions(struct xtu *x)
{
	prepass_tu(x);
	CXCursor *v;
	int n = cursor_children(clang_getTranslationUnitCursor(x->tu), &v);
	for (int i = 0; i < n; i++) {
		unsigned flags = 0;
		if (clang_getCursorKind(v[i]) != CXCursor_FunctionDecl ||
		    !clang_isCursorDefinition(v[i]) || in_system_header(v[i]) ||
		    !function_reached(x, v[i], &flags))
			continue;
		int before = x->out->nfuncs;
		extract_function(x, v[i]);
		if (x->out->nfuncs > before)
			x->out->funcs[before].flags |= flags;
	}
	free(v);
}

static void xtu_free(struct xtu *x)
{
	for (int i = 0; i < x->nfiles; i++)
		free(x->files[i].path);
	free(x->files);
	keymap_free(&x->reached);
	kb_free(&x->kb);
	free(x->pending);
	for (int i = 0; i < x->nfieldfn; i++) {
		free(x->fieldfn[i].key);
		free(x->fieldfn[i].usr);
		free(x->fieldfn[i].name);
	}
	free(x->fieldfn);
	annotations_free(x);
	struct named_decl *lists[] = {x->gfnptr, x->noreturn};
	int counts[] = {x->ngfnptr, x->nnoreturn};
	for (int l = 0; l < 2; l++) {
		for (int i = 0; i < counts[l]; i++) {
			free(lists[l][i].usr);
			free(lists[l][i].name);
		}
		free(lists[l]);
	}
}

static int fail(struct tu_facts *out, char *msg)
{
	add_diag(out, msg);
	out->parse_failed = 1;
	return -1;
}

int extract_tu_deps(const struct extract_opts *o, const char *file, struct tu_facts *out,
                    struct extract_deps *deps)
{
	struct extract_deps local_deps;
	if (!deps)
		deps = &local_deps;
	memset(out, 0, sizeof *out);
	memset(deps, 0, sizeof *deps);
	char *err = NULL;
	char *canon = resolve(file, o ? o->directory : NULL);
	out->file = xstrdup(canon ? canon : file);
	if (!canon) {
		char buf[128];
		const char *why = strerror_r(errno, buf, sizeof buf);
		return fail(out, xasprintf("%s: cannot read the source file: %s (check the path in the "
		                           "compile command)", file, why));
	}
	char why_buf[128];
	const char *unreadable = unreadable_source(canon, why_buf, sizeof why_buf);
	if (unreadable) {
		free(canon);
		return fail(out, xasprintf("%s: cannot read the source file: %s", file, unreadable));
	}
	if (rules_load(&err) != 0) {
		free(canon);
		return fail(out, err);
	}
	struct argv_buf a = {0};
	build_argv(o, file, canon, &a);
	CXIndex idx = clang_createIndex(0, 0);
	CXTranslationUnit tu = NULL;
	enum CXErrorCode rc = clang_parseTranslationUnit2FullArgv(
		idx, NULL, a.v, a.n, NULL, 0,
		CXTranslationUnit_KeepGoing | CXTranslationUnit_IgnoreNonErrorsFromIncludedFiles, &tu);
	int ret = 0;
	if (rc != CXError_Success || !tu) {
		ret = fail(out, xasprintf("%s: libclang could not parse it (error %d); check the "
		                          "compile command's flags", out->file, (int)rc));
	} else {
		struct xtu x = {.tu = tu, .out = out, .main_file = out->file,
		                .directory = o ? o->directory : NULL};
		collect_diagnostics(&x);
		collect_headers(&x, deps);
		out->cache_key = extract_cache_key(out->file,
		                                   o && o->argv ? o->argv : NULL, o && o->argv ? o->argc : 0,
		                                   (const char *const *)deps->headers, deps->nheaders);
		extract_functions(&x);
		xtu_free(&x);
		clang_disposeTranslationUnit(tu);
	}
	clang_disposeIndex(idx);
	free(a.v);
	free(a.owned[0]);
	free(canon);
	if (deps == &local_deps)
		extract_deps_free(deps);
	return ret;
}

int extract_tu(const struct extract_opts *o, const char *file, struct tu_facts *out)
{
	return extract_tu_deps(o, file, out, NULL);
}
