#include "probe.h"
#include "kpn.h"
#include "kpn.skel.h"
#include "names.h"
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *type_names[KT__N] = {
	[KT_AUTO] = "auto", [KT_KPROBE] = "kprobe", [KT_KRETPROBE] = "kretprobe", [KT_FENTRY] = "fentry",
	[KT_FEXIT] = "fexit", [KT_TRACEPOINT] = "tracepoint", [KT_RAW_TP] = "raw_tracepoint",
	[KT_TP_BTF] = "tp_btf", [KT_KSYSCALL] = "ksyscall", [KT_KRETSYSCALL] = "kretsyscall",
};

const char *kpn_type_name(enum kpn_type t) { return t < KT__N ? type_names[t] : "?"; }

bool kpn_type_parse(const char *s, enum kpn_type *t)
{
	for (int i = 0; i < KT__N; i++)
		if (!strcmp(s, type_names[i])) {
			*t = i;
			return true;
		}
	if (!strcmp(s, "raw_tp")) {
		*t = KT_RAW_TP;
		return true;
	}
	return false;
}

int probe_parse_collect(const char *s, unsigned *out)
{
	char buf[128], *save, *tok;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	*out = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "events")) *out |= COLLECT_EVENTS;
		else if (!strcmp(tok, "comm")) *out |= COLLECT_COMM;
		else if (!strcmp(tok, "latency")) *out |= COLLECT_LATENCY;
		else if (!strcmp(tok, "stack")) *out |= COLLECT_STACK | COLLECT_EVENTS;
		else if (!strcmp(tok, "count")) ;
		else return -1;
	}
	return 0;
}

/* ---- libbpf messages: kept so an error can carry the verifier's explanation ---- */

static struct probe_ctx *log_ctx;
static pthread_t main_thread;

static int print_fn(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char buf[1024];
	int n;

	if (getenv("KPN_HELPER_DEBUG")) {
		va_list cp;
		va_copy(cp, ap);
		vfprintf(stderr, fmt, cp);
		va_end(cp);
	}
	/* the reaper thread's messages would race the request being answered; no request waits on them */
	if (level == LIBBPF_DEBUG || !log_ctx || !pthread_equal(pthread_self(), main_thread))
		return 0;
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n <= 0)
		return 0;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	struct probe_ctx *c = log_ctx;
	if (c->loglen + n >= sizeof(c->log)) {
		size_t keep = sizeof(c->log) / 2;
		if (keep > c->loglen)
			keep = c->loglen;
		memmove(c->log, c->log + c->loglen - keep, keep);
		c->loglen = keep;
	}
	if ((size_t)n >= sizeof(c->log) - c->loglen)
		n = sizeof(c->log) - c->loglen - 1;
	memcpy(c->log + c->loglen, buf, n);
	c->loglen += n;
	c->log[c->loglen] = 0;
	return 0;
}

void probe_ctx_init(struct probe_ctx *c)
{
	memset(c, 0, sizeof(*c));
	c->self_tgid = getpid();
	log_ctx = c;
	main_thread = pthread_self();
	libbpf_set_print(print_fn);
}

void probe_ctx_free(struct probe_ctx *c)
{
	ksyms_free(c->ksyms);
	btf__free(c->vmlinux_btf);
	c->ksyms = NULL;
	c->vmlinux_btf = NULL;
}

struct ksyms *probe_ksyms(struct probe_ctx *c)
{
	if (!c->ksyms)
		c->ksyms = ksyms_load();
	return c->ksyms;
}

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static struct btf *vmlinux_btf(struct probe_ctx *c)
{
	if (!c->vmlinux_btf) {
		struct btf *b = btf__load_vmlinux_btf();
		c->vmlinux_btf = libbpf_get_error(b) ? NULL : b;
	}
	return c->vmlinux_btf;
}

bool kprobes_available(void)
{
	struct stat st;
	return stat("/sys/bus/event_source/devices/kprobe", &st) == 0;
}

/* ---- errors ---- */

/* The end of the verifier log says why it gave up; the start is the program listing. */
static void copy_tail(char *dst, size_t dstlen, const char *src)
{
	size_t l = strlen(src);
	snprintf(dst, dstlen, "%s", l >= dstlen ? src + l - (dstlen - 1) : src);
}

static void set_err(struct probe_err *e, const char *code, const char *fmt, ...)
{
	va_list ap;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
}

static void add_alt(struct probe_err *e, const char *alt)
{
	for (int i = 0; i < e->nalt; i++)
		if (!strcmp(e->alternatives[i], alt))
			return;
	if (e->nalt < 6)
		snprintf(e->alternatives[e->nalt++], sizeof(e->alternatives[0]), "%s", alt);
}

