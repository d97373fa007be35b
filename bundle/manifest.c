// SPDX-License-Identifier: GPL-2.0
/* manifest.c - read and write manifest.json with jansson. */
#include <arpa/inet.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "bundle/manifest.h"
#include "lib/afile.h"

int xpkt_bundle_path(char *buf, size_t len, const char *bundle, const char *file)
{
	int n = snprintf(buf, len, "%s/%s", bundle, file);

	return (n < 0 || (size_t)n >= len) ? -1 : 0;
}

static const char *const clock_names[] = {"tsc", "ns"};

static int copy_str(char *dst, size_t len, json_t *obj, const char *key, int required,
		    const char *path, struct xpkt_err *err)
{
	json_t *v = json_object_get(obj, key);

	if (!v) {
		dst[0] = 0;
		return required ? xpkt_err_set(err, "%s: missing \"%s\"", path, key) : 0;
	}
	if (!json_is_string(v))
		return xpkt_err_set(err, "%s: \"%s\" is not a string", path, key);
	if (strlen(json_string_value(v)) >= len)
		return xpkt_err_set(err, "%s: \"%s\" is too long", path, key);
	strcpy(dst, json_string_value(v));
	return 0;
}

static int get_int(json_t *obj, const char *key, int64_t *out, int64_t min, int64_t max,
		   int required, const char *path, struct xpkt_err *err)
{
	json_t *v = json_object_get(obj, key);

	if (!v) {
		*out = 0;
		return required ? xpkt_err_set(err, "%s: missing \"%s\"", path, key) : 0;
	}
	if (!json_is_integer(v))
		return xpkt_err_set(err, "%s: \"%s\" is not an integer", path, key);
	*out = json_integer_value(v);
	if (*out < min || *out > max)
		return xpkt_err_set(err, "%s: \"%s\" out of range", path, key);
	return 0;
}

/* Optional "pmu": {"available": bool, "reason": "...", "counters": ["cycles", ...]}. */
static int read_pmu(json_t *o, struct xpkt_source *s, const char *path, struct xpkt_err *err)
{
	struct xpkt_pmu_info *p = &s->pmu;
	json_t *av, *arr, *it;
	size_t i;

	if (!o)
		return 0;
	av = json_object_get(o, "available");
	if (!json_is_object(o) || !json_is_boolean(av))
		return xpkt_err_set(err, "%s: source %s: bad \"pmu\" (needs \"available\")", path,
				    s->name);
	p->known = 1;
	p->available = json_is_true(av);
	if (copy_str(p->reason, sizeof(p->reason), o, "reason", 0, path, err))
		return -1;
	arr = json_object_get(o, "counters");
	if (!arr)
		return 0;
	if (!json_is_array(arr) || json_array_size(arr) > XPKT_PMU_MAX)
		return xpkt_err_set(err, "%s: source %s: bad \"pmu\" \"counters\" (at most %d)",
				    path, s->name, XPKT_PMU_MAX);
	json_array_foreach(arr, i, it)
	{
		if (!json_is_string(it) || !json_string_value(it)[0] ||
		    strlen(json_string_value(it)) >= sizeof(p->counters[0]))
			return xpkt_err_set(err, "%s: source %s: bad \"pmu\" counter", path,
					    s->name);
		strcpy(p->counters[p->ncounters++], json_string_value(it));
	}
	return 0;
}

