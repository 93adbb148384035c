/* watch_targets.c — the watched targets: read from the candidates file tsafe run writes
 * (TSAFE_WATCH), placed in this process by the load bias of the module that holds each
 * (modules are matched by device and inode, so any path to the file names it), and packed
 * into groups that fit the debug registers, which watch.c arms one group at a time.
 *
 * The file, one target a line after a header line "tsafe-watch 1":
 *     ID LEN RW LINK_ADDR_HEX MODULE_PATH
 * LEN is 1, 2, 4 or 8 and LINK_ADDR aligned to it; RW 1 when reads of it matter. No
 * malloc or stdio here: start-up may run inside the program's first lock call.
 */
#include <fcntl.h>
#include <link.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "watch.h"

struct rt_watch_target rt_watch_targets[RT_WATCH_MAX_TARGETS];
int rt_watch_ntargets;
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

/* One line into t; 0, or -1 when malformed. */
static int parse_line(const char *p, const char *end, struct rt_watch_target *t)
{
	uint64_t id, len, rw, addr;
	if (!(p = read_number(p, end, 10, &id)) || !(p = read_number(p, end, 10, &len)) ||
	    !(p = read_number(p, end, 10, &rw)) || !(p = read_number(p, end, 16, &addr)))
		return -1;
	p = skip_space(p, end);
	size_t n = (size_t)(end - p);
	if (n == 0 || n >= sizeof t->module || (len != 1 && len != 2 && len != 4 && len != 8) ||
	    addr % len)
		return -1;
	memset(t, 0, sizeof *t);
	t->id = (uint32_t)id;
	t->len = (uint16_t)len;
	t->rw = rw != 0;
	t->link_addr = addr;
	memcpy(t->module, p, n);
	t->module[n] = '\0';
	return 0;
}

struct place_ctx {
	dev_t dev[RT_WATCH_MAX_TARGETS];
	ino_t ino[RT_WATCH_MAX_TARGETS];
};

static int place_in(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	struct place_ctx *c = arg;
	struct stat st;
	const char *name = info->dlpi_name && *info->dlpi_name ? info->dlpi_name : "/proc/self/exe";
	if (stat(name, &st) != 0)
		return 0;
	for (int i = 0; i < rt_watch_ntargets; i++)
		if (!rt_watch_targets[i].addr && c->dev[i] == st.st_dev && c->ino[i] == st.st_ino)
			rt_watch_targets[i].addr = info->dlpi_addr + rt_watch_targets[i].link_addr;
	return 0;
}

/* Keeps the targets whose module is loaded, in file order. */
static int place(void)
{
	static struct place_ctx c;
	for (int i = 0; i < rt_watch_ntargets; i++) {
		struct stat st;
		int ok = stat(rt_watch_targets[i].module, &st) == 0;
		c.dev[i] = ok ? st.st_dev : (dev_t)-1;
		c.ino[i] = ok ? st.st_ino : (ino_t)-1;
	}
	dl_iterate_phdr(place_in, &c);
	int n = 0;
	for (int i = 0; i < rt_watch_ntargets; i++)
		if (rt_watch_targets[i].addr)
			rt_watch_targets[n++] = rt_watch_targets[i];
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
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0 || st.st_size <= 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	size_t size = (size_t)st.st_size;
	const char *data = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (data == MAP_FAILED)
		return -1;
	const char *p = data, *end = data + size;
	static const char header[] = "tsafe-watch 1\n";
	int ok = size >= sizeof header - 1 && !memcmp(p, header, sizeof header - 1);
	p += sizeof header - 1;
	rt_watch_ntargets = 0;
	while (ok && p < end && rt_watch_ntargets < RT_WATCH_MAX_TARGETS) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = nl ? nl : end;
		if (line_end > p &&
		    parse_line(p, line_end, &rt_watch_targets[rt_watch_ntargets]) == 0)
			rt_watch_ntargets++;
		p = line_end + 1;
	}
	munmap((void *)data, size);
	if (!ok)
		return -1;
	place();
	make_groups();
	return rt_watch_ntargets;
}