/* Tracepoints whose names share words with the function: tcp_v4_connect -> sys_enter_connect,
 * tcp:*. The direct syscall tracepoint, when there is one, comes first. */
static void suggest_tracepoints(const char *fn, struct probe_err *e)
{
	char words[8][64], path[512], line[256];
	int nw = 0;
	const char *root = tp_tracefs_root();
	const char *p = fn;
	static const char *prefixes[] = { "__x64_sys_", "__ia32_sys_", "__se_sys_", "__do_sys_", "__sys_", "ksys_", "sys_" };

	if (!root)
		return;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(*prefixes); i++) {
		size_t l = strlen(prefixes[i]);
		if (!strncmp(fn, prefixes[i], l) && fn[l]) {
			snprintf(path, sizeof(path), "%s/events/syscalls/sys_enter_%s/id", root, fn + l);
			if (access(path, R_OK) == 0) {
				snprintf(line, sizeof(line), "syscalls:sys_enter_%s", fn + l);
				add_alt(e, line);
			}
			break;
		}
	}
	while (*p && nw < 8) {
		size_t l = strcspn(p, "_.");
		if (l >= 3 && l < 64 && strncmp(p, "sys", l) && strncmp(p, "isra", l) && strncmp(p, "constprop", l)) {
			memcpy(words[nw], p, l);
			words[nw++][l] = 0;
		}
		p += l;
		while (*p == '_' || *p == '.')
			p++;
	}
	for (int w = 0; w < nw; w++) {
		snprintf(path, sizeof(path), "%s/events/syscalls/sys_enter_%s/id", root, words[w]);
		if (access(path, R_OK) == 0) {
			snprintf(line, sizeof(line), "syscalls:sys_enter_%s", words[w]);
			add_alt(e, line);
		}
	}
	snprintf(path, sizeof(path), "%s/available_events", root);
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	/* best: events matching the most words; two passes keep this simple and bounded */
	for (int want = nw; want >= 1 && e->nalt < 6; want--) {
		rewind(f);
		while (e->nalt < 6 && fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = 0;
			int hits = 0;
			for (int w = 0; w < nw; w++)
				hits += strstr(line, words[w]) != NULL;
			if (hits == want && strncmp(line, "syscalls:", 9))
				add_alt(e, line);
		}
	}
	fclose(f);
}

/* ---- target resolution ---- */

struct target {
	char cat[KPN_NAME_MAX + 1], name[KPN_NAME_MAX + 1]; /* tracepoints */
	char sym[KPN_NAME_MAX + 1];                          /* functions: the symbol to attach */
	uint64_t addr;                                       /* nonzero: attach by address */
	int nargs;
};

static int resolve_symbol(struct probe_ctx *c, const struct probe_req *r, struct target *tg,
			  struct probe_err *e, struct jw *notes)
{
	const struct ksym *hits[16];
	struct ksyms *ks = probe_ksyms(c);
	size_t n;

	if (!ks) {
		set_err(e, "EKALLSYMS", "cannot read /proc/kallsyms");
		return -1;
	}
	n = ksyms_find(ks, r->target, hits, 16);
	if (n == 0) {
		n = ksyms_find_clones(ks, r->target, hits, 16);
		if (n == 0) {
			set_err(e, "ENOTFOUND",
				"%s is not in /proc/kallsyms: it was inlined into its callers, or is not built into this kernel",
				r->target);
			return -1;
		}
		if (n == 1) {
			snprintf(tg->sym, sizeof(tg->sym), "%s", hits[0]->name);
			char note[512];
			snprintf(note, sizeof(note),
				 "%s exists only as the compiler clone %s (specialised copy, possibly with changed arguments): attached the clone",
				 r->target, hits[0]->name);
			jw_str(notes, note);
			return 0;
		}
	}
	if (n == 1 && !r->addr) {
		snprintf(tg->sym, sizeof(tg->sym), "%s", hits[0]->name);
		return 0;
	}
	for (size_t i = 0; i < n && i < 16; i++)
		if (r->addr && hits[i]->addr == r->addr) {
			snprintf(tg->sym, sizeof(tg->sym), "%s", hits[i]->name);
			tg->addr = r->addr;
			return 0;
		}
	if (r->addr) {
		set_err(e, "ENOTFOUND", "no symbol named %s at 0x%llx", r->target, (unsigned long long)r->addr);
		return -1;
	}
	set_err(e, "EAMBIGUOUS",
		"%zu kernel functions match %s (same-named static functions or clones); pass \"addr\" to pick one",
		n, r->target);
	for (size_t i = 0; i < n && i < 6; i++) {
		char alt[128];
		snprintf(alt, sizeof(alt), "%s@0x%llx%s%s", hits[i]->name, (unsigned long long)hits[i]->addr,
			 hits[i]->module ? " " : "", hits[i]->module ? hits[i]->module : "");
		add_alt(e, alt);
	}
	return -1;
}

