// SPDX-License-Identifier: GPL-2.0
/* kpn-bpf-helper: the privileged half of Kernel Probe Navigator's live probes.
 * Speaks JSON lines on stdin/stdout (see README.md for the protocol). Links live exactly as
 * long as this process: EOF on stdin, SIGTERM, SIGINT, SIGHUP and even SIGKILL leave nothing
 * attached, since nothing is pinned. */
#include "decode.h"
#include "json.h"
#include "kpn.h"
#include "names.h"
#include "probe.h"
#include "reaper.h"
#include <bpf/libbpf.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define KPN_PROTOCOL 1
#define KPN_VERSION "0.1.0"
#define MAX_LINE 65536
#define MAX_LINKS 64

static struct probe_ctx pctx;
static struct kpn_link *links;
static int next_link_id = 1;
static bool said_hello;
static int stats_interval_ms = 5000;
static struct jw out;
static bool out_broken;

static void emit(struct jw *w)
{
	size_t off = 0;

	if (out_broken)
		return;
	/* one write per message keeps lines whole for the reader */
	jw_raw(w, "\n", 1);
	while (off < w->len) {
		ssize_t n = write(STDOUT_FILENO, w->buf + off, w->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			out_broken = true; /* the client is gone: the main loop cleans up */
			return;
		}
		off += n;
	}
}

static void put_id(struct jw *w, const struct jreq *r)
{
	const struct jmember *id = r ? json_get(r, "id") : NULL;

	jw_key(w, "id");
	if (id && id->type == J_NUM && id->num == (double)(int64_t)id->num)
		jw_int(w, (int64_t)id->num);
	else if (id && id->type == J_STR && strlen(id->str) <= 128)
		jw_str(w, id->str);
	else
		jw_null(w);
}

static void reply_error(const struct jreq *r, const char *cmd, const char *code, const char *msg)
{
	jw_reset(&out);
	jw_obj(&out);
	put_id(&out, r);
	jw_kbool(&out, "ok", false);
	if (cmd)
		jw_kstr(&out, "cmd", cmd);
	jw_key(&out, "error");
	jw_obj(&out);
	jw_kstr(&out, "code", code);
	jw_kstr(&out, "message", msg);
	jw_end_obj(&out);
	jw_end_obj(&out);
	emit(&out);
}

static void begin_ok(const struct jreq *r, const char *cmd)
{
	jw_reset(&out);
	jw_obj(&out);
	put_id(&out, r);
	jw_kbool(&out, "ok", true);
	jw_kstr(&out, "cmd", cmd);
}

static void end_ok(void)
{
	jw_end_obj(&out);
	emit(&out);
}

static void put_link(struct jw *w, struct kpn_link *l)
{
	jw_kint(w, "link", l->id);
	jw_kstr(w, "attach", kpn_type_name(l->type));
	jw_kstr(w, "target", l->target);
	jw_kstr(w, "resolved", l->resolved);
	jw_kbool(w, "generated", l->generated);
	jw_key(w, "programs");
	jw_arr(w);
	for (int i = 0; i < 2; i++)
		if (l->progs[i])
			jw_str(w, bpf_program__name(l->progs[i]));
	jw_end_arr(w);
}

static void put_all_stats(struct jw *w)
{
	jw_key(w, "links");
	jw_arr(w);
	for (struct kpn_link *l = links; l; l = l->next) {
		jw_obj(w);
		put_link(w, l);
		probe_stats(l, w);
		jw_end_obj(w);
	}
	jw_end_arr(w);
}

static struct jw evw;

static int on_ring_event(void *ctx, void *data, size_t size)
{
	struct kpn_link *l = ctx;
	struct ksyms *ks = (l->collect & COLLECT_STACK) ? probe_ksyms(&pctx) : NULL;

	jw_reset(&evw);
	if (decode_event(l, data, size, ks, &evw)) {
		l->decode_errors++;
		return 0;
	}
	l->events_out++;
	emit(&evw);
	return out_broken ? -EPIPE : 0;
}

