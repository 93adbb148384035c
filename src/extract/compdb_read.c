/* compdb_read.c — compile_commands.json read by libclang, which knows both its "command"
 * (a shell-quoted string) and "arguments" forms exactly as clang's own tools do. */
#include <clang-c/CXCompilationDatabase.h>
#include <stdlib.h>

#include "common/util.h"
#include "extract.h"

int extract_compdb_read(const char *dir, struct compile_db *db)
{
	CXCompilationDatabase_Error cerr;
	CXCompilationDatabase cdb = clang_CompilationDatabase_fromDirectory(dir, &cerr);
	if (cerr != CXCompilationDatabase_NoError || !cdb)
		return -1;
	CXCompileCommands cmds = clang_CompilationDatabase_getAllCompileCommands(cdb);
	unsigned n = cmds ? clang_CompileCommands_getSize(cmds) : 0;
	for (unsigned i = 0; i < n; i++) {
		CXCompileCommand c = clang_CompileCommands_getCommand(cmds, i);
		CXString d = clang_CompileCommand_getDirectory(c), f = clang_CompileCommand_getFilename(c);
		/* Every entry, duplicates too: tsafe says which it skips, and why. */
		struct compile_unit *u = compdb_append(db, clang_getCString(d), clang_getCString(f));
		if (u) {
			u->argc = (int)clang_CompileCommand_getNumArgs(c);
			u->argv = xcalloc((size_t)u->argc + 1, sizeof *u->argv);
			for (int a = 0; a < u->argc; a++) {
				CXString s = clang_CompileCommand_getArg(c, (unsigned)a);
				u->argv[a] = xstrdup(clang_getCString(s));
				clang_disposeString(s);
			}
		}
		clang_disposeString(d);
		clang_disposeString(f);
	}
	if (cmds)
		clang_CompileCommands_dispose(cmds);
	clang_CompilationDatabase_dispose(cdb);
	return 0;
}