/* Argument count of a function or of a tracepoint's btf_trace_<name> typedef; -1 unknown. */
static int btf_nargs(struct btf *btf, const char *name, bool tracepoint)
{
	char buf[KPN_NAME_MAX + 16];
	const struct btf_type *t;
	int id;

	if (!btf)
		return -1;
	if (tracepoint) {
		snprintf(buf, sizeof(buf), "btf_trace_%s", name);
		id = btf__find_by_name_kind(btf, buf, BTF_KIND_TYPEDEF);
		if (id < 0)
			return -1;
		t = btf__type_by_id(btf, id);
		t = btf__type_by_id(btf, t->type); /* pointer */
		if (!t || !btf_is_ptr(t))
			return -1;
		t = btf__type_by_id(btf, t->type);
		return t && btf_is_func_proto(t) ? (int)btf_vlen(t) - 1 : -1; /* first is void *__data */
	}
	id = btf__find_by_name_kind(btf, name, BTF_KIND_FUNC);
	if (id < 0)
		return -1;
	t = btf__type_by_id(btf, btf__type_by_id(btf, id)->type);
	return t && btf_is_func_proto(t) ? (int)btf_vlen(t) : -1;
}

static bool is_tp_type(enum kpn_type t)
{
	return t == KT_TRACEPOINT || t == KT_RAW_TP || t == KT_TP_BTF;
}

static enum kpn_type exit_pair(enum kpn_type t)
{
	switch (t) {
	case KT_KPROBE: return KT_KRETPROBE;
	case KT_FENTRY: return KT_FEXIT;
	case KT_KSYSCALL: return KT_KRETSYSCALL;
	default: return KT_AUTO;
	}
}

static bool sec_matches(const char *sec, enum kpn_type t)
{
	const char *alts[KT__N][2] = {
		[KT_KPROBE] = { "kprobe" }, [KT_KRETPROBE] = { "kretprobe" }, [KT_FENTRY] = { "fentry" },
		[KT_FEXIT] = { "fexit" }, [KT_TRACEPOINT] = { "tracepoint", "tp" },
		[KT_RAW_TP] = { "raw_tp", "raw_tracepoint" }, [KT_TP_BTF] = { "tp_btf" },
		[KT_KSYSCALL] = { "ksyscall" }, [KT_KRETSYSCALL] = { "kretsyscall" },
	};
	for (int i = 0; i < 2 && alts[t][i]; i++) {
		size_t l = strlen(alts[t][i]);
		if (!strncmp(sec, alts[t][i], l) && (sec[l] == 0 || sec[l] == '/'))
			return true;
	}
	return false;
}

/* Writes a const volatile global before load, found through the object's BTF. */
static int set_rodata(struct bpf_object *obj, const char *var, const void *val, size_t sz)
{
	struct btf *btf = bpf_object__btf(obj);
	struct bpf_map *map;
	const struct btf_type *sec;
	const struct btf_var_secinfo *vs;
	size_t msz = 0;
	void *data = NULL;
	int id;

	bpf_object__for_each_map(map, obj) {
		const char *n = bpf_map__name(map);
		size_t l = strlen(n);
		if (l >= 7 && !strcmp(n + l - 7, ".rodata")) {
			data = (void *)bpf_map__initial_value(map, &msz);
			break;
		}
	}
	if (!btf || !data || (id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC)) < 0)
		return -ENOENT;
	sec = btf__type_by_id(btf, id);
	vs = btf_var_secinfos(sec);
	for (int i = 0; i < btf_vlen(sec); i++, vs++) {
		const struct btf_type *v = btf__type_by_id(btf, vs->type);
		if (strcmp(btf__name_by_offset(btf, v->name_off), var))
			continue;
		if (vs->size != sz || vs->offset + sz > msz)
			return -EINVAL;
		memcpy((char *)data + vs->offset, val, sz);
		return 0;
	}
	return -ENOENT;
}

static int set_u32(struct bpf_object *obj, const char *var, uint32_t v)
{
	return set_rodata(obj, var, &v, sizeof(v));
}