static int count_links(void)
{
	int n = 0;
	for (struct kpn_link *l = links; l; l = l->next)
		n++;
	return n;
}

static void cmd_hello(const struct jreq *r)
{
	int64_t v = 0, iv;
	struct utsname u;

	if (json_get_int(r, "protocol", 1, 1 << 30, &v) != 1) {
		reply_error(r, "hello", "EINVAL_ARG", "hello needs \"protocol\": a positive integer");
		return;
	}
	if (v != KPN_PROTOCOL) {
		char msg[128];
		snprintf(msg, sizeof(msg), "client speaks protocol %lld, this helper speaks %d", (long long)v, KPN_PROTOCOL);
		reply_error(r, "hello", "EPROTO_VERSION", msg);
		return;
	}
	int rc = json_get_int(r, "stats_interval_ms", 0, 3600000, &iv);
	if (rc < 0) {
		reply_error(r, "hello", "EINVAL_ARG", "stats_interval_ms: 0 (off) to 3600000");
		return;
	}
	if (rc == 1)
		stats_interval_ms = iv == 0 ? 0 : iv < 100 ? 100 : (int)iv;
	said_hello = true;
	uname(&u);
	begin_ok(r, "hello");
	jw_kint(&out, "protocol", KPN_PROTOCOL);
	jw_kstr(&out, "helper", "kpn-bpf-helper " KPN_VERSION);
	jw_kint(&out, "pid", getpid());
	jw_kuint(&out, "euid", geteuid());
	jw_kstr(&out, "kernel", u.release);
	jw_kint(&out, "max_line", MAX_LINE);
	jw_key(&out, "features");
	jw_obj(&out);
	jw_kbool(&out, "kprobes", kprobes_available());
	jw_kbool(&out, "btf", access("/sys/kernel/btf/vmlinux", R_OK) == 0);
	jw_kbool(&out, "tracefs", tp_tracefs_root() != NULL);
	jw_end_obj(&out);
	jw_key(&out, "types");
	jw_arr(&out);
	for (int t = KT_KPROBE; t < KT__N; t++)
		jw_str(&out, kpn_type_name(t));
	jw_end_arr(&out);
	end_ok();
}

static void put_probe_error(const struct jreq *r, const char *cmd, const struct probe_err *e)
{
	jw_reset(&out);
	jw_obj(&out);
	put_id(&out, r);
	jw_kbool(&out, "ok", false);
	jw_kstr(&out, "cmd", cmd);
	jw_key(&out, "error");
	jw_obj(&out);
	jw_kstr(&out, "code", e->code ? e->code : "EINTERNAL");
	jw_kstr(&out, "message", e->message);
	if (e->detail[0])
		jw_kstr(&out, "detail", e->detail);
	if (e->ntried) {
		jw_key(&out, "tried");
		jw_arr(&out);
		for (int i = 0; i < e->ntried; i++) {
			jw_obj(&out);
			jw_kstr(&out, "type", kpn_type_name(e->tried[i].type));
			jw_kstr(&out, "code", e->tried[i].code ? e->tried[i].code : "EINTERNAL");
			jw_kstr(&out, "message", e->tried[i].message);
			jw_end_obj(&out);
		}
		jw_end_arr(&out);
	}
	jw_key(&out, "alternatives");
	jw_arr(&out);
	for (int i = 0; i < e->nalt; i++)
		jw_str(&out, e->alternatives[i]);
	jw_end_arr(&out);
	jw_end_obj(&out);
	jw_end_obj(&out);
	emit(&out);
}

