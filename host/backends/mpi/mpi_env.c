/*
 * mpi_env.c - the launcher as seen from the environment, before MPI_Init.
 *
 * Open MPI started by `srun` finds its peers through Slurm's PMI plugin: `srun --mpi=pmix`
 * (or SLURM_MPI_TYPE=pmix, or a site whose MpiDefault is pmix) puts PMIX_RANK into every
 * task's environment. A plain `srun` on a site with MpiDefault=none gives the task nothing to
 * wire up with, and Open MPI's MPI_Init then aborts the process ("OMPI was not built with
 * SLURM's PMI support"), taking `hetmc verify` or `hetmc matrix` down with it. hm_mpi_wired
 * recognises that case, so that the mpi backend reports it as unavailable instead.
 */
#define _POSIX_C_SOURCE 200809L
#include "mpi_env.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpi.h>

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && v[0] ? v : NULL;
}

/* A variable that only a launcher which wired up PMI or PMIx sets. */
static const char *wiring(void)
{
    static const char *const names[] = {"PMIX_RANK", "PMI_RANK", "PMI_FD", "OMPI_COMM_WORLD_RANK"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (env(names[i]))
            return names[i];
    return NULL;
}

/* Slurm's step id of this task ("3"), or NULL outside a step (a batch script has none, or
 * "batch"/"extern" on some versions). */
static const char *slurm_step(void)
{
    const char *step = env("SLURM_STEP_ID") ? env("SLURM_STEP_ID") : env("SLURM_STEPID");
    if (!env("SLURM_JOB_ID") && !env("SLURM_JOBID"))
        return NULL;
    if (!step || strcmp(step, "batch") == 0 || strcmp(step, "extern") == 0 ||
        strtoul(step, NULL, 10) >= 0xfffffff0ul) /* SLURM_BATCH_SCRIPT and the like */
        return NULL;
    return step;
}

/* The launcher as the environment described it when first asked: MPI_Init of a singleton sets
 * PMIx variables of its own, so the mpi backend asks once before it starts MPI. */
static char launcher[160];

static void describe(char *buf, size_t len);

int hm_mpi_wired(hm_error *err)
{
    if (!launcher[0]) /* remembered before MPI_Init changes the environment */
        describe(launcher, sizeof launcher);
    if (env("HETMC_MPI_ASSUME_WIRED") && strcmp(env("HETMC_MPI_ASSUME_WIRED"), "0") != 0)
        return HM_EOK;
    if (wiring() || !slurm_step())
        return HM_EOK;
    const char *type = env("SLURM_MPI_TYPE");
    return hm_fail(err, HM_EUNAVAIL,
                   "mpi: started by srun without PMI (SLURM_MPI_TYPE=%s), so MPI cannot start "
                   "here; launch with `srun --mpi=pmix` (or export SLURM_MPI_TYPE=pmix) or with "
                   "`mpirun` inside the allocation",
                   type ? type : "unset");
}


void hm_mpi_launcher(char *buf, size_t len)
{
    if (!launcher[0])
        describe(launcher, sizeof launcher);
    snprintf(buf, len, "%s", launcher);
}

static void describe(char *buf, size_t len)
{
    const char *step = slurm_step(), *job = env("SLURM_JOB_ID") ? env("SLURM_JOB_ID")
                                                                 : env("SLURM_JOBID");
    const char *type = env("SLURM_MPI_TYPE"), *wired = wiring();
    const char *pmi = !wired                            ? "no PMI"
                      : strcmp(wired, "PMI_RANK") == 0 ||
                                strcmp(wired, "PMI_FD") == 0 ? "PMI-2"
                                                             : "PMIx";
    if (env("OMPI_MCA_orte_hnp_uri")) /* a rank that Open MPI's mpirun (its orted) started */
        snprintf(buf, len, "mpirun (Open MPI, %s)%s%s", pmi, job ? " inside Slurm job " : "",
                 job ? job : "");
    else if (step)
        snprintf(buf, len, "srun --mpi=%s (%s; Slurm job %s, step %s)", type ? type : "none",
                 pmi, job, step);
    else if (wired)
        snprintf(buf, len, "an MPI launcher (%s)", pmi);
    else
        snprintf(buf, len, "none: a singleton%s%s", job ? " in Slurm job " : "", job ? job : "");
}

void hm_mpi_library(char *buf, size_t len)
{
    char v[MPI_MAX_LIBRARY_VERSION_STRING];
    int n = 0;
    if (MPI_Get_library_version(v, &n) != MPI_SUCCESS || n <= 0) {
        snprintf(buf, len, "unknown");
        return;
    }
    v[n < (int)sizeof v ? n : (int)sizeof v - 1] = '\0';
    v[strcspn(v, "\r\n")] = '\0';
    snprintf(buf, len, "%s", v);
}