static struct bpf_object *open_object(struct probe_ctx *c, const struct probe_req *r, struct probe_err *e)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts);
	struct bpf_object *obj;
	void *buf = NULL;
	size_t sz = 0;

	if (!r->object) {
		opts.object_name = "kpn";
		const void *elf = kpn__elf_bytes(&sz);
		obj = bpf_object__open_mem(elf, sz, &opts);
	} else {
		char msg[512];
		struct stat st;
		int fd = kpn_open_trusted_object(r->object, msg, sizeof(msg));
		if (fd < 0) {
			set_err(e, "EINVAL_OBJECT", "%s", msg);
			return NULL;
		}
		if (fstat(fd, &st) || st.st_size <= 0 || st.st_size > 64 << 20 || !(buf = malloc(st.st_size)) ||
		    pread(fd, buf, st.st_size, 0) != st.st_size) {
			set_err(e, "EINVAL_OBJECT", "cannot read object %s", r->object);
			close(fd);
			free(buf);
			return NULL;
		}
		close(fd);
		opts.object_name = "kpn_gen";
		obj = bpf_object__open_mem(buf, st.st_size, &opts);
		free(buf);
	}
	if (libbpf_get_error(obj)) {
		set_err(e, "EINVAL_OBJECT", "not a loadable BPF object: %s", strerror(-(int)libbpf_get_error(obj)));
		copy_tail(e->detail, sizeof(e->detail), c->log);
		return NULL;
	}
	return obj;
}

static void configure_tp_copy(struct kpn_link *l, struct bpf_object *obj)
{
	int32_t off[KPN_USER_SLOTS] = { -1, -1 };
	uint32_t len[KPN_USER_SLOTS] = { 0, 0 }, str[KPN_USER_SLOTS] = { 0, 0 };
	int slot = 0;

	/* dynamic strings sit after the fixed fields: copy as much of the record as the event holds
	 * (the record is in the per-CPU perf trace buffer, so reading past its end is harmless) */
	set_u32(obj, "cfg_tp_len", l->fmt->dynamic || l->fmt->record_len > KPN_RAW_MAX ? KPN_RAW_MAX : l->fmt->record_len);
	for (int i = 0; i < l->fmt->nfields && slot < KPN_USER_SLOTS; i++) {
		const struct tp_field *f = &l->fmt->f[i];
		if (f->user == TPU_NONE || f->size != 8 || f->offset > KPN_RAW_MAX - 8)
			continue;
		off[slot] = f->offset;
		len[slot] = f->user == TPU_SOCKADDR ? 28 /* sizeof(struct sockaddr_in6) */ : KPN_USER_MAX;
		str[slot] = f->user == TPU_STRING;
		l->user_field[slot++] = i;
	}
	set_rodata(obj, "cfg_user_off", off, sizeof(off));
	set_rodata(obj, "cfg_user_len", len, sizeof(len));
	set_rodata(obj, "cfg_user_str", str, sizeof(str));
}

static bool privileged(void)
{
	char line[256];
	unsigned long long eff = 0;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return geteuid() == 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	fclose(f);
	return (eff >> 39 & 1) /* CAP_BPF */ || (eff >> 21 & 1) /* CAP_SYS_ADMIN */;
}

static int attach_one(struct kpn_link *l, int i, enum kpn_type t, const struct target *tg, struct probe_err *e)
{
	struct bpf_program *p = l->progs[i];
	struct bpf_link *lk = NULL;

	switch (t) {
	case KT_KPROBE:
	case KT_KRETPROBE: {
		LIBBPF_OPTS(bpf_kprobe_opts, o, .retprobe = t == KT_KRETPROBE);
		if (tg->addr)
			o.offset = tg->addr; /* with no name, the kprobe PMU takes offset as an address */
		lk = bpf_program__attach_kprobe_opts(p, tg->addr ? NULL : tg->sym, &o);
		break;
	}
	case KT_KSYSCALL:
	case KT_KRETSYSCALL: {
		LIBBPF_OPTS(bpf_ksyscall_opts, o, .retprobe = t == KT_KRETSYSCALL);
		lk = bpf_program__attach_ksyscall(p, tg->sym, &o);
		break;
	}
	case KT_TRACEPOINT:
		lk = bpf_program__attach_tracepoint(p, tg->cat, tg->name);
		break;
	case KT_RAW_TP:
		lk = bpf_program__attach_raw_tracepoint(p, tg->name);
		break;
	default:
		lk = bpf_program__attach_trace(p);
		break;
	}
	long err = libbpf_get_error(lk);
	if (!err) {
		l->links[i] = lk;
		return 0;
	}
	if ((t == KT_KPROBE || t == KT_KRETPROBE || t == KT_KSYSCALL || t == KT_KRETSYSCALL) && !kprobes_available())
		set_err(e, "ENOKPROBES",
			"this kernel has no kprobes (CONFIG_KPROBES is not set: no kprobe PMU in /sys/bus/event_source/devices); use a tracepoint");
	else if (err == -ENOENT)
		set_err(e, "ENOTFOUND", "%s: no such attach point (%s)", tg->sym[0] ? tg->sym : tg->name, strerror(ENOENT));
	else
		set_err(e, "EATTACH", "attaching %s failed: %s", kpn_type_name(t), strerror((int)-err));
	return -1;
}

