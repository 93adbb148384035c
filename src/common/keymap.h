/* keymap.h — keys built as bytes and hashed to 128 bits, and a map from them to ints
 * (memo tables of the analysis, the scan's file digests). See keymap.c. */
#ifndef TSAFE_KEYMAP_H
#define TSAFE_KEYMAP_H

#include <stddef.h>
#include <stdint.h>

struct keybuf {
	unsigned char *p;
	size_t n, cap;
};
struct hkey {
	uint64_t lo, hi;
};
struct keymap_slot {
	struct hkey key;
	int val, used;
};
struct keymap {
	struct keymap_slot *slots;   /* key, value and use side by side: one cache line a probe */
	int cap, n;
};
void kb_reset(struct keybuf *kb);
void kb_int(struct keybuf *kb, long v);
void kb_str(struct keybuf *kb, const char *s);
struct hkey kb_hash(const struct keybuf *kb);
void kb_free(struct keybuf *kb);
struct hkey hkey_of_string(const char *s);   /* = kb_hash of a buffer holding kb_str(s) */
struct hkey hkey_of_strings(const char *a, const char *b);   /* the pair (a, b) */
struct hkey hkey_of_ints(const int *v, int n);                /* the sequence v[0..n) */
struct hkey hkey_of_pointer(const void *p);
static inline int hkey_eq(struct hkey x, struct hkey y)
{
	return x.lo == y.lo && x.hi == y.hi;
}
int keymap_get(const struct keymap *m, struct hkey k, int *val);   /* 1 if found */
void keymap_put(struct keymap *m, struct hkey k, int val);
void keymap_free(struct keymap *m);

/* String keys: the string's hash stands for it. */
static inline int keymap_get_str(const struct keymap *m, const char *s, int *val)
{
	return keymap_get(m, hkey_of_string(s), val);
}
static inline void keymap_put_str(struct keymap *m, const char *s, int val)
{
	keymap_put(m, hkey_of_string(s), val);
}

#endif
