/* tsafe.c — the command dispatcher: one file per subcommand in src/cli/. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("tsafe %s\n", TSAFE_VERSION);
		return 0;
	}
	fprintf(stderr, "usage: tsafe <scan|report> [options]\n");
	return 2;
}