static void record_tried(struct probe_err *e, enum kpn_type t, const struct probe_err *one)
{
	if (e->ntried >= KT__N)
		return;
	e->tried[e->ntried].type = t;
	e->tried[e->ntried].code = one->code;
	snprintf(e->tried[e->ntried].message, sizeof(e->tried[0].message), "%s", one->message);
	e->ntried++;
}

static struct kpn_link *try_type(struct probe_ctx *c, const struct probe_req *r, enum kpn_type t,
				 struct probe_err *e, struct jw *notes)
{
	struct target tg;
	struct kpn_link *l;
	enum kpn_type tx = (r->collect & COLLECT_LATENCY) ? exit_pair(t) : KT_AUTO;
	uint64_t t0 = now_us(), t1, t2;
	struct btf *vb = vmlinux_btf(c);
	bool tp = is_tp_type(t);

	memset(&tg, 0, sizeof(tg));
	tg.nargs = -1;
	if (tp && !kpn_split_tracepoint(r->target, tg.cat, sizeof(tg.cat), tg.name, sizeof(tg.name))) {
		set_err(e, "EINVAL_NAME", "%s attaches to category:name, e.g. syscalls:sys_enter_connect", kpn_type_name(t));
		return NULL;
	}
	if (!tp && strchr(r->target, ':')) {
		set_err(e, "EINVAL_TYPE", "%s is a tracepoint; %s attaches to functions", r->target, kpn_type_name(t));
		return NULL;
	}
	if ((r->collect & COLLECT_LATENCY) && tx == KT_AUTO) {
		set_err(e, "EINVAL_ARG", "latency needs an entry/exit pair: kprobe, fentry or ksyscall, not %s", kpn_type_name(t));
		return NULL;
	}
	if (tp && !tp_tracefs_root()) {
		set_err(e, "ENOTRACEFS", "tracefs is not mounted and could not be mounted at /sys/kernel/tracing");
		return NULL;
	}
	switch (t) {
	case KT_KPROBE: case KT_KRETPROBE:
		if (!r->verify_only && !kprobes_available()) {
			set_err(e, "ENOKPROBES",
				"this kernel has no kprobes (CONFIG_KPROBES is not set: no kprobe PMU in /sys/bus/event_source/devices); use a tracepoint");
			return NULL;
		}
		if (resolve_symbol(c, r, &tg, e, notes))
			return NULL;
		tg.nargs = btf_nargs(vb, r->target, false);
		break;
	case KT_KSYSCALL: case KT_KRETSYSCALL: {
		const char *s = r->target;
		static const char *pre[] = { "__x64_sys_", "__se_sys_", "__do_sys_", "sys_" };
		for (size_t i = 0; i < 4; i++)
			if (!strncmp(s, pre[i], strlen(pre[i]))) {
				s += strlen(pre[i]);
				break;
			}
		if (!kpn_valid_ident(s)) {
			set_err(e, "EINVAL_NAME", "ksyscall takes a syscall name such as connect");
			return NULL;
		}
		if (!r->verify_only && !kprobes_available()) {
			set_err(e, "ENOKPROBES",
				"ksyscall is a kprobe on the syscall entry and this kernel has no kprobes (CONFIG_KPROBES is not set); use syscalls:sys_enter_%s",
				s);
			return NULL;
		}
		snprintf(tg.sym, sizeof(tg.sym), "%s", s);
		break;
	}
	case KT_FENTRY: case KT_FEXIT: {
		const struct ksym *h[2];
		if (!vb) {
			set_err(e, "ENOBTF", "fentry needs kernel BTF (/sys/kernel/btf/vmlinux), which is missing");
			return NULL;
		}
		if (btf__find_by_name_kind(vb, r->target, BTF_KIND_FUNC) < 0) {
			set_err(e, "ENOBTF", "%s is not in the kernel's BTF (inlined, a compiler clone, or in a module): fentry cannot attach; kprobe can",
				r->target);
			return NULL;
		}
		struct ksyms *ks = probe_ksyms(c);
		size_t n = ks ? ksyms_find(ks, r->target, h, 2) : 1;
		if (n == 0) {
			set_err(e, "ENOTFOUND", "%s is in BTF but not in /proc/kallsyms under that exact name (only clones exist): fentry cannot attach; kprobe can attach the clone",
				r->target);
			return NULL;
		}
		if (n > 1)
			jw_str(notes, "several functions share this name: fentry attaches to the one the kernel's BTF describes; use kprobe with addr for another");
		snprintf(tg.sym, sizeof(tg.sym), "%s", r->target);
		tg.nargs = btf_nargs(vb, r->target, false);
		break;
	}
	case KT_TRACEPOINT:
		if (!tp_exists(tg.cat, tg.name)) {
			set_err(e, "ENOTFOUND", "no tracepoint %s:%s in %s/events", tg.cat, tg.name, tp_tracefs_root());
			return NULL;
		}
		break;
	case KT_RAW_TP:
		if (!tp_exists(tg.cat, tg.name)) {
			set_err(e, "ENOTFOUND", "no tracepoint %s:%s", tg.cat, tg.name);
			return NULL;
		}
		tg.nargs = btf_nargs(vb, tg.name, true);
		if (tg.nargs < 0)
			tg.nargs = 0; /* reading ctx beyond the real count would fail at attach */
		break;
	case KT_TP_BTF:
		tg.nargs = btf_nargs(vb, tg.name, true);
		if (tg.nargs < 0) {
			set_err(e, "ENOBTF", "no btf_trace_%s in the kernel's BTF: tp_btf cannot attach; tracepoint or raw_tracepoint can", tg.name);
			return NULL;
		}
		break;
	default:
		set_err(e, "EINVAL_TYPE", "unsupported type");
		return NULL;
	}

