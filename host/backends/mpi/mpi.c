/*
 * mpi.c - ranks under an MPI launcher (Open MPI), one or many nodes.
 *
 *   mpirun -np 3 hetmc run --backend mpi [--workers T] [--device D]
 *
 * Every rank counts its contiguous share of [first, first + count) (hm_slice, rank k of R) with
 * an inner backend taken from the registry: openmp with T threads per rank (serial when this
 * build has no openmp), opencl on one device when --device is given, or coexec with --parts
 * (every rank runs the whole part list, e.g. `--parts auto`: the node's GPUs and openmp on its
 * remaining cores; meant for one rank per node). `--device local-rank`
 * gives each rank the device whose position among the node's devices is the rank's node-local
 * rank (MPI_COMM_TYPE_SHARED), the usual one-rank-per-GPU layout; any other selector is passed
 * to opencl, and when it names several devices rank L of a node takes the L-th of them.
 * The 64-bit counts are summed with MPI_Allreduce, so every rank holds the same total, takes
 * the same branches of `hetmc run`, and only rank 0 writes: the other ranks' stdout and stderr
 * go to /dev/null from the moment MPI starts (stderr comes back at exit, for sanitizer reports).
 * The count is exactly the serial one for any number of ranks.
 *
 * Phases, as rank 0 reports them (durations on each rank's CLOCK_MONOTONIC, never compared
 * across nodes):
 *   setup_s    a barrier that lines the ranks up, plus the slowest rank's inner set-up;
 *   compute_s  the slowest rank's inner compute (MPI_MAX over ranks);
 *   collect_s  the reduction of counts and times, plus the slowest inner collection.
 * The time a fast rank waits for the slowest one is in wall_s only. MPI start-up (MPI_Init,
 * once per process, in prepare) is in no run's times: every row's note gives it.
 *
 * Failures never leave a rank blocked: after its share every rank joins one MPI_Allreduce of
 * a failure flag, so when one rank's inner backend fails all ranks return the same error
 * (naming the lowest failing rank, with its message). A rank that dies (a signal, exit) makes
 * Open MPI's mpirun end the whole job with a non-zero status; an MPI error prints the rank and
 * MPI's message and aborts the job (MPI_Abort), as MPI's default handler would.
 * HETMC_MPI_FAULT=kill:K, fail:K or mpi:K makes rank K raise SIGKILL, fail its share, or make
 * an invalid MPI call in every run, so that the tests can show that each path ends the run.
 *
 * MPI is initialised by the first prepare (MPI_Init_thread, MPI_THREAD_FUNNELED: only the
 * main thread calls MPI) and finalised at exit, so that a process may prepare many times; not
 * under mpirun it is a singleton of one rank. Nothing else in hetmc touches MPI, so linking it
 * changes no other backend.
 */
#define _POSIX_C_SOURCE 200809L
#include "hetmc.h"
#include "clock.h"
#include "coexec_parts.h"
#include "mpi_env.h"
#include "runner.h"
#include "sysinfo.h"

#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mpi.h>

/* The process-wide MPI state: started once, finalised at exit. */
static struct {
    int started;
    int rank, size;
    int local_rank, local_size, nodes;
    MPI_Comm local; /* the ranks of this node (MPI_COMM_TYPE_SHARED) */
    char hosts[96]; /* the nodes' names, in rank order: "node1,node2" */
    double init_s;
    int saved_stderr; /* rank != 0: the real stderr while fd 2 points to /dev/null; else -1 */
} world = {.saved_stderr = -1, .local = MPI_COMM_NULL};

struct hm_ctx {
    const hm_backend *inner;
    hm_runner *inner_run; /* the inner backend, opened through the runner */
    unsigned workers;
    int fault_kill, fault_fail, fault_mpi; /* rank to fault in every run; -1 for none */
    int labelled;               /* the device label is completed once, in the first run */
    char label[sizeof(((hm_result *)0)->device)];
    char pick[128]; /* the device this rank passes to opencl, when --device is given */
    char note[256];
};

static void mpi_stop(void)
{
    int done = 0;
    if (world.saved_stderr >= 0) {
        hm_quiet_restore();
        world.saved_stderr = -1;
    }
    MPI_Finalized(&done);
    if (!done)
        MPI_Finalize();
}

