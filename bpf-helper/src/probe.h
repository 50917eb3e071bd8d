/* Choosing an attach type for a target, loading a program through the verifier, attaching it,
 * and reading its counters back. Every link is owned by this process: nothing is pinned, so a
 * helper that dies (even by SIGKILL) leaves nothing attached. */
#ifndef KPN_PROBE_H
#define KPN_PROBE_H
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include "json.h"
#include "ksyms.h"
#include "tpfmt.h"

enum kpn_type {
	KT_AUTO, KT_KPROBE, KT_KRETPROBE, KT_FENTRY, KT_FEXIT, KT_TRACEPOINT, KT_RAW_TP, KT_TP_BTF,
	KT_KSYSCALL, KT_KRETSYSCALL, KT__N
};

#define COLLECT_EVENTS  1u
#define COLLECT_COMM    2u
#define COLLECT_LATENCY 4u
#define COLLECT_STACK   8u

struct probe_req {
	const char *target;
	enum kpn_type type;
	unsigned collect;
	int nargs;           /* -1: as many as the target has, up to KPN_MAX_ARGS */
	uint32_t tgid;
	uint32_t rate;       /* events/s per CPU, 0: unlimited */
	uint64_t addr;       /* picks one of several same-named symbols */
	const char *object;  /* a compiled object to load instead of the generic one */
	bool verify_only;
};

/* An error as the protocol reports it; tried[] explains why each candidate type was skipped. */
struct probe_err {
	const char *code;
	char message[1024];
	char detail[2048];   /* libbpf / verifier output */
	int ntried;
	struct { enum kpn_type type; const char *code; char message[384]; } tried[KT__N];
	int nalt;
	char alternatives[6][128];
};

struct kpn_link {
	int id;
	enum kpn_type type;
	char target[256];
	char resolved[256];
	unsigned collect;
	bool generated;
	struct bpf_object *obj;
	struct bpf_program *progs[2];
	struct bpf_link *links[2];
	struct ring_buffer *rb;
	struct tp_format *fmt;
	int user_field[2];   /* tp_format field index per user-copy slot, -1 if unused */
	uint64_t events_out;
	uint64_t decode_errors;
	/* where an attach spent its time (µs), reported in the reply so latency can be broken down */
	struct { uint32_t prepare, open, load, attach; } timing_us;
	struct kpn_link *next;
};

struct probe_ctx {
	struct ksyms *ksyms;
	struct btf *vmlinux_btf;
	uint32_t self_tgid;
	char log[4096];      /* tail of libbpf's messages for the current operation */
	size_t loglen;
};

const char *kpn_type_name(enum kpn_type t);
bool kpn_type_parse(const char *s, enum kpn_type *t);
int probe_parse_collect(const char *s, unsigned *out);

void probe_ctx_init(struct probe_ctx *c);
void probe_ctx_free(struct probe_ctx *c);
struct ksyms *probe_ksyms(struct probe_ctx *c);

/* On success returns a link (or, for verify_only, a link with no attachments that the
 * caller reports and destroys). On failure returns NULL and fills err. notes gets a JSON
 * array of human notes about the choice made. */
struct kpn_link *probe_open(struct probe_ctx *c, const struct probe_req *r, struct probe_err *err,
			    struct jw *notes);
void probe_destroy(struct kpn_link *l);
/* Writes the link's counters as members of the current JSON object. */
void probe_stats(struct kpn_link *l, struct jw *w);
bool kprobes_available(void);

#endif
