/* watch_targets.c — the watched targets: read from the candidates file tsafe run writes
 * (TSAFE_WATCH), placed in this process by the load bias of the module that holds each
 * (modules are matched by device and inode, so any path to the file names it), and packed
 * into groups that fit the debug registers, which watch.c arms one group at a time.
 *
 * The file, after a header line "tsafe-watch 2", one line each:
 *     T ID LEN RW LINK_ADDR_HEX MODULE_PATH     a word with a static address
 *     H ID LEN RW OFFSET_HEX SITE               a word of the newest block of a heap site
 *     S SITE LO_HEX HI_HEX MODULE_PATH          code of heap site SITE (return addresses)
 * LEN is 1, 2, 4 or 8 and LINK_ADDR (OFFSET) aligned to it; RW 1 when reads of it matter.
 * No malloc or stdio here: start-up may run inside the program's first lock call.
 */
#include <fcntl.h>
#include <link.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "sys.h"
#include "watch.h"

struct rt_watch_target rt_watch_targets[RT_WATCH_MAX_TARGETS];
int rt_watch_ntargets;
struct rt_watch_range rt_watch_ranges[RT_WATCH_MAX_RANGES];
int rt_watch_nranges;
uint64_t rt_watch_heap_lo, rt_watch_heap_span;
static int nranges_read;
static char range_module[RT_WATCH_MAX_RANGES][256];   /* read, until placed */
int rt_watch_ngroups;
int rt_watch_group_first[RT_WATCH_MAX_TARGETS + 1];

