/*
 * The isolation matrix of the funds routes (issue 5): every one of the 33
 * routes x every caller (a county, another county, a township, a village,
 * a partner with funds:read for all townships, a partner whose grant is
 * one township, a partner without funds:read) x the tenants it addresses
 * (own; foreign: another township of the same county or another county).
 * A role the permission table does not admit gets 403 (a partner without
 * the scope 403 insufficient_scope); a row of another tenant is not there
 * (404), a foreign list lacks it.  A refused write leaves no audit row
 * (nor ledger row), a successful one leaves one (commitments, releases
 * and withdrawals: a ledger row with the request id).
 *
 * The tenants are built for the suite (funds-lib.mjs world()): A = T1 of
 * a county (village V1), B = T2 of the same county (V2), C = T1 of
 * another county (its V1).  Each test that changes a project's state
 * first makes a fresh project in the state it needs (pre), as the
 * tenant's own officers; the callers are tokens with their own subjects.
 */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import {
	ROOT, api, auditCount, expectFieldError, expectProblem, expectStatus,
	psqlOwner, rid, tokenFor,
} from './lib.mjs';
import {
	allocate, allocationBody, commit, createProject, createSource,
	disburse, dropWorld, payBody, projectBody, shanghaiDay, sourceBody,
	step, uniq, world,
} from './funds-lib.mjs';

const TENANTS = {};
const R = { A: {}, B: {}, C: {} };
const worlds = [];

const countyOf = (k) => tokenFor('county', { county: TENANTS[k].county },
    { sub: 'mx-county-officer' });
const makerOf = (k) => tokenFor('township', { county: TENANTS[k].county,
    township: TENANTS[k].township }, { sub: 'mx-maker' });
const checkerOf = (k) => tokenFor('township', { county: TENANTS[k].county,
    township: TENANTS[k].township }, { sub: 'mx-checker' });

/* The callers' tokens (their roles and tenants: ROLE_OF, TENANT_OF). */
function callers()
{
	const A = TENANTS.A, C = TENANTS.C;
	const ptn = (scope, townships, sub) => () => tokenFor('partner',
	    { county: A.county, scope, townships }, { sub });
	return {
		county: () => tokenFor('county', { county: A.county },
		    { sub: 'mx-county' }),
		county2: () => tokenFor('county', { county: C.county },
		    { sub: 'mx-county2' }),
		township: () => tokenFor('township', { county: A.county,
		    township: A.township }, { sub: 'mx-township' }),
		village: () => tokenFor('village', { county: A.county,
		    township: A.township, village: A.village },
		    { sub: 'mx-village' }),
		partner: ptn('funds:read', '*', 'mx-partner'),
		partner_granted: ptn('funds:read', [A.township],
		    'mx-partner-granted'),
		partner_noscope: ptn('org:read coops:read bookings:write', '*',
		    'mx-partner-noscope'),
	};
}

/* A project of tenant k taken to state (as its own officers). */
async function projectIn(k, state, budget = 1000)
{
	const T = TENANTS[k];
	const r = R[k];
	let p = await createProject(makerOf(k), { budget_fen: budget,
	    village_code: T.village });
	if (state === 'draft_unfunded')
		return p;
	p = await commit(makerOf(k), p, r.alloc, budget);
	if (state === 'draft')
		return p;
	p = await step(makerOf(k), p, 'submit');
	if (state === 'submitted')
		return p;
	p = await step(checkerOf(k), p, 'approve');
	if (state === 'filed')
		return p;
	p = await step(countyOf(k), p, 'review', { decision: 'passed' });
	if (state === 'review_passed')
		return p;
	p = await step(makerOf(k), p, 'start');
	if (state === 'in_progress')
		return p;
	p = await step(makerOf(k), p, 'complete', { actual_cost_fen: budget,
	    completed_on: shanghaiDay(0) });
	assert.equal(state, 'completed');
	return p;
}