static int read_source(json_t *js, struct xpkt_source *s, const char *path, struct xpkt_err *err)
{
	char buf[32];
	int64_t v;
	json_t *arr, *it;
	size_t i;
	int d;

	if (!json_is_object(js))
		return xpkt_err_set(err, "%s: a source is not an object", path);
	if (copy_str(s->name, sizeof(s->name), js, "name", 1, path, err) ||
	    copy_str(buf, sizeof(buf), js, "domain", 1, path, err) ||
	    copy_str(s->format, sizeof(s->format), js, "format", 1, path, err) ||
	    copy_str(s->file, sizeof(s->file), js, "file", 1, path, err) ||
	    copy_str(s->clock_name, sizeof(s->clock_name), js, "clock", 1, path, err) ||
	    copy_str(s->offset_from, sizeof(s->offset_from), js, "offset_from", 0, path, err) ||
	    copy_str(s->kernel, sizeof(s->kernel), js, "kernel", 0, path, err))
		return -1;
	if (get_int(js, "skb_fclone_offset", &v, 0, 65535, 0, path, err))
		return -1;
	s->skb_fclone_offset = (uint32_t)v;
	d = xpkt_domain_parse(buf);
	if (d < 0)
		return xpkt_err_set(err, "%s: source %s: unknown domain \"%s\"", path, s->name,
				    buf);
	s->domain = (enum xpkt_domain)d;
	if (strstr(s->file, "..") || s->file[0] == '/')
		return xpkt_err_set(err, "%s: source %s: file must be inside the bundle", path,
				    s->name);
	if (get_int(js, "domid", &v, 0, 0xffff, 0, path, err))
		return -1;
	s->domid = json_object_get(js, "domid") ? (uint16_t)v : XPKT_DOMID_NONE;
	if (copy_str(buf, sizeof(buf), js, "timebase", 1, path, err))
		return -1;
	if (!strcmp(buf, clock_names[XPKT_CLOCK_TSC]))
		s->clock = XPKT_CLOCK_TSC;
	else if (!strcmp(buf, clock_names[XPKT_CLOCK_NS]))
		s->clock = XPKT_CLOCK_NS;
	else
		return xpkt_err_set(err, "%s: source %s: timebase must be tsc or ns", path,
				    s->name);
	if (get_int(js, "tsc_offset", &s->tsc_offset, INT64_MIN, INT64_MAX, 0, path, err) ||
	    get_int(js, "offset_ns", &s->offset_ns, INT64_MIN, INT64_MAX, 0, path, err) ||
	    get_int(js, "lost_events", &v, 0, INT64_MAX, 0, path, err))
		return -1;
	s->lost_events = (uint64_t)v;

	arr = json_object_get(js, "addrs");
	if (arr) {
		if (!json_is_array(arr) || json_array_size(arr) > XPKT_MAX_ADDRS)
			return xpkt_err_set(err, "%s: source %s: bad \"addrs\"", path, s->name);
		json_array_foreach(arr, i, it)
		{
			struct in_addr a;

			if (!json_is_string(it) ||
			    inet_pton(AF_INET, json_string_value(it), &a) != 1)
				return xpkt_err_set(err, "%s: source %s: bad address", path,
						    s->name);
			s->addrs[s->naddrs++] = ntohl(a.s_addr);
		}
	}
	arr = json_object_get(js, "unavailable");
	if (arr) {
		if (!json_is_array(arr) || json_array_size(arr) > XPKT_MAX_UNAVAILABLE)
			return xpkt_err_set(err, "%s: source %s: bad \"unavailable\"", path,
					    s->name);
		json_array_foreach(arr, i, it)
		{
			if (!json_is_string(it) ||
			    strlen(json_string_value(it)) >= sizeof(s->unavailable[0]))
				return xpkt_err_set(err, "%s: source %s: bad \"unavailable\" entry",
						    path, s->name);
			strcpy(s->unavailable[s->nunavailable++], json_string_value(it));
		}
	}
	arr = json_object_get(js, "perf_events");
	if (arr) {
		if (!json_is_array(arr) || json_array_size(arr) > XPKT_EVSET_MAX_)
			return xpkt_err_set(err, "%s: source %s: bad \"perf_events\"", path,
					    s->name);
		json_array_foreach(arr, i, it)
		{
			if (!json_is_string(it) ||
			    strlen(json_string_value(it)) >= sizeof(s->perf_events[0]))
				return xpkt_err_set(err, "%s: source %s: bad \"perf_events\" entry",
						    path, s->name);
			strcpy(s->perf_events[s->nperf_events++], json_string_value(it));
		}
	}
	arr = json_object_get(js, "filters");
	if (arr) {
		const char *key;

		if (!json_is_object(arr) || json_object_size(arr) > XPKT_MAX_FILTERS)
			return xpkt_err_set(err, "%s: source %s: bad \"filters\"", path, s->name);
		json_object_foreach(arr, key, it)
		{
			if (!json_is_string(it) || strlen(key) >= sizeof(s->filters[0].event) ||
			    strlen(json_string_value(it)) >= sizeof(s->filters[0].expr))
				return xpkt_err_set(err, "%s: source %s: bad \"filters\" entry",
						    path, s->name);
			strcpy(s->filters[s->nfilters].event, key);
			strcpy(s->filters[s->nfilters++].expr, json_string_value(it));
		}
	}
	if (read_pmu(json_object_get(js, "pmu"), s, path, err))
		return -1;
	arr = json_object_get(js, "ifaces");
	if (arr) {
		if (!json_is_array(arr) || json_array_size(arr) > XPKT_MAX_IFACES)
			return xpkt_err_set(err, "%s: source %s: bad \"ifaces\"", path, s->name);
		json_array_foreach(arr, i, it)
		{
			struct xpkt_iface *f = &s->ifaces[s->nifaces++];
			int k;

			if (!json_is_object(it) ||
			    get_int(it, "ifindex", &v, 0, 0xffff, 1, path, err))
				return xpkt_err_set(err, "%s: source %s: bad iface", path, s->name);
			f->ifindex = (uint16_t)v;
			if (copy_str(f->name, sizeof(f->name), it, "name", 1, path, err) ||
			    copy_str(buf, sizeof(buf), it, "kind", 1, path, err))
				return -1;
			k = xpkt_dev_kind_parse(buf);
			if (k < 0)
				return xpkt_err_set(err, "%s: iface %s: unknown kind \"%s\"", path,
						    f->name, buf);
			f->kind = (enum xpkt_dev_kind)k;
			if (get_int(it, "domid", &v, 0, 0xffff, 0, path, err))
				return -1;
			f->domid = (uint16_t)v;
			if (get_int(it, "handle", &v, 0, 0xffff, 0, path, err))
				return -1;
			f->handle = (uint16_t)v;
		}
	}
	return 0;
}

