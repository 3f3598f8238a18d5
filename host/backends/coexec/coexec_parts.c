/* coexec_parts.c - the part list of the coexec backend; see coexec_parts.h. */
#define _POSIX_C_SOURCE 200809L
#include "coexec_parts.h"
#include "numparse.h"
#include "sysinfo.h"

#if HETMC_HAVE_OPENCL
#include "opencl_util.h"
#endif

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the parser knows of the devices of this machine (OpenCL only), listed when a part names
 * a device, so that host-only lists never start an OpenCL platform. */
typedef struct devinfo {
    int loaded;
    int n;           /* devices listed; 0 when none or not built */
    char type[HM_SCHED_MAX_PARTS * 4][12];
    unsigned units[HM_SCHED_MAX_PARTS * 4];
} devinfo;

static void devinfo_load(devinfo *d)
{
    if (d->loaded)
        return;
    d->loaded = 1;
#if HETMC_HAVE_OPENCL
    hm_cl_device *devs = NULL;
    hm_error ignored = {0};
    int n = hm_cl_devices(&devs, &ignored);
    for (int i = 0; i < n && i < (int)(sizeof d->units / sizeof d->units[0]); i++) {
        snprintf(d->type[i], sizeof d->type[i], "%s", devs[i].type);
        d->units[i] = devs[i].compute_units ? devs[i].compute_units : 1;
        d->n = i + 1;
    }
    free(devs);
#endif
}