async function setup(k)
{
	const r = R[k];
	r.source = await createSource(worldOf(k), { total_fen: 1000000000000 });
	r.alloc = await allocate(worldOf(k), r.source, 10000000000,
	    { township: TENANTS[k].township });
	r.draft = await projectIn(k, 'draft_unfunded', 100000000);
	r.draft = await commit(makerOf(k), r.draft, r.alloc, 10000000);
	r.line = r.draft.funding_lines[0];
	r.filed = await projectIn(k, 'filed');
	r.running = await projectIn(k, 'in_progress', 40000000);
	const d = await disburse(makerOf(k), r.running, payBody(1000));
	expectStatus(d, 201);
	r.payment = d.json;
}

function worldOf(k)
{
	return { county: TENANTS[k].county };
}

before(async () => {
	const w1 = world();
	const w2 = world();
	worlds.push(w1, w2);
	TENANTS.A = { county: w1.county, township: w1.t1, village: w1.v1 };
	TENANTS.B = { county: w1.county, township: w1.t2, village: w1.v2 };
	TENANTS.C = { county: w2.county, township: w2.t1, village: w2.v1 };
	for (const k of ['A', 'B', 'C'])
		await setup(k);
});

after(() => {
	for (const w of worlds)
		dropWorld(w.county);
});

const ALL = ['county', 'township', 'village', 'partner'];
const USERS = ['county', 'township', 'village'];
const OFFICER = ['county', 'township'];
const CTY = ['county'];
const TWP = ['township'];
const TWP_VIL = ['township', 'village'];
const CTY_PTN = ['county', 'partner'];

/*
 * What a write left under its request id: audit rows, and for the money
 * movements the ledger keeps (commitments, releases, withdrawals: the
 * ledger row is their record, migration 0004 decision 2) the ledger rows.
 */
function traces(requestId, ledgerToo)
{
	const n = auditCount(requestId);
	if (!ledgerToo)
		return n;
	assert.match(requestId, /^[A-Za-z0-9._-]+$/);
	return n + Number(psqlOwner('select count(*) from fund_ledger' +
	    ` where request_id = '${requestId}'`));
}

const has = (key) => (j, r) => j.items.some((x) => x.id === key(r));

/*
 * Rows: name (METHOD path as in routes.def), who (roles admitted),
 * partner (admits partners with funds:read), kind: item (a foreign row
 * is 404), list (a foreign list lacks the row: has(json, r)) or county
 * (no tenant in the request: only own, as the caller's county); ok; pre
 * (r, k) makes what the test works on (into r.x); path(r, T, c), body(r,
 * T, c); foreign overrides what a foreign target answers; sameCounty:
 * what a township or village caller sees of another township of its
 * county (county-wide rows).
 */
