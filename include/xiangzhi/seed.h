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

/*
 * Development sign-ins for the demo county (idempotent): county.330599,
 * officer.<township code> for every township and village.<village code>
 * for the first village of each, all with XZ_SEED_DEMO_PASSWORD; and the
 * partner client XZ_SEED_DEMO_CLIENT_ID (every scope, the whole county)
 * with secret XZ_SEED_DEMO_CLIENT_SECRET.  Development only.
 */
#define XZ_SEED_DEMO_PASSWORD		"xiangzhi-demo-2026"
#define XZ_SEED_DEMO_CLIENT_ID		"5a1f0000-0000-4000-8000-000000000001"
#define XZ_SEED_DEMO_CLIENT_SECRET	"xiangzhi-demo-partner-secret"

int	xz_seed_demo_identity(PGconn *conn);

#endif