/* Ranks other than 0 write nothing: fd 1 and fd 2 go to /dev/null (the FILE streams stay).
 * `hetmc` has done so already when the launcher's environment named the rank. */
static void silence_output(void)
{
    world.saved_stderr = hm_quiet_rank();
}

/* MPI errors end the whole job, as MPI's default handler does, but first say which rank and
 * what, on the rank's real stderr (a rank other than 0 has /dev/null on fd 2). */
static void on_mpi_error(MPI_Comm *comm, int *code, ...)
{
    char text[MPI_MAX_ERROR_STRING];
    char line[MPI_MAX_ERROR_STRING + 64];
    int len = 0;
    if (MPI_Error_string(*code, text, &len) != MPI_SUCCESS)
        snprintf(text, sizeof text, "error code %d", *code);
    int n = snprintf(line, sizeof line, "hetmc mpi: rank %d of %d: MPI error: %s\n", world.rank,
                     world.size, text);
    if (n > 0 && write(world.saved_stderr >= 0 ? world.saved_stderr : STDERR_FILENO, line,
                       (size_t)n < sizeof line ? (size_t)n : sizeof line - 1) < 0)
        n = 0; /* nothing more to do: the job ends below either way */
    MPI_Abort(*comm, 1);
}

/* world.hosts: every rank's host name (MPI_Get_processor_name) once, in rank order, cut short
 * with ",..." when they do not fit. Collective. */
static void list_hosts(void)
{
    enum { NAME = 64 };
    char mine[MPI_MAX_PROCESSOR_NAME] = "", send[NAME] = "";
    char *all = calloc((size_t)world.size, NAME);
    int n = 0;
    if (!all) { /* the other ranks wait in the gather below: end the job as MPI would */
        fprintf(stderr, "hetmc mpi: rank %d: out of memory\n", world.rank);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    if (MPI_Get_processor_name(mine, &n) != MPI_SUCCESS || n <= 0)
        hm_hostname(mine, sizeof mine);
    snprintf(send, sizeof send, "%s", mine);
    MPI_Allgather(send, NAME, MPI_CHAR, all, NAME, MPI_CHAR, MPI_COMM_WORLD);
    size_t used = 0;
    world.hosts[0] = '\0';
    for (int r = 0; r < world.size; r++) {
        const char *name = all + (size_t)r * NAME;
        int seen = 0;
        for (int q = 0; q < r && !seen; q++)
            seen = strcmp(name, all + (size_t)q * NAME) == 0;
        if (seen)
            continue;
        if (used + strlen(name) + 5 >= sizeof world.hosts) {
            snprintf(world.hosts + used, sizeof world.hosts - used, "%s...", used ? "," : "");
            break;
        }
        used += (size_t)snprintf(world.hosts + used, sizeof world.hosts - used, "%s%s",
                                 used ? "," : "", name);
    }
    free(all);
}

static int mpi_start(hm_error *err)
{
    int flag = 0, provided = 0;

    if (world.started)
        return HM_EOK;
    MPI_Finalized(&flag);
    if (flag)
        return hm_fail(err, HM_EUNAVAIL, "mpi: MPI was already finalised in this process");
    MPI_Initialized(&flag);
    double t0 = hm_now();
    if (!flag) {
        int rc = hm_mpi_wired(err); /* before MPI_Init, which would abort the process */
        if (rc < 0)
            return rc;
        if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
            return hm_fail(err, HM_EUNAVAIL, "mpi: MPI_Init_thread failed");
        atexit(mpi_stop);
    }
    world.init_s = hm_now() - t0;
    MPI_Errhandler handler;
    MPI_Comm_create_errhandler(on_mpi_error, &handler);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, handler);
    MPI_Errhandler_free(&handler);
    MPI_Comm_rank(MPI_COMM_WORLD, &world.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &world.size);
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &world.local);
    MPI_Comm_rank(world.local, &world.local_rank);
    MPI_Comm_size(world.local, &world.local_size);
    int leader = world.local_rank == 0;
    MPI_Allreduce(&leader, &world.nodes, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    list_hosts();
    world.started = 1;
    if (world.rank != 0)
        silence_output();
    return HM_EOK;
}

