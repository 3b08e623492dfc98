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

/*
 * Demo cooperatives (issue 6), for the demo county only: in every
 * township one cooperative of each kind (labor, machinery, farmland,
 * housing) with 8-20 members and their resident IDs (stored as the
 * service stores them: HMAC-SHA256 under the key in XZ_RESIDENT_ID_KEY,
 * default conf/dev-keys/resident-id.key relative to the working
 * directory, and the mask), 3-8 machines, 10-30 land parcels, 3-10
 * houses, skills and two labour teams, bookings in the current year
 * (UTC+8), land transfers and house leases.  Deterministic apart from
 * that year; loaded with COPY as the owner role in one transaction,
 * audit rows tagged seed-demo.  Idempotent: if the demo county already
 * has a cooperative, do nothing and return 0.  conn must be idle.
 * Returns 0 on success, -1 on error (message printed to stderr).
 */
int	xz_seed_demo_coops(PGconn *conn);

/*
 * Demo personnel (issue 4), demo county only: origin units, skills,
 * 40-120 staff per township, a census-style and a law-publicity campaign
 * with their teams and deployments (app/admin/seed_personnel.c).
 * Idempotent; returns 0 on success, -1 on error (printed to stderr).
 */
int	xz_seed_demo_personnel(PGconn *conn);

#endif