int xpkt_manifest_read(const char *bundle, struct xpkt_manifest *m, struct xpkt_err *err)
{
	char path[4200];
	json_error_t jerr;
	json_t *root, *srcs, *it;
	int64_t v;
	size_t i;
	int rc = -1;

	memset(m, 0, sizeof(*m));
	if (xpkt_bundle_path(path, sizeof(path), bundle, "manifest.json"))
		return xpkt_err_set(err, "%s: path too long", bundle);
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return xpkt_err_set(err, "%s: offset %d: %s", path, jerr.position, jerr.text);
	if (!json_is_object(root)) {
		xpkt_err_set(err, "%s: not a JSON object", path);
		goto out;
	}
	{
		char fmt[32];

		if (copy_str(fmt, sizeof(fmt), root, "format", 1, path, err))
			goto out;
		if (strcmp(fmt, "xpkttrace-bundle")) {
			xpkt_err_set(err, "%s: not an xpkttrace bundle manifest", path);
			goto out;
		}
	}
	if (get_int(root, "version", &v, 1, XPKT_BUNDLE_VERSION, 1, path, err))
		goto out;
	m->version = (int)v;
	if (get_int(root, "tsc_hz", &v, 1000000, INT64_MAX, 1, path, err))
		goto out;
	m->tsc_hz = (uint64_t)v;
	if (copy_str(m->created_by, sizeof(m->created_by), root, "created_by", 0, path, err) ||
	    copy_str(m->mode, sizeof(m->mode), root, "mode", 1, path, err) ||
	    copy_str(m->workload, sizeof(m->workload), root, "workload", 0, path, err))
		goto out;
	{
		json_t *inc = json_object_get(root, "incomplete");

		if (inc && !json_is_boolean(inc)) {
			xpkt_err_set(err, "%s: \"incomplete\" is not a boolean", path);
			goto out;
		}
		m->incomplete = inc && json_is_true(inc);
	}
	srcs = json_object_get(root, "sources");
	if (!json_is_array(srcs) || json_array_size(srcs) == 0 ||
	    json_array_size(srcs) > XPKT_MAX_SOURCES) {
		xpkt_err_set(err, "%s: \"sources\" must be an array of 1 to %d sources", path,
			     XPKT_MAX_SOURCES);
		goto out;
	}
	json_array_foreach(srcs, i, it)
	{
		if (read_source(it, &m->sources[m->nsources], path, err))
			goto out;
		m->nsources++;
	}
	rc = 0;
out:
	json_decref(root);
	return rc;
}