/* "part 'ITEM': why" */
static int part_fail(hm_error *err, int code, const char *item, const char *fmt, ...)
{
    char why[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return hm_fail(err, code, "part '%.64s': %s", item, why);
}

static int bad_backend(hm_error *err, const char *item, const char *name)
{
    char names[256];
    hm_backend_names(names, sizeof names);
    return part_fail(err, HM_EINVAL, item, "'%s' cannot be a part; accepted: BACKEND[:WORKERS]"
                     "[@DEVICE] with BACKEND one of %s except coexec and mpi", name, names);
}

static int parse_workers(const hm_backend *b, const char *text, const char *item,
                         unsigned *workers, hm_error *err)
{
    uint64_t v;
    unsigned max = b->max_workers ? b->max_workers : HM_MAX_WORKERS;
    if (!text) {
        *workers = b->max_workers == 1 ? 1 : 0; /* 0: the cores the others leave */
        return HM_EOK;
    }
    if (hm_parse_u64(text, &v) < 0 || v < 1 || v > max)
        return part_fail(err, HM_EINVAL, item, "WORKERS '%s' is not accepted; %s takes 1 to "
                         "%u", text, b->name, max);
    *workers = (unsigned)v;
    return HM_EOK;
}

/* Adds one part; a device index is named at most once. */
static int add_part(hm_part_list *l, const hm_part_spec *spec, const char *item,
                    hm_error *err)
{
    for (unsigned i = 0; i < l->n; i++)
        if (spec->device[0] && l->p[i].b == spec->b && strcmp(l->p[i].device, spec->device) == 0)
            return part_fail(err, HM_EINVAL, item, "device %s is already part %u; name each "
                             "device once", spec->device, i);
    if (l->n == HM_SCHED_MAX_PARTS)
        return part_fail(err, HM_EINVAL, item, "more than %u parts", HM_SCHED_MAX_PARTS);
    l->p[l->n++] = *spec;
    return HM_EOK;
}

/* One part per device that `selector` names (the backend's default device when NULL). */
static int add_devices(hm_part_list *l, hm_part_spec *spec, const char *selector,
                       devinfo *d, const char *item, hm_error *err)
{
    unsigned *idx = NULL;
    hm_error why = {0};
    int n = spec->b->select_devices(selector, &idx, &why);
    if (n < 0)
        return part_fail(err, n, item, "%s", why.msg);
    devinfo_load(d);
    int rc = HM_EOK;
    for (int i = 0; i < n && rc == HM_EOK; i++) {
        unsigned at = idx[i];
        snprintf(spec->device, sizeof spec->device, "%u", at);
        snprintf(spec->label, sizeof spec->label, "%s@%u", spec->b->name, at);
        /* Unsigned: an index of 2^31 or more is out of range, not negative. */
        int listed = d->n > 0 && at < (unsigned)d->n;
        spec->cpu_device = listed && strcmp(d->type[at], "cpu") == 0 ? (int)d->units[at] : 0;
        rc = add_part(l, spec, item, err);
    }
    free(idx);
    return rc;
}

/* Splits BACKEND[:WORKERS][@DEVICE] in buf in place: *workers and *dev point into it, or are
 * NULL when not given. */
static void split_item(char *buf, char **workers, char **dev)
{
    *dev = strchr(buf, '@');
    *workers = strchr(buf, ':');
    if (*dev)
        *(*dev)++ = '\0';
    if (*workers && (!*dev || *workers < *dev))
        *(*workers)++ = '\0';
    else
        *workers = NULL;
}

/* The backend a part may run: any but coexec and mpi themselves. */
static int part_backend(const char *name, const char *item, const hm_backend **b, hm_error *err)
{
    *b = hm_backend_find(name);
    if (!*b || strcmp(name, "coexec") == 0 || strcmp(name, "mpi") == 0)
        return bad_backend(err, item, name);
    return HM_EOK;
}

/* An @DEVICE must name something, and only backends with devices take one. */
static int check_device(const hm_backend *b, const char *dev, const char *item, hm_error *err)
{
    if (dev && (!dev[0] || !b->select_devices))
        return part_fail(err, HM_EINVAL, item, !dev[0] ? "@ needs a device: an index, gpu, "
                         "cpu, all, or part of a name" : "%s takes no @DEVICE; only backends "
                         "with devices (opencl) do", b->name);
    return HM_EOK;
}

/* One item of the list: BACKEND[:WORKERS][@DEVICE]. */
static int parse_item(hm_part_list *l, const char *item, devinfo *d, hm_error *err)
{
    char buf[256], *workers, *dev;
    hm_part_spec spec;
    int rc;
    memset(&spec, 0, sizeof spec);
    if (!item[0] || strlen(item) >= sizeof buf)
        return part_fail(err, HM_EINVAL, item, "expected BACKEND[:WORKERS][@DEVICE], e.g. "
                         "openmp:3 or opencl@gpu");
    strcpy(buf, item);
    split_item(buf, &workers, &dev);
    if ((rc = part_backend(buf, item, &spec.b, err)) < 0 ||
        (rc = parse_workers(spec.b, workers, item, &spec.workers, err)) < 0 ||
        (rc = check_device(spec.b, dev, item, err)) < 0)
        return rc;
    if (spec.b->select_devices)
        return add_devices(l, &spec, dev, d, item, err);
    snprintf(spec.label, sizeof spec.label, "%s:%u", spec.b->name, spec.workers);
    return add_part(l, &spec, item, err);
}

/* Cores a part keeps busy: its workers; a GPU's driving thread; a CPU device's units (those
 * of its sub-device once fill_workers gave it one). */
static unsigned part_cores(const hm_part_spec *p)
{
    return p->units ? p->units : p->cpu_device ? (unsigned)p->cpu_device : p->workers;
}

/* A CPU OpenCL device's share of the cores: at most its compute units; fewer make it run on
 * a sub-device of that many, which the label says ("opencl@0/1cu"). */
static void share_cpu_device(hm_part_spec *p, unsigned share)
{
    p->units = share < (unsigned)p->cpu_device ? share : (unsigned)p->cpu_device;
    if (p->units < (unsigned)p->cpu_device) {
        char label[sizeof p->label]; /* built apart: the device is a field of the same part */
        snprintf(label, sizeof label, "%s@%s/%ucu", p->b->name, p->device, p->units);
        memcpy(p->label, label, sizeof label);
    }
}

/* Parts that gave no WORKERS, and CPU OpenCL devices, share the cores the others leave, at
 * least 1 each, so that a host part and a CPU device own disjoint cores. */
static void fill_workers(hm_part_list *l)
{
    unsigned cores = hm_allowed_cpus(), used = 0, pool = 0, done = 0;
    for (unsigned i = 0; i < l->n; i++) {
        if (l->p[i].workers && !l->p[i].cpu_device)
            used += part_cores(&l->p[i]);
        else
            pool++;
    }
    unsigned left = cores > used ? cores - used : 0;
    l->workers = l->cores = 0;
    for (unsigned i = 0; i < l->n; i++) {
        hm_part_spec *p = &l->p[i];
        if (!p->workers || p->cpu_device) {
            unsigned share = left / pool + (done < left % pool ? 1 : 0);
            share = share ? share : 1;
            done++;
            if (p->cpu_device) {
                share_cpu_device(p, share);
            } else {
                p->workers = share;
                snprintf(p->label, sizeof p->label, "%s:%u", p->b->name, p->workers);
            }
        }
        l->workers += p->workers;
        l->cores += part_cores(p);
    }
}

/* The default list (see coexec_parts.h) as text. */
static void auto_text(devinfo *d, char *buf, size_t len)
{
    devinfo_load(d);
    const char *host = hm_backend_find("openmp") ? "openmp" : "threads";
    unsigned cores = hm_allowed_cpus(), gpus = 0;
    int cpu = -1;
    for (int i = 0; i < d->n; i++) {
        gpus += strcmp(d->type[i], "gpu") == 0;
        if (cpu < 0 && strcmp(d->type[i], "cpu") == 0)
            cpu = i;
    }
    if (gpus)
        snprintf(buf, len, "%s%sopencl@gpu", cores > gpus ? host : "", cores > gpus ? "," : "");
    else if (cpu >= 0)
        snprintf(buf, len, "%s,opencl@%d", host, cpu);
    else
        snprintf(buf, len, "%s:%u,threads:%u", host, cores - cores / 2,
                 cores / 2 ? cores / 2 : 1);
}

int hm_parts_parse(const char *text, hm_part_list *out, hm_error *err)
{
    char buf[1024], def[128];
    devinfo d;
    int rc = HM_EOK;
    memset(out, 0, sizeof *out);
    memset(&d, 0, sizeof d);
    if (!text || !text[0] || strcmp(text, "auto") == 0) {
        auto_text(&d, def, sizeof def);
        text = def;
    }
    if (strlen(text) >= sizeof buf)
        return hm_fail(err, HM_EINVAL, "the part list is longer than %zu characters",
                       sizeof buf - 1);
    strcpy(buf, text);
    /* Every comma separates two parts, so "a,,b" and "a," name an empty part: an error. */
    for (char *item = buf; rc == HM_EOK; item++) {
        char *comma = strchr(item, ',');
        if (comma)
            *comma = '\0';
        rc = parse_item(out, item, &d, err);
        if (!comma)
            break;
        item = comma;
    }
    if (rc < 0)
        return rc;
    fill_workers(out);
    return HM_EOK;
}

int hm_parts_name(const char *text, const char *name)
{
    size_t len = strlen(name);
    for (const char *p = text; p && *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
        if (strncmp(p, name, len) == 0 && strchr(",:@", p[len]))
            return 1;
    }
    return 0;
}

void hm_parts_label(const hm_part_list *l, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < l->n && used < len; i++) {
        int n = snprintf(buf + used, len - used, "%s%s", i ? "+" : "", l->p[i].label);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

int hm_coexec_plan(const char *parts, const char *split, hm_part_list *list, hm_split *sp,
                   hm_error *err)
{
    char msg[256], names[128];
    hm_error why = {0};
    int rc = hm_parts_parse(parts, list, &why);
    if (rc < 0)
        return hm_fail(err, rc, "--parts '%.200s': %s", parts && parts[0] ? parts : "auto",
                       why.msg);
    if (hm_split_parse(split, sp, msg, sizeof msg) < 0)
        return hm_fail(err, HM_EINVAL, "--split %s", msg);
    hm_parts_label(list, names, sizeof names);
    if (sp->kind == HM_SPLIT_STATIC_WEIGHTS && sp->nweights != list->n)
        return hm_fail(err, HM_EINVAL, "--split %s gives %u weight%s for %u parts (%s); "
                       "accepted: one weight per part", split, sp->nweights,
                       sp->nweights == 1 ? "" : "s", list->n, names);
    return HM_EOK;
}

void hm_coexec_early_init(const hm_config *cfg)
{
    for (size_t i = 0; cfg->parts && i < hm_backend_count(); i++) {
        const hm_backend *b = hm_backend_at(i);
        if (b->early_init && !(b->uses & HM_USES_PARTS) && hm_parts_name(cfg->parts, b->name))
            b->early_init(cfg);
    }
}

int hm_coexec_plan_parts(const hm_config *cfg, unsigned *workers, char *label, size_t len,
                         hm_error *err)
{
    hm_part_list list;
    hm_split split;
    *workers = 1;
    if (len)
        label[0] = '\0';
    int rc = hm_coexec_plan(cfg->parts, cfg->split, &list, &split, err);
    if (rc < 0)
        return rc;
    *workers = list.workers;
    hm_parts_label(&list, label, len);
    return 0;
}
