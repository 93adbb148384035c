/* frame.h — records of strings over a pipe, between `tsafe scan` and its extractor
 * processes: a 4-byte length, then the strings, each ending in NUL. */
#ifndef TSAFE_FRAME_H
#define TSAFE_FRAME_H

/* Writes the n strings as one record. 0, or -1 (errno) when the pipe broke. */
int frame_write(int fd, const char *const *strs, int n);
/* Reads one record into a new array of new strings (*strs NULL-terminated, *n of them).
 * 1 read, 0 at end of file before any byte, -1 on an error or a truncated record. */
int frame_read(int fd, char ***strs, int *n);
void frame_free(char **strs, int n);

#endif