static json_t *source_json(const struct xpkt_source *s)
{
	json_t *o = json_object();
	char buf[INET_ADDRSTRLEN];

	json_object_set_new(o, "name", json_string(s->name));
	json_object_set_new(o, "domain", json_string(xpkt_domain_name(s->domain)));
	if (s->domid != XPKT_DOMID_NONE)
		json_object_set_new(o, "domid", json_integer(s->domid));
	json_object_set_new(o, "format", json_string(s->format));
	json_object_set_new(o, "file", json_string(s->file));
	json_object_set_new(o, "clock", json_string(s->clock_name));
	json_object_set_new(o, "timebase", json_string(clock_names[s->clock]));
	json_object_set_new(o, "tsc_offset", json_integer(s->tsc_offset));
	json_object_set_new(o, "offset_ns", json_integer(s->offset_ns));
	if (s->offset_from[0])
		json_object_set_new(o, "offset_from", json_string(s->offset_from));
	json_object_set_new(o, "lost_events", json_integer((json_int_t)s->lost_events));
	if (s->kernel[0])
		json_object_set_new(o, "kernel", json_string(s->kernel));
	if (s->skb_fclone_offset)
		json_object_set_new(o, "skb_fclone_offset", json_integer(s->skb_fclone_offset));
	if (s->naddrs) {
		json_t *a = json_array();

		for (unsigned i = 0; i < s->naddrs; i++) {
			struct in_addr in = {.s_addr = htonl(s->addrs[i])};

			inet_ntop(AF_INET, &in, buf, sizeof(buf));
			json_array_append_new(a, json_string(buf));
		}
		json_object_set_new(o, "addrs", a);
	}
	if (s->nifaces) {
		json_t *a = json_array();

		for (unsigned i = 0; i < s->nifaces; i++) {
			const struct xpkt_iface *f = &s->ifaces[i];
			json_t *fo = json_object();

			json_object_set_new(fo, "ifindex", json_integer(f->ifindex));
			json_object_set_new(fo, "name", json_string(f->name));
			json_object_set_new(fo, "kind", json_string(xpkt_dev_kind_name(f->kind)));
			if (f->kind == XPKT_DEV_VIF) {
				json_object_set_new(fo, "domid", json_integer(f->domid));
				json_object_set_new(fo, "handle", json_integer(f->handle));
			}
			json_array_append_new(a, fo);
		}
		json_object_set_new(o, "ifaces", a);
	}
	if (s->nunavailable) {
		json_t *a = json_array();

		for (unsigned i = 0; i < s->nunavailable; i++)
			json_array_append_new(a, json_string(s->unavailable[i]));
		json_object_set_new(o, "unavailable", a);
	}
	if (s->nperf_events) {
		json_t *a = json_array();

		for (unsigned i = 0; i < s->nperf_events; i++)
			json_array_append_new(a, json_string(s->perf_events[i]));
		json_object_set_new(o, "perf_events", a);
	}
	if (s->nfilters) {
		json_t *f = json_object();

		for (unsigned i = 0; i < s->nfilters; i++)
			json_object_set_new(f, s->filters[i].event,
					    json_string(s->filters[i].expr));
		json_object_set_new(o, "filters", f);
	}
	if (s->pmu.known) {
		json_t *p = json_object(), *a = json_array();

		json_object_set_new(p, "available", json_boolean(s->pmu.available));
		if (s->pmu.reason[0])
			json_object_set_new(p, "reason", json_string(s->pmu.reason));
		for (unsigned i = 0; i < s->pmu.ncounters && i < XPKT_PMU_MAX; i++)
			json_array_append_new(a, json_string(s->pmu.counters[i]));
		json_object_set_new(p, "counters", a);
		json_object_set_new(o, "pmu", p);
	}
	return o;
}

int xpkt_manifest_write(const char *bundle, const struct xpkt_manifest *m, struct xpkt_err *err)
{
	char path[4200];
	struct afile af;
	json_t *root = json_object(), *srcs = json_array();
	int rc;

	json_object_set_new(root, "format", json_string("xpkttrace-bundle"));
	json_object_set_new(root, "version", json_integer(XPKT_BUNDLE_VERSION));
	json_object_set_new(root, "created_by", json_string(m->created_by));
	json_object_set_new(root, "mode", json_string(m->mode));
	json_object_set_new(root, "tsc_hz", json_integer((json_int_t)m->tsc_hz));
	if (m->workload[0])
		json_object_set_new(root, "workload", json_string(m->workload));
	if (m->incomplete)
		json_object_set_new(root, "incomplete", json_true());
	for (unsigned i = 0; i < m->nsources; i++)
		json_array_append_new(srcs, source_json(&m->sources[i]));
	json_object_set_new(root, "sources", srcs);

	if (xpkt_bundle_path(path, sizeof(path), bundle, "manifest.json") ||
	    afile_open(&af, path, err)) {
		json_decref(root);
		return xpkt_err_set(err, "%s: cannot write manifest", bundle);
	}
	rc = json_dumpf(root, af.fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	fputc('\n', af.fp);
	if (rc) {
		afile_abort(&af);
		return xpkt_err_set(err, "%s: cannot write manifest", path);
	}
	return afile_commit(&af, err);
}

const struct xpkt_source *xpkt_manifest_find(const struct xpkt_manifest *m, enum xpkt_domain d)
{
	for (unsigned i = 0; i < m->nsources; i++)
		if (m->sources[i].domain == d)
			return &m->sources[i];
	return NULL;
}

enum xpkt_dev_kind xpkt_source_dev_kind(const struct xpkt_source *s, uint16_t ifindex)
{
	for (unsigned i = 0; i < s->nifaces; i++)
		if (s->ifaces[i].ifindex == ifindex)
			return s->ifaces[i].kind;
	return XPKT_DEV_ANY;
}