const ROWS = [
	{ name: 'GET /api/v1/funds/settings', who: OFFICER, kind: 'county',
	    path: () => '/api/v1/funds/settings',
	    check: (j, c) => assert.equal(j.county_code, c.county) },
	{ name: 'PATCH /api/v1/funds/settings', who: CTY, kind: 'county',
	    ifMatch: () => '/api/v1/funds/settings',
	    path: () => '/api/v1/funds/settings',
	    body: () => ({ township_approval_limit_fen: 40000000 }) },
	{ name: 'GET /api/v1/fund-sources', who: OFFICER, kind: 'list',
	    sameCounty: 'visible', path: () => '/api/v1/fund-sources?limit=200',
	    has: has((r) => r.source.id) },
	{ name: 'POST /api/v1/fund-sources', who: CTY, kind: 'county', ok: 201,
	    path: () => '/api/v1/fund-sources', body: () => sourceBody(),
	    check: (j, c) => assert.equal(j.county_code, c.county) },
	{ name: 'GET /api/v1/fund-sources/{id}', who: OFFICER,
	    sameCounty: 'visible',
	    path: (r) => `/api/v1/fund-sources/${r.source.id}` },
	{ name: 'PATCH /api/v1/fund-sources/{id}', who: CTY,
	    ifMatch: (r) => `/api/v1/fund-sources/${r.source.id}`,
	    path: (r) => `/api/v1/fund-sources/${r.source.id}`,
	    body: () => ({ name: uniq('矩阵来源') }) },
	{ name: 'GET /api/v1/fund-allocations', who: OFFICER, kind: 'list',
	    path: () => '/api/v1/fund-allocations?limit=200',
	    has: has((r) => r.alloc.id) },
	{ name: 'POST /api/v1/fund-allocations', who: CTY, ok: 201,
	    path: () => '/api/v1/fund-allocations',
	    body: (r, T) => allocationBody(r.source, T.township, 1),
	    /* The source (and township) of another county are not there. */
	    foreign: { status: 404, code: 'not_found' } },
	{ name: 'GET /api/v1/fund-allocations/{id}', who: OFFICER,
	    path: (r) => `/api/v1/fund-allocations/${r.alloc.id}` },
	{ name: 'POST /api/v1/fund-allocations/{id}/withdrawals', who: CTY,
	    ledgerOnly: true,
	    path: (r) => `/api/v1/fund-allocations/${r.alloc.id}/withdrawals`,
	    body: () => ({ amount_fen: 1, reason: '矩阵收回' }) },
	{ name: 'GET /api/v1/funds/ledger', who: OFFICER, kind: 'list',
	    path: (r) => `/api/v1/funds/ledger?allocation_id=${r.alloc.id}`,
	    has: (j, r) => j.items.some((e) => e.allocation_id === r.alloc.id &&
	    e.kind === 'allocation') },
	{ name: 'GET /api/v1/funds/ledger/verify', who: CTY, kind: 'county',
	    path: () => '/api/v1/funds/ledger/verify',
	    check: (j) => assert.equal(j.ok, true, JSON.stringify(j)) },
	{ name: 'GET /api/v1/funds/report', who: ALL, partner: true,
	    path: (r, T, c) => (c.role === 'village' && c.tenant === 'own' ?
	    '/api/v1/funds/report' :
	    `/api/v1/funds/report?township_code=${T.township}`),
	    check: (j, T, r, c) => {
		if (c.role !== 'village')
			assert.equal(j.township_code, T.township);
		/* The tenant's one source, and nothing else. */
		assert.deepEqual(j.by_source.map((x) => x.source_id),
		    c.role === 'village' ? j.by_source.map((x) => x.source_id) :
		    [r.source.id]);
	    } },
	{ name: 'GET /api/v1/funds/county-summary', who: CTY_PTN,
	    partner: true, kind: 'county',
	    path: () => '/api/v1/funds/county-summary',
	    /* The townships the caller may see, and no other. */
	    check: (j, T, r, c) => {
		const codes = j.townships.map((x) => x.township_code).sort();
		const w = worlds.find((x) => x.county === T.county);
		const want = c.name === 'partner_granted' ? [T.township] :
		    [w.t1, w.t2];
		assert.deepEqual(codes, want, JSON.stringify(codes));
	    } },
	{ name: 'GET /api/v1/fund-filings', who: OFFICER, kind: 'list',
	    path: () => '/api/v1/fund-filings?limit=200',
	    has: (j, r) => j.items.some((x) => x.project_id === r.filed.id) },
	{ name: 'GET /api/v1/fund-projects', who: ALL, partner: true,
	    kind: 'list', path: () => '/api/v1/fund-projects?limit=200',
	    has: has((r) => r.draft.id) },
	{ name: 'POST /api/v1/fund-projects', who: TWP_VIL, ok: 201,
	    path: () => '/api/v1/fund-projects',
	    body: (r, T) => projectBody({ village_code: T.village }),
	    foreign: { status: 400, pointer: '/village_code' } },
	{ name: 'GET /api/v1/fund-projects/{id}', who: ALL, partner: true,
	    path: (r) => `/api/v1/fund-projects/${r.draft.id}` },
	{ name: 'PATCH /api/v1/fund-projects/{id}', who: TWP_VIL,
	    ifMatch: (r) => `/api/v1/fund-projects/${r.draft.id}`,
	    path: (r) => `/api/v1/fund-projects/${r.draft.id}`,
	    body: () => ({ title: uniq('矩阵项目') }) },
	{ name: 'POST /api/v1/fund-projects/{id}/funding-lines', who: TWP,
	    ok: 201, ledgerOnly: true,
	    path: (r) => `/api/v1/fund-projects/${r.draft.id}/funding-lines`,
	    body: (r) => ({ allocation_id: r.alloc.id, amount_fen: 1 }) },
	{ name: 'POST /api/v1/funding-lines/{id}/release', who: TWP,
	    ledgerOnly: true,
	    path: (r) => `/api/v1/funding-lines/${r.line.id}/release`,
	    body: () => ({ amount_fen: 1, reason: '矩阵释放' }) },
	{ name: 'POST /api/v1/fund-projects/{id}/submit', who: TWP_VIL,
	    pre: async (r, k) => { r.x = await projectIn(k, 'draft'); },
	    path: (r) => `/api/v1/fund-projects/${r.x.id}/submit` },
	{ name: 'POST /api/v1/fund-projects/{id}/return', who: OFFICER,
	    pre: async (r, k) => { r.x = await projectIn(k, 'submitted'); },
	    path: (r) => `/api/v1/fund-projects/${r.x.id}/return`,
	    body: () => ({ reason: '矩阵退回' }) },
	{ name: 'POST /api/v1/fund-projects/{id}/approve', who: OFFICER,
	    pre: async (r, k) => { r.x = await projectIn(k, 'submitted'); },
	    path: (r) => `/api/v1/fund-projects/${r.x.id}/approve` },
	{ name: 'POST /api/v1/fund-projects/{id}/review', who: CTY,
	    pre: async (r, k) => { r.x = await projectIn(k, 'filed'); },
	    path: (r) => `/api/v1/fund-projects/${r.x.id}/review`,
	    body: () => ({ decision: 'passed' }) },
	{ name: 'POST /api/v1/fund-projects/{id}/start', who: TWP,
	    pre: async (r, k) => { r.x = await projectIn(k, 'review_passed'); },
	    path: (r) => `/api/v1/fund-projects/${r.x.id}/start` },
	{ name: 'POST /api/v1/fund-projects/{id}/complete', who: TWP,
	    pre: async (r, k) => { r.x = await projectIn(k, 'in_progress'); },
	    path: (r) => `/api/v1/fund-projects/${r.x.id}/complete`,
	    body: () => ({ actual_cost_fen: 900,
	    completed_on: shanghaiDay(0) }) },
	{ name: 'POST /api/v1/fund-projects/{id}/close', who: TWP,
	    pre: async (r, k) => { r.x = await projectIn(k, 'completed'); },
	    path: (r) => `/api/v1/fund-projects/${r.x.id}/close` },
	{ name: 'GET /api/v1/fund-projects/{id}/history', who: USERS,
	    path: (r) => `/api/v1/fund-projects/${r.filed.id}/history`,
	    check: (j, c, r) => assert.ok(j.items.some((e) =>
	    e.action === 'approve' && e.project_id === r.filed.id)) },
	{ name: 'GET /api/v1/fund-projects/{id}/disbursements', who: USERS,
	    path: (r) => `/api/v1/fund-projects/${r.running.id}/disbursements`,
	    check: (j, c, r) => assert.ok(j.items.some((x) =>
	    x.id === r.payment.id)) },
	{ name: 'POST /api/v1/fund-projects/{id}/disbursements', who: TWP,
	    ok: 201, idem: true,
	    path: (r) => `/api/v1/fund-projects/${r.running.id}/disbursements`,
	    body: () => payBody(1) },
	{ name: 'GET /api/v1/disbursements/{id}', who: USERS,
	    path: (r) => `/api/v1/disbursements/${r.payment.id}` },
	{ name: 'POST /api/v1/disbursements/{id}/reverse', who: TWP, ok: 201,
	    idem: true,
	    pre: async (r, k) => {
		const d = await disburse(makerOf(k), r.running, payBody(1));
		expectStatus(d, 201);
		r.x = d.json;
	    },
	    path: (r) => `/api/v1/disbursements/${r.x.id}/reverse`,
	    body: () => ({ reason: '矩阵冲正' }) },
];

