/* targets.h — the fuzz targets, one per reader of outside data. Each takes one input as
 * libFuzzer gives it and must neither crash, leak nor misbehave on any input. Linked into
 * the libFuzzer executables (fuzz_main.c) and into the plain regression test that replays
 * every input that once crashed (tests/unit/test_fuzz_regressions.c). */
#ifndef TSAFE_FUZZ_TARGETS_H
#define TSAFE_FUZZ_TARGETS_H

#include <stddef.h>
#include <stdint.h>

int fuzz_rtlog(const uint8_t *data, size_t size);      /* runtime logs of one run */
int fuzz_vgxml(const uint8_t *data, size_t size);      /* one Valgrind XML file */
int fuzz_baseline(const uint8_t *data, size_t size);   /* a baseline file */
int fuzz_compdb(const uint8_t *data, size_t size);     /* a compile_commands.json */

#endif