/* Shared by attach and verify: the same checks, the same loading; verify stops before attach. */
static void cmd_attach(const struct jreq *r, bool verify)
{
	const char *cmd = verify ? "verify" : "attach";
	struct probe_req pr = { .type = KT_AUTO, .collect = COLLECT_EVENTS, .nargs = -1, .rate = 10000, .verify_only = verify };
	const char *s;
	int64_t v;
	struct probe_err *err;
	struct jw notes;

	pr.target = json_get_str(r, "target");
	if (!pr.target) {
		reply_error(r, cmd, "EINVAL_ARG", "\"target\" (a string) is required");
		return;
	}
	if ((s = json_get_str(r, "type")) && !kpn_type_parse(s, &pr.type)) {
		reply_error(r, cmd, "EINVAL_TYPE",
			    "type must be one of auto, kprobe, kretprobe, fentry, fexit, tracepoint, raw_tracepoint, tp_btf, ksyscall, kretsyscall");
		return;
	}
	if (json_get(r, "type") && !s) {
		reply_error(r, cmd, "EINVAL_TYPE", "type must be a string");
		return;
	}
	if ((s = json_get_str(r, "collect")) && probe_parse_collect(s, &pr.collect)) {
		reply_error(r, cmd, "EINVAL_ARG", "collect is a comma list of events, count, comm, latency, stack");
		return;
	}
	if (json_get_int(r, "nargs", 0, KPN_MAX_ARGS, &v) < 0) {
		reply_error(r, cmd, "EINVAL_ARG", "nargs: 0 to 5");
		return;
	} else if (json_get(r, "nargs")) {
		pr.nargs = (int)v;
	}
	if (json_get_int(r, "pid", 0, 0x7fffffff, &v) < 0) {
		reply_error(r, cmd, "EINVAL_ARG", "pid: a process id");
		return;
	} else if (json_get(r, "pid")) {
		pr.tgid = (uint32_t)v;
	}
	if (json_get_int(r, "rate", 0, 10000000, &v) < 0) {
		reply_error(r, cmd, "EINVAL_ARG", "rate: events per second per CPU, 0 for unlimited");
		return;
	} else if (json_get(r, "rate")) {
		pr.rate = (uint32_t)v;
	}
	if ((s = json_get_str(r, "addr"))) {
		char *end;
		errno = 0;
		pr.addr = strtoull(s, &end, 16);
		if (errno || *end || !*s || !pr.addr) {
			reply_error(r, cmd, "EINVAL_ARG", "addr: a hex kernel address as a string, e.g. \"0xffffffff81234560\"");
			return;
		}
	}
	pr.object = json_get_str(r, "object");
	if (json_get(r, "object") && !pr.object) {
		reply_error(r, cmd, "EINVAL_ARG", "object must be a path string");
		return;
	}
	if (!verify && count_links() >= MAX_LINKS) {
		reply_error(r, cmd, "ELIMIT", "too many links: detach some first");
		return;
	}
	err = calloc(1, sizeof(*err));
	if (!err) {
		reply_error(r, cmd, "ENOMEM", "out of memory");
		return;
	}
	jw_init(&notes);
	jw_arr(&notes);
	struct kpn_link *l = probe_open(&pctx, &pr, err, &notes);
	jw_end_arr(&notes);
	if (!l) {
		put_probe_error(r, cmd, err);
		goto out;
	}
	if (verify) {
		begin_ok(r, cmd);
		jw_kstr(&out, "attach", kpn_type_name(l->type));
		jw_kstr(&out, "target", l->target);
		jw_kstr(&out, "resolved", l->resolved);
		jw_key(&out, "programs");
		jw_arr(&out);
		for (int i = 0; i < 2; i++)
			if (l->progs[i])
				jw_str(&out, bpf_program__name(l->progs[i]));
		jw_end_arr(&out);
		/* can it also attach here? said now so the editor can grey the option out */
		bool kp = l->type == KT_KPROBE || l->type == KT_KRETPROBE || l->type == KT_KSYSCALL || l->type == KT_KRETSYSCALL;
		jw_kbool(&out, "attachable", !(kp && !kprobes_available()));
		if (kp && !kprobes_available())
			jw_kstr(&out, "not_attachable_code", "ENOKPROBES");
		jw_key(&out, "notes");
		jw_raw_value(&out, notes.buf, notes.len);
		end_ok();
		probe_destroy(l); /* verify: nothing stays loaded */
		goto out;
	}
	l->id = next_link_id++;
	if (!(l->collect & (COLLECT_EVENTS | COLLECT_STACK)) && !l->generated) {
		/* counters only: no ring buffer to poll */
	} else {
		struct bpf_map *m = bpf_object__find_map_by_name(l->obj, "events");
		l->rb = m ? ring_buffer__new(bpf_map__fd(m), on_ring_event, l, NULL) : NULL;
		if (!l->rb) {
			struct probe_err e2 = { .code = "EINVAL_OBJECT" };
			snprintf(e2.message, sizeof(e2.message), "the object has no usable ring buffer map named events");
			put_probe_error(r, cmd, &e2);
			probe_destroy(l);
			goto out;
		}
	}
	l->next = links;
	links = l;
	begin_ok(r, cmd);
	put_link(&out, l);
	jw_key(&out, "timing_us");
	jw_obj(&out);
	jw_kint(&out, "prepare", l->timing_us.prepare);
	jw_kint(&out, "open", l->timing_us.open);
	jw_kint(&out, "load", l->timing_us.load);
	jw_kint(&out, "attach", l->timing_us.attach);
	jw_end_obj(&out);
	jw_key(&out, "notes");
	jw_raw_value(&out, notes.buf, notes.len);
	end_ok();
out:
	jw_free(&notes);
	free(err);
}