	l = calloc(1, sizeof(*l));
	if (!l) {
		set_err(e, "ENOMEM", "out of memory");
		return NULL;
	}
	l->type = t;
	l->collect = r->collect;
	l->generated = r->object != NULL;
	l->user_field[0] = l->user_field[1] = -1;
	snprintf(l->target, sizeof(l->target), "%s", r->target);
	if (tg.addr)
		snprintf(l->resolved, sizeof(l->resolved), "%s@0x%llx", tg.sym, (unsigned long long)tg.addr);
	else
		snprintf(l->resolved, sizeof(l->resolved), "%s", tg.sym[0] ? tg.sym : r->target);
	c->loglen = 0;
	c->log[0] = 0;
	t1 = now_us();
	l->timing_us.prepare = (uint32_t)(t1 - t0);
	if (!(l->obj = open_object(c, r, e)))
		goto fail;

	struct bpf_program *p;
	bpf_object__for_each_program(p, l->obj) {
		const char *sec = bpf_program__section_name(p);
		int slot = sec_matches(sec, t) ? 0 : (tx != KT_AUTO && sec_matches(sec, tx)) ? 1 : -1;
		if (slot >= 0 && !l->progs[slot]) {
			if (strncmp(bpf_program__name(p), "kpn_", 4)) {
				set_err(e, "EINVAL_OBJECT", "program %s: names must start with kpn_ so leftovers are recognisable",
					bpf_program__name(p));
				goto fail;
			}
			l->progs[slot] = p;
			bpf_program__set_autoload(p, true);
		} else {
			bpf_program__set_autoload(p, false);
		}
	}
	if (!l->progs[0] || (tx != KT_AUTO && !l->progs[1])) {
		set_err(e, l->generated ? "EINVAL_OBJECT" : "EINTERNAL", "the object has no %s program", kpn_type_name(!l->progs[0] ? t : tx));
		goto fail;
	}
	for (int i = 0; i < 2; i++) {
		if (!l->progs[i])
			continue;
		enum kpn_type pt = i ? tx : t;
		if (pt == KT_FENTRY || pt == KT_FEXIT || pt == KT_TP_BTF) {
			int err = bpf_program__set_attach_target(l->progs[i], 0, pt == KT_TP_BTF ? tg.name : tg.sym);
			if (err) {
				set_err(e, "ENOBTF", "cannot target %s: %s", tg.sym[0] ? tg.sym : tg.name, strerror(-err));
				goto fail;
			}
		}
	}

	int nargs = tg.nargs < 0 ? KPN_MAX_ARGS : tg.nargs;
	if (r->nargs >= 0 && r->nargs < nargs)
		nargs = r->nargs;
	if (nargs > KPN_MAX_ARGS)
		nargs = KPN_MAX_ARGS;
	set_u32(l->obj, "kpn_cfg_tgid", r->tgid);
	set_u32(l->obj, "kpn_cfg_self_tgid", c->self_tgid);
	set_u32(l->obj, "kpn_cfg_rate_per_cpu", r->rate);
	set_u32(l->obj, "kpn_cfg_stack", !!(r->collect & COLLECT_STACK));
	if (!l->generated) {
		set_u32(l->obj, "cfg_events", !!(r->collect & COLLECT_EVENTS));
		set_u32(l->obj, "cfg_comm_counts", !!(r->collect & COLLECT_COMM));
		set_u32(l->obj, "cfg_latency", !!(r->collect & COLLECT_LATENCY));
		set_u32(l->obj, "cfg_nargs", nargs);
		if (t == KT_TRACEPOINT) {
			l->fmt = calloc(1, sizeof(*l->fmt));
			if (!l->fmt || tp_format_load(tg.cat, tg.name, l->fmt)) {
				set_err(e, "ENOTFOUND", "cannot read the format of %s:%s", tg.cat, tg.name);
				goto fail;
			}
			configure_tp_copy(l, l->obj);
		}
	}

