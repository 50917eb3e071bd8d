/* /proc/kallsyms: which functions exist under which exact names, and stack symbolisation. */
#ifndef KPN_KSYMS_H
#define KPN_KSYMS_H
#include <stddef.h>
#include <stdint.h>

struct ksym {
	uint64_t addr;
	char *name;
	char *module; /* NULL for vmlinux */
};

struct ksyms {
	struct ksym *syms; /* sorted by address */
	size_t n;
	char *strings;
	size_t strings_len, strings_cap;
};

struct ksyms *ksyms_load(void);
void ksyms_free(struct ksyms *k);
/* Up to max exact matches of name; returns how many exist in total. */
size_t ksyms_find(const struct ksyms *k, const char *name, const struct ksym **out, size_t max);
/* Compiler clones name.isra.N / name.constprop.N / name.part.N (never .cold: not a real entry). */
size_t ksyms_find_clones(const struct ksyms *k, const char *name, const struct ksym **out, size_t max);
const struct ksym *ksyms_by_addr(const struct ksyms *k, uint64_t addr);

#endif
