/* tsafe.c — the command dispatcher: one file per subcommand in src/cli/, like git's builtin/. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
	"usage: tsafe <command> [options]\n"
	"\n"
	"commands:\n"
	"  scan     analyse C sources statically (compile_commands.json or files -- flags)\n"
	"  report   print the findings stored in the database (text, json, sarif, junit, html)\n"
	"  run      run a program under the runtime checker (lock order, deadlocks, misuse)\n"
	"  baseline save the current findings as a baseline file to commit\n"
	"  gate     fail only on findings that are new since the baseline (or previous run)\n"
	"  graph    print the lock-order graph of the current runs (dot or svg)\n"
	"\n"
	"Run 'tsafe <command> --help' for the options of a command.\n";

int cli_error(const char *fmt, ...)
{
	char msg[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fprintf(stderr, "tsafe: %s\n", msg);   /* modules' messages come without the prefix */
	return EXIT_TOOL;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(int, char **);
	} commands[] = {
		{"scan", cmd_scan},
		{"report", cmd_report},
		{"run", cmd_run},
		{"baseline", cmd_baseline},
		{"gate", cmd_gate},
		{"graph", cmd_graph},
	};
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_TOOL : EXIT_CLEAN;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("tsafe %s\n", TSAFE_VERSION);
		return EXIT_CLEAN;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	return cli_error("unknown command '%s' (try 'tsafe --help')", argv[1]);
}
