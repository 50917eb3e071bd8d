#include "tpfmt.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

const char *tp_tracefs_root(void)
{
	static const char *root;
	struct stat st;

	if (root)
		return root;
	if (stat("/sys/kernel/tracing/events", &st) == 0)
		return root = "/sys/kernel/tracing";
	if (mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL) == 0 &&
	    stat("/sys/kernel/tracing/events", &st) == 0)
		return root = "/sys/kernel/tracing";
	if (stat("/sys/kernel/debug/tracing/events", &st) == 0)
		return root = "/sys/kernel/debug/tracing";
	return NULL;
}

bool tp_exists(const char *cat, const char *name)
{
	char path[512];
	const char *root = tp_tracefs_root();
	if (!root)
		return false;
	snprintf(path, sizeof(path), "%s/events/%s/%s/id", root, cat, name);
	return access(path, R_OK) == 0;
}

static void classify(struct tp_field *f)
{
	const char *t = f->type;

	f->user = TPU_NONE;
	if (!strncmp(t, "__data_loc", 10)) {
		f->kind = strstr(t, "char") ? TPF_DATA_LOC_STR : TPF_OTHER;
	} else if (strchr(t, '[')) {
		f->kind = strstr(t, "char") ? TPF_CHARS : TPF_OTHER;
	} else if (strchr(t, '*')) {
		f->kind = TPF_PTR;
		if (strstr(t, "struct sockaddr"))
			f->user = TPU_SOCKADDR;
		else if (strstr(t, "char") && (strstr(f->name, "name") || strstr(f->name, "path")))
			f->user = TPU_STRING;
	} else if (f->size == 1 || f->size == 2 || f->size == 4 || f->size == 8) {
		f->kind = TPF_INT;
	} else {
		f->kind = TPF_OTHER;
	}
}

/* A line looks like: "\tfield:struct sockaddr * uservaddr;\toffset:24;\tsize:8;\tsigned:0;" */
static int parse_field(const char *line, struct tp_field *f)
{
	const char *decl = strstr(line, "field:"), *semi, *p;
	char buf[192];
	size_t l;
	int sgn = 0;

	if (!decl)
		return -1;
	decl += 6;
	semi = strchr(decl, ';');
	if (!semi || (l = semi - decl) >= sizeof(buf))
		return -1;
	memcpy(buf, decl, l);
	buf[l] = 0;
	if (!(p = strstr(semi, "offset:")) || sscanf(p, "offset:%u;", &f->offset) != 1)
		return -1;
	if (!(p = strstr(semi, "size:")) || sscanf(p, "size:%u;", &f->size) != 1)
		return -1;
	if ((p = strstr(semi, "signed:")))
		sscanf(p, "signed:%d;", &sgn);
	f->is_signed = sgn;
	/* the name is the last identifier, before any array suffix; in "__data_loc char[] filename"
	 * the brackets belong to the type, not to the name */
	char *end = buf + l;
	char *br = strrchr(buf, '[');
	if (br) {
		const char *q = strchr(br, ']');
		if (!q)
			return -1;
		for (q++; *q == ' '; q++)
			;
		if (*q)
			br = NULL;
	}
	char *name_end = br ? br : end;
	while (name_end > buf && name_end[-1] == ' ')
		name_end--;
	char *name_start = name_end;
	while (name_start > buf && (name_start[-1] == '_' || (name_start[-1] >= 'a' && name_start[-1] <= 'z') ||
				    (name_start[-1] >= 'A' && name_start[-1] <= 'Z') ||
				    (name_start[-1] >= '0' && name_start[-1] <= '9')))
		name_start--;
	if (name_start == name_end || (size_t)(name_end - name_start) >= sizeof(f->name))
		return -1;
	memcpy(f->name, name_start, name_end - name_start);
	f->name[name_end - name_start] = 0;
	snprintf(f->type, sizeof(f->type), "%.*s%s", (int)(name_start - buf), buf, br ? br : "");
	classify(f);
	return 0;
}

int tp_format_load(const char *cat, const char *name, struct tp_format *out)
{
	char path[512], line[512];
	const char *root = tp_tracefs_root();
	FILE *f;

	if (!root)
		return -ENODEV;
	snprintf(path, sizeof(path), "%s/events/%s/%s/format", root, cat, name);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	memset(out, 0, sizeof(*out));
	while (fgets(line, sizeof(line), f)) {
		struct tp_field fld;
		if (!strstr(line, "field:") || out->nfields >= TP_MAX_FIELDS)
			continue;
		memset(&fld, 0, sizeof(fld));
		if (parse_field(line, &fld))
			continue;
		if (fld.offset + fld.size > out->record_len)
			out->record_len = fld.offset + fld.size;
		if (!strncmp(fld.type, "__data_loc", 10) || !strncmp(fld.type, "__rel_loc", 9))
			out->dynamic = true;
		out->f[out->nfields++] = fld;
	}
	fclose(f);
	return out->nfields ? 0 : -EINVAL;
}
