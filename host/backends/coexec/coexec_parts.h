/*
 * coexec_parts.h - the part list of the coexec backend (`--parts`): what each part is, how many
 * workers it runs and on which device, and the default list.
 *
 *   PARTS = PART[,PART...]     PART = BACKEND[:WORKERS][@DEVICE]
 *
 * BACKEND is any backend of the registry except coexec and mpi. WORKERS (1..HM_MAX_WORKERS,
 * at most the backend's own limit) is the part's threads or processes; a part that gives none
 * runs on the cores the other parts leave (the CPUs this process may run on, less every other
 * part's workers and one core per GPU for the thread that drives it), shared evenly with the
 * other parts that give none and with the CPU OpenCL devices, at least 1 each. A CPU device
 * whose share is below its compute units runs on a sub-device of that many (clCreateSubDevices
 * by counts; label "opencl@0/1cu"), so that it and the host parts own disjoint cores. DEVICE is for backends with devices
 * (opencl): the selectors of --device (an index, gpu, cpu, all, or part of a name), and one
 * that names several devices makes one part per device; without it, the backend's default
 * device. A device may be named once.
 *
 * `auto` (the default) is every GPU, one part each, plus openmp on the remaining cores; without
 * a GPU, openmp and the first OpenCL CPU device, sharing the cores (on 2 cores: openmp:1 and
 * the device on a sub-device of 1 compute unit); without any OpenCL device, openmp and threads on half the cores each (threads
 * only, where openmp is not built).
 */
#ifndef HETMC_COEXEC_PARTS_H
#define HETMC_COEXEC_PARTS_H

#include "coexec_sched.h"
#include "hetmc.h"

typedef struct hm_part_spec {
    const hm_backend *b;
    unsigned workers;
    char device[16]; /* the device index for backends with devices, "" otherwise */
    char label[32];  /* "openmp:3", "opencl@1": the part in the device column */
    int cpu_device;  /* a CPU OpenCL device: its compute units in cores, else 0 */
    unsigned units;  /* a CPU OpenCL device: the compute units it runs on, a sub-device when
                      * fewer than cpu_device (its share of the cores), else 0 */
} hm_part_spec;

typedef struct hm_part_list {
    unsigned n;
    hm_part_spec p[HM_SCHED_MAX_PARTS];
    unsigned workers; /* the host workers of every part: the row's `workers` */
    unsigned cores;   /* cores the parts keep busy, against the allowed CPUs */
} hm_part_list;

/* Parses PARTS (NULL, "" or "auto": the default list). Returns HM_EOK, HM_EINVAL with a message
 * naming the part and what is accepted, or HM_EUNAVAIL when a part's backend has no device
 * here at all (no OpenCL platform). */
int hm_parts_parse(const char *text, hm_part_list *out, hm_error *err);

/* Parses the part list and the split (hm_split_parse) and checks that a static split has one
 * weight per part. Messages start with the option at fault ("--parts 'TEXT': ..."). Returns
 * HM_EOK, HM_EINVAL or HM_EUNAVAIL as hm_parts_parse does. */
int hm_coexec_plan(const char *parts, const char *split, hm_part_list *list, hm_split *sp,
                   hm_error *err);

/* 1 when an item of the part list text (not resolved: no device is listed) is backend `name`,
 * e.g. so that a command starts the fork server before anything starts threads. */
int hm_parts_name(const char *text, const char *name);

/* The hooks of a backend with parts (coexec; mpi with --parts): early_init calls the
 * early_init of every backend the part list names (a forkserver part starts the fork server
 * before anything runs threads); plan_parts is hm_coexec_plan with the workers and label. */
void hm_coexec_early_init(const hm_config *cfg);
int hm_coexec_plan_parts(const hm_config *cfg, unsigned *workers, char *label, size_t len,
                         hm_error *err);

/* "openmp:1+opencl@0": the parts, for the device column. */
void hm_parts_label(const hm_part_list *l, char *buf, size_t len);

#endif /* HETMC_COEXEC_PARTS_H */