static const char *skip_space(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

static const char *read_number(const char *p, const char *end, int base, uint64_t *out)
{
	uint64_t v = 0;
	const char *start = p = skip_space(p, end);
	for (; p < end; p++) {
		int d = *p >= '0' && *p <= '9' ? *p - '0'
		      : base == 16 && *p >= 'a' && *p <= 'f' ? *p - 'a' + 10 : -1;
		if (d < 0)
			break;
		v = v * (uint64_t)base + (uint64_t)d;
	}
	*out = v;
	return p == start ? NULL : p;
}

/* The rest of a line as a module path into out; 0, or -1 when empty or too long. */
static int read_path(const char *p, const char *end, char *out, size_t size)
{
	p = skip_space(p, end);
	size_t n = (size_t)(end - p);
	if (n == 0 || n >= size)
		return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

/* A "T" or "H" line into t; 0, or -1 when malformed. */
static int parse_target(const char *p, const char *end, int heap, struct rt_watch_target *t)
{
	uint64_t id, len, rw, addr, site = 0;
	if (!(p = read_number(p, end, 10, &id)) || !(p = read_number(p, end, 10, &len)) ||
	    !(p = read_number(p, end, 10, &rw)) || !(p = read_number(p, end, 16, &addr)) ||
	    (len != 1 && len != 2 && len != 4 && len != 8) || addr % len)
		return -1;
	memset(t, 0, sizeof *t);
	if (heap ? !read_number(p, end, 10, &site) || site > RT_WATCH_MAX_RANGES
	         : read_path(p, end, t->module, sizeof t->module))
		return -1;
	t->id = (uint32_t)id;
	t->len = (uint16_t)len;
	t->rw = rw != 0;
	t->site = heap ? (int32_t)site : -1;
	t->link_addr = addr;
	return 0;
}

/* An "S" line into r and its module; 0, or -1 when malformed. */
static int parse_range(const char *p, const char *end, struct rt_watch_range *r, char *module)
{
	uint64_t site, lo, hi;
	if (!(p = read_number(p, end, 10, &site)) || !(p = read_number(p, end, 16, &lo)) ||
	    !(p = read_number(p, end, 16, &hi)) || hi <= lo || site > RT_WATCH_MAX_RANGES)
		return -1;
	memset(r, 0, sizeof *r);
	r->site = (int32_t)site;
	r->lo = lo;
	r->hi = hi;
	return read_path(p, end, module, sizeof range_module[0]);
}

static void parse_line(const char *p, const char *end)
{
	p = skip_space(p, end);
	if (p >= end)
		return;
	char kind = *p++;
	if ((kind == 'T' || kind == 'H') && rt_watch_ntargets < RT_WATCH_MAX_TARGETS &&
	    parse_target(p, end, kind == 'H', &rt_watch_targets[rt_watch_ntargets]) == 0)
		rt_watch_ntargets++;
	else if (kind == 'S' && nranges_read < RT_WATCH_MAX_RANGES &&
	         parse_range(p, end, &rt_watch_ranges[nranges_read], range_module[nranges_read]) == 0)
		nranges_read++;
}

struct bias_ctx {
	dev_t dev;
	ino_t ino;
	int found;
	uint64_t bias;
};

static int bias_in(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	struct bias_ctx *c = arg;
	struct stat st;
	const char *name = info->dlpi_name && *info->dlpi_name ? info->dlpi_name : "/proc/self/exe";
	if (stat(name, &st) != 0 || st.st_dev != c->dev || st.st_ino != c->ino)
		return 0;
	c->found = 1;
	c->bias = info->dlpi_addr;
	return 1;
}

/* The load bias of the module at path (matched by device and inode); 0 when it is not
 * loaded. Consecutive lookups of one path are answered once. */
static int module_bias(const char *path, uint64_t *bias)
{
	static char last[256];
	static int last_found;
	static uint64_t last_bias;
	if (strcmp(path, last) != 0) {
		struct stat st;
		struct bias_ctx c = {0};
		if (stat(path, &st) == 0) {
			c.dev = st.st_dev;
			c.ino = st.st_ino;
			dl_iterate_phdr(bias_in, &c);
		}
		strncpy(last, path, sizeof last - 1);
		last_found = c.found;
		last_bias = c.bias;
	}
	*bias = last_bias;
	return last_found;
}

static int site_placed(int32_t site)
{
	for (int i = 0; i < rt_watch_nranges; i++)
		if (rt_watch_ranges[i].site == site)
			return 1;
	return 0;
}

/* Keeps the ranges and targets whose module is loaded, in file order; a heap word is
 * kept when its site is (its address comes with the first block). */
static int place(void)
{
	uint64_t bias;
	int n = 0;
	uint64_t lo = UINT64_MAX, hi = 0;
	for (int i = 0; i < nranges_read; i++) {
		struct rt_watch_range r = rt_watch_ranges[i];
		if (!module_bias(range_module[i], &bias))
			continue;
		r.lo += bias;
		r.hi += bias;
		lo = r.lo < lo ? r.lo : lo;
		hi = r.hi > hi ? r.hi : hi;
		rt_watch_ranges[n++] = r;
	}
	rt_watch_nranges = n;
	rt_watch_heap_lo = n ? lo : 0;
	rt_watch_heap_span = n ? hi - lo : 0;
	n = 0;
	for (int i = 0; i < rt_watch_ntargets; i++) {
		struct rt_watch_target *t = &rt_watch_targets[i];
		if (t->site >= 0 ? !site_placed(t->site) : !module_bias(t->module, &bias))
			continue;
		t->addr = t->site >= 0 ? 0 : bias + t->link_addr;
		rt_watch_targets[n++] = *t;
	}
	return rt_watch_ntargets = n;
}

static void make_groups(void)
{
	int g = 0, regs = 0;
	for (int i = 0; i < rt_watch_ntargets; i++) {
		int need = rt_watch_target_regs(&rt_watch_targets[i]);
		if (i == 0 || regs + need > RT_WATCH_REGS) {
			rt_watch_group_first[g++] = i;
			regs = 0;
		}
		regs += need;
	}
	rt_watch_group_first[g] = rt_watch_ntargets;
	rt_watch_ngroups = g;
}

int rt_watch_load_targets(const char *path)
{
	int fd = rt_sys_open(path, O_RDONLY | O_CLOEXEC, 0);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0 || st.st_size <= 0) {
		if (fd >= 0)
			rt_sys_close(fd);
		return -1;
	}
	size_t size = (size_t)st.st_size;
	const char *data = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	rt_sys_close(fd);
	if (data == MAP_FAILED)
		return -1;
	const char *p = data, *end = data + size;
	static const char header[] = "tsafe-watch 2\n";
	int ok = size >= sizeof header - 1 && !memcmp(p, header, sizeof header - 1);
	p += sizeof header - 1;
	rt_watch_ntargets = 0;
	nranges_read = 0;
	while (ok && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = nl ? nl : end;
		parse_line(p, line_end);
		p = line_end + 1;
	}
	munmap((void *)data, size);
	if (!ok)
		return -1;
	place();
	make_groups();
	return rt_watch_ntargets;
}
