/* Input validation. The TypeScript client checks the same rules; this is the check that counts. */
#ifndef KPN_NAMES_H
#define KPN_NAMES_H
#include <stdbool.h>
#include <stddef.h>

#define KPN_NAME_MAX 128

bool kpn_valid_ident(const char *s);
/* category:name, both C identifiers. cat/name receive the parts. */
bool kpn_split_tracepoint(const char *s, char *cat, size_t catlen, char *name, size_t namelen);
/* A kallsyms clone suffix such as tcp_sendmsg.isra.0 or foo.constprop.3 — ident(.word(.digits)?)* */
bool kpn_valid_symbol(const char *s);
/* Trust rule for objects given by path; returns an fd opened O_NOFOLLOW on success, or -1 with msg. */
int kpn_open_trusted_object(const char *path, char *msg, size_t msglen);

#endif
