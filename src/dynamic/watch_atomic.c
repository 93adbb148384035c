/* watch_atomic.c — whether a trap came from an atomic read-modify-write. A variable the
 * program updates with the __atomic/__sync builtins or C11 atomics on a plain type is
 * not a race: its updates are lock-prefixed instructions (lock add, lock xadd, lock
 * cmpxchg…, or xchg, locked implicitly), while its atomic loads and stores are ordinary
 * moves that look like any other access. So a word seen written by an atomic instruction
 * is taken to be used atomically: without a scan (whose facts know its atomics) it is
 * never reported, and two atomic updates never race.
 *
 * A data breakpoint traps after the access: the trap's PC is the next instruction. The
 * instruction that accessed ends there; its start is found by decoding each of the 15
 * bytes before it (the longest x86-64 instruction) as the start of a locked
 * read-modify-write with a memory operand, read from the module's file. */
#include <elfutils/libdwfl.h>
#include <gelf.h>
#include <string.h>

#include "internal.h"
#include "symbolize.h"
#include "watch_internal.h"

#define MAX_INSN 15

/* The length of a ModRM memory operand at p (ModRM, SIB, displacement), 0 when it names a
 * register. */
static int memory_operand_len(const uint8_t *p, const uint8_t *end)
{
	if (p >= end)
		return 0;
	int mod = p[0] >> 6, rm = p[0] & 7, len = 1;
	if (mod == 3)
		return 0;
	if (rm == 4) {
		if (p + 1 >= end)
			return 0;
		len++;
		if (mod == 0 && (p[1] & 7) == 5)
			return len + 4;
	}
	if (mod == 0)
		return rm == 5 ? len + 4 : len;
	return len + (mod == 1 ? 1 : 4);
}

/* The length of the instruction at p if it is an atomic read-modify-write of memory (a
 * lock prefix with a lockable opcode, or xchg with memory), else 0. */
int watch_atomic_insn_len(const uint8_t *p, const uint8_t *end)
{
	const uint8_t *q = p;
	int lock = 0, opsize16 = 0;
	for (; q < end && q - p < 4; q++) {
		if (*q == 0xf0)
			lock = 1;
		else if (*q == 0x66)
			opsize16 = 1;
		else if (!(*q == 0x2e || *q == 0x3e || *q == 0x26 || *q == 0x64 || *q == 0x65 ||
		           *q == 0x36 || *q == 0x67))
			break;
	}
	if (q < end && (*q & 0xf0) == 0x40)
		q++;                     /* REX */
	if (q >= end)
		return 0;
	uint8_t op = *q++;
	int imm = 0, ok = 0, reg = q < end ? (*q >> 3) & 7 : -1;
	if (op == 0x0f) {
		if (q >= end)
			return 0;
		op = *q++;
		reg = q < end ? (*q >> 3) & 7 : -1;
		ok = lock && (op == 0xb0 || op == 0xb1 || op == 0xc0 || op == 0xc1 || op == 0xab ||
		              op == 0xb3 || op == 0xbb || (op == 0xc7 && reg == 1) ||
		              (op == 0xba && reg >= 5));
		imm = op == 0xba;
	} else if (op == 0x86 || op == 0x87) {
		ok = 1;                  /* xchg with memory is locked without the prefix */
	} else if (lock) {
		ok = (op <= 0x31 && (op & 7) <= 1 && (op >> 3) != 7) ||   /* add…xor r/m, r */
		     op == 0x80 || op == 0x81 || op == 0x83 ||
		     ((op == 0xf6 || op == 0xf7) && (reg == 2 || reg == 3)) ||
		     ((op == 0xfe || op == 0xff) && (reg == 0 || reg == 1));
		imm = op == 0x80 || op == 0x83 ? 1 : op == 0x81 ? (opsize16 ? 2 : 4) : 0;
	}
	int mem = ok ? memory_operand_len(q, end) : 0;
	if (!mem)
		return 0;
	return (int)(q - p) + mem + imm;
}

/* The 15 bytes of code before pc, read from the module's file; 0, or -1. */
static int code_before(struct dyn_process *p, uint64_t pc, uint8_t *out)
{
	struct symbolizer *s = process_sym(p);
	struct sym_module *sm = s ? sym_module_of(s, pc - 1) : NULL;
	Dwarf_Addr bias;
	Elf *elf = sm ? dwfl_module_getelf(sm->m, &bias) : NULL;
	if (!elf || pc - bias < MAX_INSN)
		return -1;
	GElf_Addr want = pc - bias - MAX_INSN;
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(elf, scn)) != NULL;) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS || !(sh.sh_flags & SHF_EXECINSTR) ||
		    want < sh.sh_addr || want + MAX_INSN > sh.sh_addr + sh.sh_size)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		if (!d || !d->d_buf || want - sh.sh_addr + MAX_INSN > d->d_size)
			return -1;
		memcpy(out, (const uint8_t *)d->d_buf + (want - sh.sh_addr), MAX_INSN);
		return 0;
	}
	return -1;
}

int watch_hit_atomic(struct dyn_process *p, uint64_t pc)
{
	uint8_t code[MAX_INSN];
	if (code_before(p, pc, code))
		return 0;
	for (int k = 1; k <= MAX_INSN; k++)
		if (watch_atomic_insn_len(code + MAX_INSN - k, code + MAX_INSN) == k)
			return 1;
	return 0;
}