	t2 = now_us();
	l->timing_us.open = (uint32_t)(t2 - t1);
	int err = bpf_object__load(l->obj);
	t1 = now_us();
	l->timing_us.load = (uint32_t)(t1 - t2);
	if (err) {
		copy_tail(e->detail, sizeof(e->detail), c->log);
		/* an unprivileged helper was answered EPERM_PRIV before any type was tried */
		if ((t == KT_FENTRY || t == KT_FEXIT) && err == -EPERM)
			set_err(e, "EFENTRY_REFUSED",
				"the kernel refused to load an %s program for %s (EPERM although privileged): BPF trampolines need the ftrace function hooks, which this kernel refuses; use kprobe or a tracepoint",
				kpn_type_name(t), tg.sym);
		else if (err == -EPERM || err == -EACCES)
			set_err(e, "ELOAD", "the verifier rejected the %s program (%s): see detail", kpn_type_name(t), strerror(-err));
		else
			set_err(e, "ELOAD", "loading the %s program failed: %s (see detail for the verifier log)", kpn_type_name(t), strerror(-err));
		goto fail;
	}
	if (r->verify_only)
		return l;
	for (int i = 0; i < 2; i++)
		if (l->progs[i] && attach_one(l, i, i ? tx : t, &tg, e))
			goto fail;
	l->timing_us.attach = (uint32_t)(now_us() - t1);
	return l;
fail:
	probe_destroy(l);
	return NULL;
}

struct kpn_link *probe_open(struct probe_ctx *c, const struct probe_req *r, struct probe_err *e, struct jw *notes)
{
	enum kpn_type cands[4];
	int nc = 0;
	bool tp = strchr(r->target, ':') != NULL;

	memset(e, 0, sizeof(*e));
	if (tp) {
		char a[KPN_NAME_MAX + 1], b[KPN_NAME_MAX + 1];
		if (!kpn_split_tracepoint(r->target, a, sizeof(a), b, sizeof(b))) {
			set_err(e, "EINVAL_NAME", "%s is not a valid tracepoint: category:name, both C identifiers", r->target);
			return NULL;
		}
	} else if (!kpn_valid_symbol(r->target)) {
		set_err(e, "EINVAL_NAME", "%s is not a valid function name: a C identifier, optionally with a clone suffix like .isra.0", r->target);
		return NULL;
	}
	/* before any type is tried: without privileges every step fails with a misleading reason
	 * (tracefs unreadable looks like tracefs missing) */
	if (!privileged()) {
		set_err(e, "EPERM_PRIV",
			"loading BPF programs needs root or CAP_BPF+CAP_PERFMON and this helper (euid %u) has neither: set kpn.attach.elevation to sudo or pkexec (kpn attach --sudo/--pkexec), or give the helper file capabilities (bpf-helper/README.md)",
			(unsigned)geteuid());
		return NULL;
	}
	if (r->type != KT_AUTO)
		cands[nc++] = r->type;
	else if (tp && r->object) {
		/* generated objects read typed arguments: tp_btf, or raw_tp on kernels without BTF */
		cands[nc++] = KT_TP_BTF;
		cands[nc++] = KT_RAW_TP;
	} else if (tp) {
		cands[nc++] = KT_TRACEPOINT;
		cands[nc++] = KT_RAW_TP;
		cands[nc++] = KT_TP_BTF;
	} else {
		/* fentry first: cheaper per hit and typed; kprobe reaches clones and addresses */
		cands[nc++] = KT_FENTRY;
		cands[nc++] = KT_KPROBE;
	}
	for (int i = 0; i < nc; i++) {
		struct probe_err one;
		memset(&one, 0, sizeof(one));
		struct kpn_link *l = try_type(c, r, cands[i], &one, notes);
		if (l) {
			for (int k = 0; k < e->ntried; k++) {
				char note[512];
				snprintf(note, sizeof(note), "%s not used: %s", kpn_type_name(e->tried[k].type), e->tried[k].message);
				jw_str(notes, note);
			}
			return l;
		}
		record_tried(e, cands[i], &one);
		if (i == 0) {
			/* the preferred type's failure is the headline */
			e->code = one.code;
			memcpy(e->message, one.message, sizeof(e->message));
			memcpy(e->detail, one.detail, sizeof(e->detail));
		}
		for (int k = 0; k < one.nalt; k++)
			add_alt(e, one.alternatives[k]);
	}
	if (nc > 1) {
		char msg[sizeof(e->message)];
		size_t o = snprintf(msg, sizeof(msg), "no attach type works for %s here:", r->target);
		for (int k = 0; k < e->ntried && o < sizeof(msg); k++)
			o += snprintf(msg + o, sizeof(msg) - o, " %s: %s;", kpn_type_name(e->tried[k].type), e->tried[k].message);
		e->code = "ENOATTACH";
		memcpy(e->message, msg, sizeof(msg));
	}
	if (!tp && strcmp(e->code, "EINVAL_NAME"))
		suggest_tracepoints(r->target, e);
	return NULL;
}

