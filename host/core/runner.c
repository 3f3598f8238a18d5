/* runner.c - prepare, warm-up, repetitions, validation: the only caller of a backend. */
#include "runner.h"

#include "clock.h"

#include <stdlib.h>
#include <string.h>

struct hm_runner {
    const hm_backend *b;
    hm_config cfg;
    hm_ctx *ctx;
};

int hm_runner_open(const hm_backend *b, const hm_config *cfg, hm_runner **out, hm_error *err)
{
    hm_runner *r = calloc(1, sizeof *r);
    *out = NULL;
    if (!r)
        return hm_fail(err, HM_ENOMEM, "out of memory");
    r->b = b;
    r->cfg = *cfg;
    int rc = b->prepare(cfg, &r->ctx, err);
    if (rc < 0) {
        free(r);
        return rc;
    }
    *out = r;
    return HM_EOK;
}

void hm_runner_close(hm_runner *r)
{
    if (!r)
        return;
    r->b->release(r->ctx);
    free(r);
}

const hm_backend *hm_runner_backend(const hm_runner *r)
{
    return r->b;
}

int hm_runner_count(hm_runner *r, uint64_t seed, uint64_t first, uint64_t count, hm_result *res,
                    double *wall_s, hm_error *err)
{
    hm_result_init(res);
    double t0 = hm_now();
    int rc = r->b->run(r->ctx, seed, first, count, res, err);
    if (wall_s)
        *wall_s = hm_now() - t0;
    return rc;
}

hm_status hm_runner_measure(hm_runner *r, uint64_t seed, uint64_t samples, hm_row *row)
{
    hm_error err = {0};
    int rc = hm_runner_count(r, seed, 0, samples, &row->res, &row->wall_s, &err);
    row->calls = 1;
    if (rc < 0) {
        row->status = HM_STATUS_FAILED;
        row->has_hits = 0;
        hm_row_note(row, "%s", err.msg[0] ? err.msg : hm_strerror(rc));
        return row->status;
    }
    row->has_hits = 1;
    if (row->res.note[0])
        hm_row_note(row, "%s", row->res.note);
    if (!hm_validate(row->res.hits, samples, &row->sigmas)) {
        row->status = HM_STATUS_FAILED;
        hm_row_note(row,
                    "validation failed: %llu hits of %llu samples puts pi at %.9g, %.3g standard "
                    "errors from pi (limit %.0f)",
                    (unsigned long long)row->res.hits, (unsigned long long)samples,
                    hm_pi_estimate(row->res.hits, samples), row->sigmas, HM_VALIDATE_SIGMA);
        return row->status;
    }
    /* STREAM's habit: a time under 1000 clock ticks is too short to trust. */
    if (row->wall_s < 1000.0 * hm_clock_resolution())
        hm_row_note(row, "wall time under 1000 clock ticks (%.3g s): too short to trust",
                    row->wall_s);
    row->status = HM_STATUS_OK;
    return row->status;
}

/* One timed repetition, checked against the expected count. */
static hm_status repetition(hm_runner *r, const hm_cell *cell, unsigned rep, uint64_t expect,
                            hm_row *row)
{
    hm_row_init(row, r->b->name, r->cfg.workers, cell->samples, cell->seed, rep);
    hm_runner_measure(r, cell->seed, cell->samples, row);
    if (row->status == HM_STATUS_OK && row->res.hits != expect) {
        row->status = HM_STATUS_FAILED;
        if (cell->expect)
            hm_row_note(row, "hits %llu differ from %s %llu", (unsigned long long)row->res.hits,
                        cell->expect_what ? cell->expect_what : "the expected",
                        (unsigned long long)expect);
        else
            hm_row_note(row, "hits %llu differ from the warm-up's %llu: not reproducible",
                        (unsigned long long)row->res.hits, (unsigned long long)expect);
    }
    return row->status;
}

hm_status hm_runner_cell(hm_runner *r, const hm_cell *cell, hm_row_fn emit, void *arg,
                         hm_cell_out *out)
{
    hm_cell_out local;
    hm_row row;
    if (!out)
        out = &local;
    memset(out, 0, sizeof *out);

    hm_row_init(&row, r->b->name, r->cfg.workers, cell->samples, cell->seed, 0);
    if (hm_runner_measure(r, cell->seed, cell->samples, &row) != HM_STATUS_OK) {
        /* The warm-up failed: reported as rep 0 so that the failure is on record. */
        hm_row_note(&row, "the untimed warm-up failed");
        emit(&row, arg);
        return HM_STATUS_FAILED;
    }
    out->warmed = 1;
    out->warm_hits = row.res.hits;
    snprintf(out->device, sizeof out->device, "%s", row.res.device);
    uint64_t expect = cell->expect ? *cell->expect : row.res.hits;

    for (unsigned rep = 1; rep <= cell->reps; rep++) {
        if (cell->stop && *cell->stop)
            break;
        if (repetition(r, cell, rep, expect, &row) != HM_STATUS_OK)
            out->reps_failed++;
        out->reps_done++;
        emit(&row, arg);
    }
    return out->reps_failed ? HM_STATUS_FAILED : HM_STATUS_OK;
}

void hm_runner_unopened_row(hm_row *row, const hm_backend *b, unsigned workers,
                            const char *device, uint64_t seed, uint64_t samples, int rc,
                            const char *why)
{
    hm_row_init(row, b->name, workers, samples, seed, 0);
    snprintf(row->res.device, sizeof row->res.device, "%s", device ? device : "");
    row->status = rc == HM_EUNAVAIL ? HM_STATUS_SKIPPED : HM_STATUS_FAILED;
    hm_row_note(row, "%s: %s", rc == HM_EUNAVAIL ? "unavailable" : "could not start",
                why && why[0] ? why : hm_strerror(rc));
}
