/* fuzz_vgxml.c — libFuzzer target: one Valgrind XML file as `tsafe run --engine helgrind|drd`
 * reads it (expat stream, error bounds, kinds, findings, inline suppressions). The first byte chooses the tool
 * the run asked for, the rest is the file vg.1.xml. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "targets.h"
#include "analyze/suppress.h"
#include "common/finding.h"
#include "valgrind/valgrind.h"

static char dir[64], path[128];

int fuzz_vgxml(const uint8_t *data, size_t size)
{
	if (!dir[0]) {
		snprintf(dir, sizeof dir, "/tmp/tsafe-fuzz-vgxml-XXXXXX");
		if (!mkdtemp(dir))
			abort();
		snprintf(path, sizeof path, "%s/vg.1.xml", dir);
	}
	if (size < 1)
		return 0;
	FILE *fp = fopen(path, "wb");
	if (!fp)
		abort();
	fwrite(data + 1, 1, size - 1, fp);
	fclose(fp);
	struct vg_opts o = {.tool = data[0] & 1 ? "drd" : "helgrind", .root = "/"};
	struct finding_list l = {0};
	struct vg_summary sum = {0};
	char *err = NULL;
	if (vg_ingest(dir, &o, &l, &sum, &err) == 0)
		suppress_apply(&l, "/", NULL);    /* as tsafe run does next: reads the lines named */
	free(err);
	finding_list_free(&l);
	return 0;
}
