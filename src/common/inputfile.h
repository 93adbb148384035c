/* inputfile.h — opening a file that came from outside (a baseline, Valgrind's XML, a
 * runtime log) to read it: only a regular file, and not larger than the caller says such a
 * file can be. A FIFO would block the reader forever and a device (a symlink to
 * /dev/zero) never ends; neither is ever a file tsafe wrote. */
#ifndef TSAFE_INPUTFILE_H
#define TSAFE_INPUTFILE_H

#include <errno.h>
#include <stdio.h>

#include "util.h"

/* Opens path for reading. max: the largest size accepted in bytes (0: any). Returns the
 * stream, or NULL with *why set to a phrase that completes "'<path>' ..." — "is a FIFO,
 * not a regular file", "is 3.1 GB, more than …", or strerror — and errno kept (ENOENT for a
 * missing file; EISDIR, EINVAL or EFBIG for the refusals). */
FILE *input_open(const char *path, long long max, char **why);

/* After input_open or input_read failed: was the file refused (not regular, too large),
 * rather than missing or unreadable? */
static inline int input_refused(void)
{
	return errno == EISDIR || errno == EINVAL || errno == EFBIG;
}

/* Reads the whole of a file input_open accepts into sb (at most max bytes, even when the
 * file grows meanwhile). 0, or -1 with *why as above. */
int input_read(const char *path, long long max, struct strbuf *sb, char **why);

#endif