static struct kpn_link *unlink_id(int id)
{
	for (struct kpn_link **pp = &links; *pp; pp = &(*pp)->next)
		if ((*pp)->id == id) {
			struct kpn_link *l = *pp;
			*pp = l->next;
			return l;
		}
	return NULL;
}

static void cmd_detach(const struct jreq *r)
{
	int64_t id;
	struct kpn_link *l;

	if (json_get_int(r, "link", 1, 1 << 30, &id) != 1) {
		reply_error(r, "detach", "EINVAL_ARG", "detach needs \"link\": the id attach returned");
		return;
	}
	if (!(l = unlink_id((int)id))) {
		reply_error(r, "detach", "ENOLINK", "no such link");
		return;
	}
	if (l->rb)
		ring_buffer__consume(l->rb); /* deliver what was already captured */
	begin_ok(r, "detach");
	put_link(&out, l);
	probe_stats(l, &out);
	end_ok();
	ring_buffer__free(l->rb); /* the main loop's: freed here, the kernel side on the reaper */
	l->rb = NULL;
	reaper_submit(l);
}

static void cmd_list(const struct jreq *r)
{
	begin_ok(r, "list");
	jw_key(&out, "links");
	jw_arr(&out);
	for (struct kpn_link *l = links; l; l = l->next) {
		jw_obj(&out);
		put_link(&out, l);
		jw_end_obj(&out);
	}
	jw_end_arr(&out);
	end_ok();
}

static void cmd_stats(const struct jreq *r)
{
	begin_ok(r, "stats");
	put_all_stats(&out);
	end_ok();
}

