/* fuzz_baseline.c — libFuzzer target: a baseline file as `tsafe gate --baseline` reads it,
 * its comparison with findings (one of them in the baseline) and writing it back. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "targets.h"
#include "common/baseline.h"
#include "common/util.h"

static FILE *sink;

int fuzz_baseline(const uint8_t *data, size_t size)
{
	if (!sink && !(sink = fopen("/dev/null", "w")))
		abort();
	struct baseline b;
	char *err = NULL;
	if (baseline_parse(&b, (const char *)data, size, "fuzz.json", &err) == 0) {
		struct finding_list l = {0};
		for (int i = 0; i < 3; i++) {
			struct finding *f = finding_list_add(&l);
			f->fingerprint = i == 0 && b.n ? xstrdup(b.items[0].fingerprint) : xasprintf("%d", i);
			f->suppressed = i == 2;
		}
		struct baseline_diff d;
		baseline_compare(&b, &l, &d);
		baseline_diff_free(&d);
		baseline_write(sink, &b);
		finding_list_free(&l);
		baseline_free(&b);
	}
	free(err);
	return 0;
}
