/* Turns a struct kpn_event from the ring buffer into the protocol's event message. */
#ifndef KPN_DECODE_H
#define KPN_DECODE_H
#include "json.h"
#include "probe.h"

/* -1 when the record is malformed (counted as a decode error, never fatal). */
int decode_event(const struct kpn_link *l, const void *data, size_t size, struct ksyms *ks, struct jw *w);

#endif
