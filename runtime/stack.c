/* stack.c — call stacks and the module map. Stacks are captured with the EH-frame unwinder
 * (it works on code built without frame pointers) only the first time a site, edge or
 * misuse is seen, and written as raw return addresses; the modules they fall in are
 * written once each, so tsafe can symbolise everything offline with libdw. */
#include <elf.h>
#include <link.h>
#include <string.h>
#include <unwind.h>

#include "rt.h"

#define MAX_MODULES 512

struct range {
	uintptr_t lo, hi;
};

static struct range data[MAX_MODULES];    /* writable PT_LOAD segments */
static int ndata;
static uintptr_t seen_base[MAX_MODULES];  /* modules already written */
static int nseen;
static unsigned long long last_adds;
static int scanning;                      /* one scan at a time (atomic flag) */
static uintptr_t self_lo, self_hi;        /* this library's code: left out of stacks */
static uint32_t stack_ids;
static struct rt_table sites;
static uint32_t *site_stack;

struct scan {
	int first;
	unsigned long long adds;
};

static void write_module(struct dl_phdr_info *info, uintptr_t lo, uintptr_t hi)
{
	char buf[RT_REC_MAX + 4096];
	struct rt_module *m = (struct rt_module *)buf;
	memset(m, 0, sizeof *m);
	m->base = info->dlpi_addr;
	m->lo = lo;
	m->hi = hi;
	size_t n = info->dlpi_name ? strlen(info->dlpi_name) : 0;
	if (n > 4000)
		n = 4000;
	memcpy(m->path, info->dlpi_name, n);
	m->path[n] = '\0';
	rt_log_write(buf, rt_rec_finish(buf, RT_MODULE, sizeof *m + n + 1));
}

static int scan_one(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	struct scan *sc = arg;
	if (sc->first) {
		sc->first = 0;
		sc->adds = info->dlpi_adds;
	}
	uintptr_t lo = UINTPTR_MAX, hi = 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD)
			continue;
		uintptr_t a = info->dlpi_addr + ph->p_vaddr, b = a + ph->p_memsz;
		lo = a < lo ? a : lo;
		hi = b > hi ? b : hi;
		if ((ph->p_flags & PF_W) && ndata < MAX_MODULES) {
			int known = 0;
			for (int k = 0; k < ndata && !known; k++)
				known = data[k].lo == a;
			if (!known) {
				data[ndata].lo = a;
				data[ndata].hi = b;
				__atomic_store_n(&ndata, ndata + 1, __ATOMIC_RELEASE);
			}
		}
		if ((ph->p_flags & PF_X) && (uintptr_t)&scan_one >= a && (uintptr_t)&scan_one < b) {
			self_lo = a;
			self_hi = b;
		}
	}
	if (lo >= hi)
		return 0;
	for (int k = 0; k < nseen; k++)
		if (seen_base[k] == lo)
			return 0;
	if (nseen < MAX_MODULES)
		seen_base[nseen++] = lo;
	write_module(info, lo, hi);
	return 0;
}

void rt_modules_scan(void)
{
	if (__atomic_exchange_n(&scanning, 1, __ATOMIC_ACQUIRE))
		return;
	struct scan sc = {.first = 1};
	dl_iterate_phdr(scan_one, &sc);
	last_adds = sc.adds;
	__atomic_store_n(&scanning, 0, __ATOMIC_RELEASE);
}

void rt_modules_rewrite(void)
{
	nseen = 0;
	rt_modules_scan();
}

/* Only the first module: enough to read the loader's count of loads. */
static int read_adds(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	*(unsigned long long *)arg = info->dlpi_adds;
	return 1;
}

/* After a dlopen: new modules (and their data) must be known before their addresses are
 * written. Checked when a stack is captured, which any new code soon causes. */
static void modules_refresh(void)
{
	unsigned long long adds = 0;
	dl_iterate_phdr(read_adds, &adds);
	if (adds != __atomic_load_n(&last_adds, __ATOMIC_RELAXED))
		rt_modules_scan();
}

int rt_in_data(const void *addr)
{
	uintptr_t a = (uintptr_t)addr;
	int n = __atomic_load_n(&ndata, __ATOMIC_ACQUIRE);
	for (int i = 0; i < n; i++)
		if (a >= data[i].lo && a < data[i].hi)
			return 1;
	return 0;
}

uint32_t rt_stack_id(void)
{
	return __atomic_add_fetch(&stack_ids, 1, __ATOMIC_RELAXED);
}

struct capture {
	uint64_t *pc;
	uint32_t n;
	int in_runtime;
	uintptr_t from;            /* not 0: frames start at this pc (a signal's) */
	int skipped;
};

static _Unwind_Reason_Code collect(struct _Unwind_Context *ctx, void *arg)
{
	struct capture *c = arg;
	uintptr_t ip = _Unwind_GetIP(ctx);
	if (!ip)
		return _URC_END_OF_STACK;
	/* The runtime's own frames come first: skip them, keep everything after. */
	if (c->from) {
		if (ip != c->from)
			return ++c->skipped > RT_MAX_FRAMES ? _URC_END_OF_STACK : _URC_NO_REASON;
		c->from = 0;
		c->in_runtime = 0;
	}
	if (c->in_runtime && ip >= self_lo && ip < self_hi)
		return _URC_NO_REASON;
	c->in_runtime = 0;
	c->pc[c->n++] = ip;
	return c->n == RT_MAX_FRAMES ? _URC_END_OF_STACK : _URC_NO_REASON;
}

void rt_stack_write(uint32_t id)
{
	rt_stack_write_from(id, 0);
}

void rt_stack_write_from(uint32_t id, uint64_t from)
{
	char buf[sizeof(struct rt_stack) + RT_MAX_FRAMES * sizeof(uint64_t)];
	struct rt_stack *s = (struct rt_stack *)buf;
	modules_refresh();
	struct capture c = {.pc = s->pc, .in_runtime = 1, .from = (uintptr_t)from};
	_Unwind_Backtrace(collect, &c);
	s->id = id;
	s->n = c.n;
	rt_log_write(buf, rt_rec_finish(buf, RT_STACK, sizeof *s + c.n * sizeof(uint64_t)));
}

uint32_t rt_stack_now(void)
{
	uint32_t id = rt_stack_id();
	rt_stack_write(id);
	return id;
}

struct site_ctx {
	uint32_t stack;
};

static void site_init(uint32_t id, void *ctx)
{
	site_stack[id] = ((struct site_ctx *)ctx)->stack;
}

uint32_t rt_site(void *pc)
{
	if (!site_stack)
		return 0;
	uint32_t id = rt_table_get(&sites, (uintptr_t)pc, 0, 0, 0, NULL, NULL, NULL);
	if (!id) {
		int fresh;
		struct site_ctx ctx = {.stack = rt_stack_id()};
		id = rt_table_get(&sites, (uintptr_t)pc, 0, 0, 1, site_init, &ctx, &fresh);
		if (!id)
			return 0;
		if (fresh)
			rt_stack_write(ctx.stack);
	}
	return __atomic_load_n(&site_stack[id], __ATOMIC_RELAXED);
}

void rt_sites_init(void)
{
	if (rt_table_init(&sites, 17) == 0)
		site_stack = rt_map(((size_t)1 << 17) * sizeof *site_stack);
}