test('funds matrix: a row for every funds route of the permission table',
    () => {
	const def = readFileSync(path.join(ROOT, 'app/http/routes.def'), 'utf8');
	const routes = [...def.matchAll(/XZ_ROUTEF?\((\w+), "([^"]+)"/g)]
	    .map((m) => `${m[1]} ${m[2]}`)
	    .filter((r) => /fund|disbursement/.test(r) &&
	    !r.includes('/exports/'));
	assert.equal(routes.length, 33, routes.join('\n'));
	assert.deepEqual(ROWS.map((r) => r.name).sort(), routes.sort());
});

/* What a caller addressing a tenant expects of a row. */
function expectation(row, c, tenant)
{
	const role = c.role;
	if (!row.who.includes(role))
		return { status: 403, code: 'forbidden' };
	if (c.noscope)
		return { status: 403, code: 'insufficient_scope' };
	if (tenant === 'own' || row.kind === 'county')
		return { status: row.ok ?? 200, has: true };
	if (tenant === 'foreign' && row.sameCounty === 'visible' &&
	    (role === 'township' || role === 'village'))
		return { status: 200, has: true };
	if (row.foreign)
		return row.foreign;
	if (row.kind === 'list')
		return { status: 200, has: false };
	return { status: 404, code: 'not_found' };
}

function show(e)
{
	return `${e.status}${e.code ? ` ${e.code}` : ''}` +
	    `${e.pointer ? ` ${e.pointer}` : ''}` +
	    `${e.has === false ? ' without the row' : ''}`;
}

const CALLER_NAMES = ['county', 'county2', 'township', 'village', 'partner',
    'partner_granted', 'partner_noscope'];
const TENANT_OF = {
	county: { own: 'A', foreign: 'C' },
	county2: { own: 'C', foreign: 'A' },
	township: { own: 'A', foreign: 'B', otherCounty: 'C' },
	village: { own: 'A', foreign: 'B', otherCounty: 'C' },
	partner: { own: 'A', foreign: 'C' },
	partner_granted: { own: 'A', foreign: 'B', otherCounty: 'C' },
	partner_noscope: { own: 'A' },
};
const ROLE_OF = { county: 'county', county2: 'county',
    township: 'township', village: 'village', partner: 'partner',
    partner_granted: 'partner', partner_noscope: 'partner' };

for (const row of ROWS) {
	for (const cname of CALLER_NAMES) {
		const tenants = row.kind === 'county' ? { own:
		    TENANT_OF[cname].own } : TENANT_OF[cname];
		for (const [tenant, k] of Object.entries(tenants)) {
			const stub = { role: ROLE_OF[cname],
			    noscope: cname === 'partner_noscope' };
			const exp = expectation(row, stub, tenant);
			test(`funds matrix: ${row.name} as ${cname}/${tenant} -> ` +
			    `${show(exp)}`, async () => {
				const c = { ...stub, tenant, name: cname,
				    token: callers()[cname] };
				const r = R[k];
				const T = TENANTS[k];
				assert.ok(r.payment, 'the fixtures were made');
				if (row.pre)
					await row.pre(r, k);
				const headers = { 'x-request-id': rid('fmx') };
				if (row.idem)
					headers['idempotency-key'] = `mx-${rid('k')}`;
				if (row.ifMatch) {
					const g = await api('GET', row.ifMatch(r, T),
					    { token: countyOf(k) });
					expectStatus(g, 200);
					headers['if-match'] = g.headers.get('etag');
				}
				const body = row.body ? row.body(r, T, c) :
				    undefined;
				const res = await api(row.method ?? row.name
				    .split(' ')[0], row.path(r, T, c),
				    { token: c.token(), body, headers });
				if (exp.status < 300) {
					expectStatus(res, exp.status);
					if (exp.has !== undefined && row.has)
						assert.equal(row.has(res.json, r, T),
						    exp.has, res.text.slice(0, 300));
					if (row.check)
						row.check(res.json, T, r, c);
				} else if (exp.pointer) {
					expectFieldError(res, exp.pointer);
				} else {
					expectProblem(res, exp.status, exp.code);
				}
				assert.equal(res.headers.get('x-request-id'),
				    headers['x-request-id']);
				if (!row.name.startsWith('GET ')) {
					const a = traces(headers['x-request-id'],
					    row.ledgerOnly);
					if (exp.status < 300)
						assert.ok(a >= 1, 'a write is audited');
					else
						assert.equal(a, 0, 'a refused write ' +
						    'changed nothing');
				}
			});
		}
	}
}