void probe_destroy(struct kpn_link *l)
{
	if (!l)
		return;
	ring_buffer__free(l->rb);
	for (int i = 0; i < 2; i++)
		bpf_link__destroy(l->links[i]);
	bpf_object__close(l->obj);
	free(l->fmt);
	free(l);
}

static int ncpus(void)
{
	static int n;
	if (!n)
		n = libbpf_num_possible_cpus();
	return n > 0 ? n : 1;
}

static uint64_t percpu_sum(int fd, uint32_t key)
{
	int n = ncpus();
	uint64_t vals[n], sum = 0;
	if (bpf_map_lookup_elem(fd, &key, vals))
		return 0;
	for (int i = 0; i < n; i++)
		sum += vals[i];
	return sum;
}

struct comm_row {
	struct kpn_comm_key k;
	uint64_t n;
};

static int cmp_rows(const void *a, const void *b)
{
	const struct comm_row *x = a, *y = b;
	return x->n < y->n ? 1 : x->n > y->n ? -1 : 0;
}

void probe_stats(struct kpn_link *l, struct jw *w)
{
	struct bpf_map *m;
	uint64_t run_ns = 0, run_cnt = 0;

	if ((m = bpf_object__find_map_by_name(l->obj, "counters"))) {
		int fd = bpf_map__fd(m);
		jw_kuint(w, "hits", percpu_sum(fd, KPN_CNT_HITS));
		jw_kuint(w, "drops", percpu_sum(fd, KPN_CNT_DROPS));
		jw_kuint(w, "rate_limited", percpu_sum(fd, KPN_CNT_RATE_LIMITED));
	}
	jw_kuint(w, "events", l->events_out);
	jw_kuint(w, "decode_errors", l->decode_errors);
	for (int i = 0; i < 2; i++) {
		struct bpf_prog_info info;
		uint32_t len = sizeof(info);
		memset(&info, 0, sizeof(info));
		if (l->progs[i] && bpf_program__fd(l->progs[i]) >= 0 &&
		    !bpf_obj_get_info_by_fd(bpf_program__fd(l->progs[i]), &info, &len)) {
			run_ns += info.run_time_ns;
			run_cnt += info.run_cnt;
		}
	}
	/* only nonzero while kernel.bpf_stats_enabled=1 */
	jw_kuint(w, "run_time_ns", run_ns);
	jw_kuint(w, "run_cnt", run_cnt);
	if ((l->collect & COLLECT_COMM) && (m = bpf_object__find_map_by_name(l->obj, "comm_counts"))) {
		int fd = bpf_map__fd(m);
		struct comm_row *rows = calloc(4096, sizeof(*rows));
		struct kpn_comm_key k, cur;
		size_t n = 0;
		bool first = true;
		while (rows && n < 4096 && !bpf_map_get_next_key(fd, first ? NULL : &cur, &k)) {
			first = false;
			cur = k;
			rows[n].k = k;
			if (!bpf_map_lookup_elem(fd, &k, &rows[n].n))
				n++;
		}
		if (rows)
			qsort(rows, n, sizeof(*rows), cmp_rows);
		jw_key(w, "comms");
		jw_arr(w);
		for (size_t i = 0; i < n && i < 20; i++) {
			jw_obj(w);
			jw_kuint(w, "pid", rows[i].k.pid);
			jw_key(w, "comm");
			jw_strn(w, rows[i].k.comm, strnlen(rows[i].k.comm, KPN_COMM_LEN));
			jw_kuint(w, "count", rows[i].n);
			jw_end_obj(w);
		}
		jw_end_arr(w);
		free(rows);
	}
	if ((l->collect & COLLECT_LATENCY) && (m = bpf_object__find_map_by_name(l->obj, "hist"))) {
		int fd = bpf_map__fd(m);
		/* slot i counts latencies in [2^i, 2^(i+1)) ns */
		jw_key(w, "latency_log2_ns");
		jw_obj(w);
		for (uint32_t i = 0; i < KPN_HIST_SLOTS; i++) {
			uint64_t v = percpu_sum(fd, i);
			char k[8];
			if (!v)
				continue;
			snprintf(k, sizeof(k), "%u", i);
			jw_kuint(w, k, v);
		}
		jw_end_obj(w);
	}
}