static void handle_line(const char *line, size_t n)
{
	static struct jreq req;
	char err[160];
	const char *cmd;

	if (json_parse_request(line, n, &req, err, sizeof(err))) {
		char msg[200];
		snprintf(msg, sizeof(msg), "bad JSON: %s", err);
		reply_error(NULL, NULL, "EBADJSON", msg);
		return;
	}
	cmd = json_get_str(&req, "cmd");
	if (!cmd) {
		reply_error(&req, NULL, "EINVAL_ARG", "a request needs \"cmd\"");
		return;
	}
	if (!strcmp(cmd, "hello"))
		return cmd_hello(&req);
	if (strcmp(cmd, "attach") && strcmp(cmd, "verify") && strcmp(cmd, "detach") && strcmp(cmd, "list") &&
	    strcmp(cmd, "stats")) {
		char msg[200];
		snprintf(msg, sizeof(msg), "unknown command \"%.64s\": hello, attach, verify, detach, list, stats", cmd);
		reply_error(&req, NULL, "EUNKNOWN_CMD", msg);
		return;
	}
	if (!said_hello) {
		reply_error(&req, cmd, "ENOHELLO", "send hello with the protocol version first");
		return;
	}
	if (!strcmp(cmd, "attach") || !strcmp(cmd, "verify"))
		cmd_attach(&req, !strcmp(cmd, "verify"));
	else if (!strcmp(cmd, "detach"))
		cmd_detach(&req);
	else if (!strcmp(cmd, "list"))
		cmd_list(&req);
	else
		cmd_stats(&req);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void detach_all(const char *reason)
{
	while (links) {
		struct kpn_link *l = links;
		links = l->next;
		probe_destroy(l);
	}
	reaper_drain();
	jw_reset(&out);
	jw_obj(&out);
	jw_kstr(&out, "type", "bye");
	jw_kstr(&out, "reason", reason);
	jw_end_obj(&out);
	emit(&out);
}

int main(int argc, char **argv)
{
	static char buf[MAX_LINE + 1];
	size_t len = 0;
	bool discarding = false;
	sigset_t mask;
	int sfd;
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	int64_t next_stats;
	const char *reason = "eof";

	if (argc > 1 && !strcmp(argv[1], "--version")) {
		printf("kpn-bpf-helper %s protocol %d\n", KPN_VERSION, KPN_PROTOCOL);
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "usage: kpn-bpf-helper   (speaks JSON lines on stdin/stdout)\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	setrlimit(RLIMIT_MEMLOCK, &rl); /* kernels before 5.11 charge BPF maps to memlock */
	probe_ctx_init(&pctx);
	jw_init(&out);
	jw_init(&evw);
	next_stats = now_ms() + stats_interval_ms;

	while (!out_broken) {
		struct pollfd pfd[2 + MAX_LINKS];
		struct kpn_link *pl[2 + MAX_LINKS];
		int n = 0;
		pfd[n++] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		for (struct kpn_link *l = links; l && n < 2 + MAX_LINKS; l = l->next)
			if (l->rb) {
				pl[n] = l;
				pfd[n++] = (struct pollfd){ .fd = ring_buffer__epoll_fd(l->rb), .events = POLLIN };
			}
		int timeout = -1;
		if (stats_interval_ms && links) {
			int64_t d = next_stats - now_ms();
			timeout = d < 0 ? 0 : (int)d;
		}
		int rc = poll(pfd, n, timeout);
		if (rc < 0 && errno != EINTR)
			break;
		if (stats_interval_ms && links && now_ms() >= next_stats) {
			jw_reset(&out);
			jw_obj(&out);
			jw_kstr(&out, "type", "stats");
			put_all_stats(&out);
			jw_end_obj(&out);
			emit(&out);
			next_stats = now_ms() + stats_interval_ms;
		} else if (!links) {
			next_stats = now_ms() + stats_interval_ms;
		}
		if (rc <= 0)
			continue;
		if (pfd[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				reason = si.ssi_signo == SIGTERM ? "SIGTERM" : si.ssi_signo == SIGINT ? "SIGINT" : "SIGHUP";
				break;
			}
		}
		for (int i = 2; i < n; i++)
			if (pfd[i].revents & POLLIN)
				ring_buffer__consume(pl[i]->rb);
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t got = read(STDIN_FILENO, buf + len, MAX_LINE + 1 - len);
			if (got < 0 && errno == EINTR)
				continue;
			if (got <= 0)
				break; /* EOF: the editor is gone */
			size_t start = 0, end = len + got;
			for (size_t i = len; i < end; i++) {
				if (buf[i] != '\n')
					continue;
				if (!discarding && i > start)
					handle_line(buf + start, i - start);
				discarding = false;
				start = i + 1;
			}
			memmove(buf, buf + start, end - start);
			len = end - start;
			if (len > MAX_LINE) {
				if (!discarding) {
					char msg[96];
					snprintf(msg, sizeof(msg), "request line longer than %d bytes: ignored up to the next newline", MAX_LINE);
					reply_error(NULL, NULL, "ETOOLONG", msg);
				}
				discarding = true;
				len = 0;
			}
		}
	}
	detach_all(out_broken ? "stdout closed" : reason);
	jw_free(&out);
	jw_free(&evw);
	probe_ctx_free(&pctx);
	return 0;
}
