/* Tracepoint record layouts from tracefs format files, used to decode the raw record the
 * generic tracepoint program copies. */
#ifndef KPN_TPFMT_H
#define KPN_TPFMT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TP_MAX_FIELDS 32

enum tp_kind { TPF_INT, TPF_PTR, TPF_CHARS, TPF_DATA_LOC_STR, TPF_OTHER };
enum tp_user { TPU_NONE, TPU_SOCKADDR, TPU_STRING };

struct tp_field {
	char name[64];
	char type[96];
	unsigned offset, size;
	bool is_signed;
	enum tp_kind kind;
	enum tp_user user; /* a user-space pointer whose target is worth copying */
};

struct tp_format {
	int nfields;
	unsigned record_len;
	bool dynamic; /* a __data_loc field: its bytes follow the fixed part of the record */
	struct tp_field f[TP_MAX_FIELDS];
};

/* The tracefs root, mounting it when missing (the helper is privileged anyway). */
const char *tp_tracefs_root(void);
/* 0, -ENOENT if the tracepoint does not exist, other -errno. */
int tp_format_load(const char *cat, const char *name, struct tp_format *out);
bool tp_exists(const char *cat, const char *name);

#endif
