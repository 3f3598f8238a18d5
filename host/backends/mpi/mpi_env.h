/* mpi_env.h - what the mpi backend can tell before MPI starts: whether the launcher wired MPI
 * up, which launcher and PMI that is, and which MPI library this binary runs. */
#ifndef HETMC_MPI_ENV_H
#define HETMC_MPI_ENV_H

#include "hetmc.h"

#include <stddef.h>

/* Whether MPI can start in this process, from the launcher's environment alone (no MPI call).
 * Returns HM_EOK, or HM_EUNAVAIL with a one-line reason naming the fix when this process is a
 * task of a Slurm step started without PMI (a plain `srun`), where Open MPI's MPI_Init would
 * abort the whole process. HETMC_MPI_ASSUME_WIRED=1 skips the check (an MPI that reads Slurm's
 * own PMI-1 environment). */
int hm_mpi_wired(hm_error *err);
/* The launcher and its PMI, from the environment: "srun --mpi=pmix (Slurm job 12, step 3)",
 * "mpirun (Open MPI, PMIx)", "none: a singleton"; as the environment said when first asked. */
void hm_mpi_launcher(char *buf, size_t len);
/* The first line of MPI_Get_library_version ("Open MPI v4.1.4, ..."); callable before MPI
 * starts and after it ends. */
void hm_mpi_library(char *buf, size_t len);

#endif /* HETMC_MPI_ENV_H */