/* Every rank learns whether any rank failed. When one did, all return the code of the lowest
 * failing rank with its message (prefixed with that rank when there are several). */
static int agree(int rc, hm_error *err)
{
    int mine = rc < 0 ? world.rank : world.size, first = 0, failed = 0;
    struct {
        int code;
        char msg[sizeof err->msg];
    } m;

    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (first == world.size)
        return HM_EOK;
    mine = rc < 0;
    MPI_Allreduce(&mine, &failed, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    memset(&m, 0, sizeof m);
    if (world.rank == first) {
        m.code = rc;
        snprintf(m.msg, sizeof m.msg, "%s", err->msg[0] ? err->msg : hm_strerror(rc));
    }
    MPI_Bcast(&m, (int)sizeof m, MPI_BYTE, first, MPI_COMM_WORLD);
    if (failed == world.size) /* every rank failed (a bad argument): rank 0's message says it */
        return hm_fail(err, m.code, "%s", m.msg);
    return hm_fail(err, m.code, "rank %d of %d failed: %s", first, world.size, m.msg);
}

/* HETMC_MPI_FAULT: "kill:K", "fail:K" or "mpi:K" (K a rank), for the fault tests. */
static int parse_fault(hm_ctx *ctx, hm_error *err)
{
    const char *v = getenv("HETMC_MPI_FAULT");
    char *end = NULL;
    ctx->fault_kill = ctx->fault_fail = ctx->fault_mpi = -1;
    if (!v || !v[0])
        return HM_EOK;
    int *which = strncmp(v, "kill:", 5) == 0 ? &ctx->fault_kill
                 : strncmp(v, "fail:", 5) == 0 ? &ctx->fault_fail
                 : strncmp(v, "mpi:", 4) == 0  ? &ctx->fault_mpi
                                                : NULL;
    const char *num = which == &ctx->fault_mpi ? v + 4 : v + 5;
    long k = which ? strtol(num, &end, 10) : -1;
    if (!which || end == num || *end || k < 0 || k >= world.size)
        return hm_fail(err, HM_EINVAL,
                       "HETMC_MPI_FAULT '%s' is not a fault; accepted: kill:K, fail:K or mpi:K "
                       "with K a rank from 0 to %d",
                       v, world.size - 1);
    *which = (int)k;
    return HM_EOK;
}

/* Chooses this rank's OpenCL device: cfg->device with `local-rank` resolved. Writes the index
 * or selector to pass to the inner backend into buf. */
static int pick_device(const hm_backend *cl, const char *device, char *buf, size_t len,
                       hm_error *err)
{
    int by_rank = strcmp(device, "local-rank") == 0;
    unsigned *idx = NULL;

    if (!cl->select_devices) {
        if (by_rank)
            snprintf(buf, len, "%d", world.local_rank);
        else
            snprintf(buf, len, "%s", device);
        return HM_EOK;
    }
    int n = cl->select_devices(by_rank ? NULL : device, &idx, err);
    if (n < 0)
        return n;
    int rc = HM_EOK;
    if (n == 1 && !by_rank)
        snprintf(buf, len, "%u", idx[0]);
    else if (world.local_rank < n)
        snprintf(buf, len, "%u", idx[world.local_rank]);
    else
        rc = hm_fail(err, HM_EINVAL,
                     "--device %s: node-local rank %d needs device %d of this node, but %s "
                     "names %d; run at most %d ranks per node",
                     device, world.local_rank, world.local_rank + 1,
                     by_rank ? "the default selection" : device, n, n);
    free(idx);
    return rc;
}

static void mpi_release(hm_ctx *ctx)
{
    if (!ctx)
        return;
    hm_runner_close(ctx->inner_run);
    free(ctx);
}

/* The checks and the inner prepare of this rank; the caller makes the ranks agree. */
static int prepare_rank(const hm_config *cfg, hm_ctx *ctx, hm_error *err)
{
    char device[128];
    hm_config inner = *cfg;
    int rc;

    if ((rc = parse_fault(ctx, err)) < 0)
        return rc;
    if (cfg->parts) {
        ctx->inner = hm_backend_find("coexec");
        if (cfg->device || cfg->local_size)
            return hm_fail(err, HM_EINVAL, "--%s does not apply with --parts; name each part's "
                           "device there, e.g. opencl@gpu", cfg->device ? "device" : "local-size");
    } else if (cfg->device) {
        ctx->inner = hm_backend_find("opencl");
        if (!ctx->inner)
            return hm_fail(err, HM_EINVAL,
                           "--device %s needs the opencl backend, which is not in this build "
                           "(see hetmc --help); without --device each rank computes on its "
                           "cores",
                           cfg->device);
        if ((rc = pick_device(ctx->inner, cfg->device, device, sizeof device, err)) < 0)
            return rc;
        inner.device = device;
        snprintf(ctx->pick, sizeof ctx->pick, "%s", device);
        /* --workers defaults to the core count, meant for ranks on cores; a device backend
         * that takes fewer gets what it takes. */
        if (ctx->inner->max_workers && inner.workers > ctx->inner->max_workers)
            inner.workers = ctx->inner->max_workers;
    } else {
        if (cfg->local_size)
            return hm_fail(err, HM_EINVAL, "--local-size applies to mpi only with --device "
                           "(ranks on OpenCL devices)");
        ctx->inner = hm_backend_find("openmp");
        if (!ctx->inner)
            ctx->inner = hm_backend_find("serial");
        if (ctx->inner->max_workers && cfg->workers > ctx->inner->max_workers)
            return hm_fail(err, HM_EINVAL,
                           "--workers %u: mpi runs its ranks with %s here, which takes at most "
                           "%u thread per rank (this build has no openmp)",
                           cfg->workers, ctx->inner->name, ctx->inner->max_workers);
    }
    return hm_runner_open(ctx->inner, &inner, &ctx->inner_run, err);
}

/* With --device, whether ranks of one node count on the same device (two ranks on `--device
 * cpu`, or more ranks than GPUs): the note says so, since each then has a share of it. */
static void note_shared_device(hm_ctx *ctx)
{
    if (!ctx->pick[0])
        return;
    uint64_t h = hm_fnv1a(ctx->pick, strlen(ctx->pick));
    uint64_t *all = calloc((size_t)world.local_size, sizeof *all);
    int most = 1, sharing = 1;
    if (!all) { /* the node's other ranks wait in the gather below */
        fprintf(stderr, "hetmc mpi: rank %d: out of memory\n", world.rank);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    MPI_Allgather(&h, 1, MPI_UINT64_T, all, 1, MPI_UINT64_T, world.local);
    for (int q = 0; q < world.local_size; q++)
        sharing += q != world.local_rank && all[q] == h;
    free(all);
    MPI_Allreduce(&sharing, &most, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    size_t used = strlen(ctx->note);
    if (most > 1)
        snprintf(ctx->note + used, sizeof ctx->note - used,
                 "; device shared: up to %d ranks of a node count on one device", most);
}

/* The rank's label: "3 x coexec", "8 x opencl:gpu", "3 x openmp:1". */
static void set_label(const hm_config *cfg, hm_ctx *ctx)
{
    if (cfg->parts)
        snprintf(ctx->label, sizeof ctx->label, "%d x coexec", world.size);
    else if (cfg->device)
        snprintf(ctx->label, sizeof ctx->label, "%d x %s:%.80s", world.size, ctx->inner->name,
                 cfg->device);
    else
        snprintf(ctx->label, sizeof ctx->label, "%d x %s:%u", world.size, ctx->inner->name,
                 cfg->workers);
}

/* Where the ranks ran, for the row's note: MPI's start-up, the ranks' nodes and the launcher,
 * a device or cores several ranks of a node shared. */
static void set_note(const hm_config *cfg, hm_ctx *ctx)
{
    unsigned cores = hm_online_cores();
    char launcher[96];
    hm_mpi_launcher(launcher, sizeof launcher);
    size_t cut = strcspn(launcher, "("); /* "srun --mpi=pmix", "mpirun", "none: a singleton" */
    while (cut > 0 && launcher[cut - 1] == ' ')
        cut--;
    launcher[cut] = '\0';
    if (strncmp(launcher, "none", 4) == 0)
        snprintf(launcher, sizeof launcher, "no launcher (a singleton)");
    snprintf(ctx->note, sizeof ctx->note, "MPI_Init %.3g s (once; in no time column); %d rank%s "
             "on %d node%s (%s) by %.40s",
             world.init_s, world.size, world.size == 1 ? "" : "s", world.nodes,
             world.nodes == 1 ? "" : "s", world.hosts, launcher);
    note_shared_device(ctx);
    size_t used = strlen(ctx->note);
    if (cfg->parts && world.local_size > 1)
        snprintf(ctx->note + used, sizeof ctx->note - used,
                 "; %d ranks on a node share the parts' cores and devices", world.local_size);
    else if (!cfg->device && (uint64_t)world.local_size * cfg->workers > cores)
        snprintf(ctx->note + used, sizeof ctx->note - used,
                 "; oversubscribed: %d ranks x %u thread%s on %u cores of a node",
                 world.local_size, cfg->workers, cfg->workers == 1 ? "" : "s", cores);
}

static int mpi_prepare(const hm_config *cfg, hm_ctx **out, hm_error *err)
{
    hm_ctx *ctx = NULL;
    int rc = mpi_start(err);
    if (rc < 0)
        return rc;
    ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        rc = hm_fail(err, HM_ENOMEM, "mpi: out of memory");
    else
        rc = prepare_rank(cfg, ctx, err);
    /* Every rank takes the same way out, so none waits in a collective for a rank that left. */
    rc = agree(rc, err);
    if (rc < 0) {
        mpi_release(ctx);
        return rc;
    }
    ctx->workers = cfg->workers;
    set_label(cfg, ctx);
    set_note(cfg, ctx);
    *out = ctx;
    return HM_EOK;
}

/* Times reduced with MPI_MAX: NAN (not applicable) travels as -1. */
enum { T_SETUP, T_COMPUTE, T_COLLECT, T_BUILD, T_KERNEL, T_TRANSFER, T_COUNT };

/* The device column: "R x openmp:T" on cores (set in prepare); on OpenCL devices "R x " and
 * rank 0's device name, with "(mixed)" when the ranks' devices differ, once it is known. */
static void label_devices(hm_ctx *ctx, const hm_result *mine)
{
    uint64_t name = hm_fnv1a(mine->device, strlen(mine->device));
    uint64_t h[2] = {name, ~name}, all[2];
    MPI_Allreduce(h, all, 2, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
    int mixed = all[0] != h[0] || all[1] != h[1];
    if (ctx->inner->uses & (HM_USES_DEVICE | HM_USES_PARTS))
        snprintf(ctx->label, sizeof ctx->label, "%d x %.100s%s", world.size, mine->device,
                 mixed ? " (mixed)" : "");
    ctx->labelled = 1;
}

/* coexec in every rank: rank 0's parts column, and the lowest balance of any rank. */
static void share_parts(const hm_result *mine, hm_result *res)
{
    double b = isnan(mine->balance) ? 2.0 : mine->balance, lowest = 2.0;
    MPI_Allreduce(&b, &lowest, 1, MPI_DOUBLE, MPI_MIN, MPI_COMM_WORLD);
    res->balance = lowest > 1.5 ? NAN : lowest;
    res->tasks = mine->tasks;
    snprintf(res->parts, sizeof res->parts, "%s", mine->parts);
}

/* This rank's share of the run, or the failure HETMC_MPI_FAULT asks of it; local says why it
 * failed. */
static int rank_count(hm_ctx *ctx, uint64_t seed, uint64_t a, uint64_t n, hm_result *mine,
                      hm_error *local)
{
    int rc;
    if (ctx->fault_kill == world.rank)
        raise(SIGKILL);
    if (ctx->fault_mpi == world.rank) {
        int root = world.size; /* no such rank: MPI reports MPI_ERR_ROOT */
        MPI_Bcast(&root, 1, MPI_INT, root, MPI_COMM_WORLD);
    }
    if (ctx->fault_fail == world.rank)
        rc = hm_fail(local, HM_EWORKER, "injected failure (HETMC_MPI_FAULT=fail:%d)",
                     world.rank);
    else
        rc = hm_runner_count(ctx->inner_run, seed, a, n, mine, NULL, local);
    if (rc < 0 && !local->msg[0])
        hm_fail(local, rc, "%s: %s", ctx->inner->name, hm_strerror(rc));
    return rc;
}

/* The hits summed over the ranks into *total, and each time of the slowest rank into slowest
 * (NAN where no rank has it). */
static void reduce_ranks(const hm_result *mine, uint64_t *total, double slowest[T_COUNT])
{
    uint64_t hits = mine->hits;
    double t[T_COUNT] = {
        [T_SETUP] = mine->setup_s, [T_COMPUTE] = mine->compute_s,
        [T_COLLECT] = mine->collect_s, [T_BUILD] = mine->build_s,
        [T_KERNEL] = mine->kernel_s, [T_TRANSFER] = mine->transfer_s,
    };
    for (int i = 0; i < T_COUNT; i++)
        if (isnan(t[i]))
            t[i] = -1.0;
    MPI_Allreduce(&hits, total, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    MPI_Allreduce(t, slowest, T_COUNT, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
}

/* The row: the slowest rank's times, plus the barrier (before) and the reductions (after). */
static void fill_result(const hm_result *mine, uint64_t total, double *slowest,
                        double barrier_s, double reduce_s, hm_result *res)
{
    for (int i = 0; i < T_COUNT; i++)
        if (slowest[i] < 0)
            slowest[i] = NAN;
    res->hits = total;
    res->setup_s = barrier_s + (isnan(slowest[T_SETUP]) ? 0 : slowest[T_SETUP]);
    res->compute_s = slowest[T_COMPUTE];
    res->collect_s = reduce_s + (isnan(slowest[T_COLLECT]) ? 0 : slowest[T_COLLECT]);
    res->build_s = slowest[T_BUILD];
    res->kernel_s = slowest[T_KERNEL];
    res->transfer_s = slowest[T_TRANSFER];
    res->local_size = mine->local_size;
    res->launches = mine->launches;
}

static int mpi_run(hm_ctx *ctx, uint64_t seed, uint64_t first, uint64_t count, hm_result *res,
                   hm_error *err)
{
    hm_result mine;
    hm_error local = {0};
    double slowest[T_COUNT];
    uint64_t a, n, total = 0;
    int rc;

    hm_result_init(&mine);
    snprintf(res->device, sizeof res->device, "%s", ctx->label);
    double t0 = hm_now();
    MPI_Barrier(MPI_COMM_WORLD);
    double t1 = hm_now();

    hm_slice(first, count, (unsigned)world.size, (unsigned)world.rank, &a, &n);
    rc = rank_count(ctx, seed, a, n, &mine, &local);
    if ((rc = agree(rc, &local)) < 0)
        return hm_fail(err, rc, "%s", local.msg);

    double t2 = hm_now();
    reduce_ranks(&mine, &total, slowest);
    double t3 = hm_now();

    if (!ctx->labelled)
        label_devices(ctx, &mine);
    fill_result(&mine, total, slowest, t1 - t0, t3 - t2, res);
    share_parts(&mine, res);
    snprintf(res->device, sizeof res->device, "%s", ctx->label);
    snprintf(res->timer, sizeof res->timer, "%.48s; slowest rank", mine.timer);
    snprintf(res->note, sizeof res->note, "%s", ctx->note);
    return HM_EOK;
}

const hm_backend hm_backend_mpi = {
    .name = "mpi",
    .family = "mpi",
    .summary = "MPI ranks (mpirun -np R), each on its cores (openmp), an OpenCL device, or "
               "--parts",
    .uses = HM_USES_DEVICE | HM_USES_LOCAL_SIZE | HM_USES_PARTS | HM_COLLECTIVE,
    .prepare = mpi_prepare,
    .run = mpi_run,
    .release = mpi_release,
    .early_init = hm_coexec_early_init,
    .plan_parts = hm_coexec_plan_parts,
};
