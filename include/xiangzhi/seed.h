/*
 * Xiangzhi demo and benchmark data (xiangzhi-admin seed-demo).
 */
#ifndef XIANGZHI_SEED_H
#define XIANGZHI_SEED_H

#include <libpq-fe.h>

/* The demo county every scale contains. */
#define XZ_SEED_DEMO_COUNTY	"330599"

/*
 * Loads demo data as the owner role (RLS bypassed). Deterministic: same
 * output every run.
 * scale: "county" (default demo; NULL or "" mean the same), "prefecture"
 * (10 counties), "province" (100 counties).
 * Idempotent: if the demo county already exists, do nothing and return 0.
 * Everything is loaded in one transaction with COPY; conn must be idle (not
 * inside a transaction) and stays owned by the caller, who closes it.
 * Returns 0 on success, -1 on error (message printed to stderr).
 */
int	xz_seed_demo(PGconn *conn, const char *scale);

#endif
