#include "names.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool ident_char(char c, bool first)
{
	if (c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return true;
	return !first && c >= '0' && c <= '9';
}

static bool ident_n(const char *s, size_t n)
{
	if (n == 0 || n > KPN_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!ident_char(s[i], i == 0))
			return false;
	return true;
}

bool kpn_valid_ident(const char *s)
{
	return s && ident_n(s, strlen(s));
}

bool kpn_split_tracepoint(const char *s, char *cat, size_t catlen, char *name, size_t namelen)
{
	const char *colon = s ? strchr(s, ':') : NULL;
	size_t cl, nl;

	if (!colon)
		return false;
	cl = colon - s;
	nl = strlen(colon + 1);
	if (!ident_n(s, cl) || !ident_n(colon + 1, nl) || cl >= catlen || nl >= namelen)
		return false;
	memcpy(cat, s, cl);
	cat[cl] = 0;
	memcpy(name, colon + 1, nl + 1);
	return true;
}

bool kpn_valid_symbol(const char *s)
{
	const char *dot;

	if (!s)
		return false;
	dot = strchr(s, '.');
	if (!dot)
		return kpn_valid_ident(s);
	if (!ident_n(s, dot - s) || strlen(s) > KPN_NAME_MAX)
		return false;
	for (const char *p = dot; *p; p++)
		if (!(*p == '.' || ident_char(*p, false)))
			return false;
	return !strstr(s, "..") && s[strlen(s) - 1] != '.';
}

/* Anyone who can send requests to the helper can already load BPF code; what this guards
 * against is a *different* local user swapping or editing the object between the editor
 * compiling it and the helper loading it. So: an absolute path, a regular file reached
 * without following a final symlink, owned by root or by the user who started the helper
 * (SUDO_UID/PKEXEC_UID when elevated), writable by nobody else, in a directory nobody else
 * can write to unless it is sticky (like /tmp). The caller reads the object from the
 * returned fd, so what was checked is what gets loaded. */
int kpn_open_trusted_object(const char *path, char *msg, size_t msglen)
{
	struct stat st, dst;
	char dir[4096];
	const char *slash;
	uid_t owner = getuid();
	const char *env;
	int fd;

	if (!path || path[0] != '/') {
		snprintf(msg, msglen, "object path must be absolute");
		return -1;
	}
	if (strlen(path) >= sizeof(dir)) {
		snprintf(msg, msglen, "object path too long");
		return -1;
	}
	if ((env = getenv("SUDO_UID")) || (env = getenv("PKEXEC_UID"))) {
		unsigned long u;
		char *end;
		u = strtoul(env, &end, 10);
		if (*env && !*end)
			owner = (uid_t)u;
	}
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		snprintf(msg, msglen, "cannot open object %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(msg, msglen, "object %s is not a regular file", path);
		goto bad;
	}
	if (st.st_uid != 0 && st.st_uid != owner) {
		snprintf(msg, msglen, "object %s is owned by uid %u, neither root nor uid %u", path,
			 (unsigned)st.st_uid, (unsigned)owner);
		goto bad;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(msg, msglen, "object %s is group- or world-writable", path);
		goto bad;
	}
	slash = strrchr(path, '/');
	memcpy(dir, path, slash - path);
	dir[slash == path ? 1 : (size_t)(slash - path)] = 0;
	if (slash == path)
		dir[0] = '/';
	if (stat(dir, &dst) == 0 && (dst.st_mode & (S_IWGRP | S_IWOTH)) && !(dst.st_mode & S_ISVTX)) {
		snprintf(msg, msglen, "directory %s is writable by others and not sticky", dir);
		goto bad;
	}
	return fd;
bad:
	close(fd);
	return -1;
}
