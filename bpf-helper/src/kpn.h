/* Event layout shared by the BPF programs (generic and generated) and the helper. */
#ifndef KPN_H
#define KPN_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define KPN_COMM_LEN   16
#define KPN_MAX_ARGS   5 /* libbpf's syscall wrappers read at most five */
#define KPN_MAX_VALS   16
#define KPN_RAW_MAX    128
#define KPN_USER_SLOTS 2
#define KPN_USER_MAX   64
#define KPN_STACK_MAX  16
#define KPN_HIST_SLOTS 64

enum kpn_ev_kind {
	KPN_EV_ENTRY = 1, /* function entry: vals[] are the first arguments */
	KPN_EV_EXIT  = 2, /* function return: ret, lat_ns when the entry was seen */
	KPN_EV_TP    = 3, /* tracepoint: raw[] is the record, decoded with its format file */
	KPN_EV_GEN   = 4, /* generated program: vals[] follow the generator's layout, user[] holds strings */
	KPN_EV_GEN_EXIT = 5, /* generated fexit program: as KPN_EV_GEN plus ret */
};

enum kpn_counter {
	KPN_CNT_HITS = 0,
	KPN_CNT_DROPS,        /* ring buffer full */
	KPN_CNT_RATE_LIMITED, /* over the per-CPU events/s budget */
	KPN_CNT_MAX,
};

struct kpn_event {
	__u64 ts_ns;
	__u32 pid;
	__u32 tid;
	__u32 kind;
	__u32 nvals;
	__s32 stack_sz;  /* bytes written by bpf_get_stack, <0 on error */
	__u32 raw_len;
	__s32 user_len[KPN_USER_SLOTS];
	char comm[KPN_COMM_LEN];
	__u64 vals[KPN_MAX_VALS];
	__u64 ret;
	__u64 lat_ns;
	__u8 raw[KPN_RAW_MAX];
	__u8 user[KPN_USER_SLOTS][KPN_USER_MAX];
	__u64 stack[KPN_STACK_MAX];
};

struct kpn_comm_key {
	__u32 pid;
	char comm[KPN_COMM_LEN];
};

#endif
