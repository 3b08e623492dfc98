/*
 * The isolation matrix of the dashboard route (issue 7): every caller
 * (county, another county, township, village, partner with
 * dashboard:read for the county or for one township, a partner without
 * it) x the tenants it addresses (own; foreign: another township of the
 * county or another county), for the summary of one township
 * (?township=: a foreign one is 404) and for the whole summary (a
 * foreign township is not in it).  A role the route does not admit gets
 * 403; a partner without the scope 403 insufficient_scope.  Whatever the
 * caller, no township of another county, and for township users and
 * granted partners no township beyond their own or granted, is ever in
 * an answer.
 *
 * Tenants: A and B townships of the demo county, C of the neighbouring
 * county 330600 (tests/api/lib.mjs fixtures).
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
	FOREIGN, api, expectProblem, expectStatus, fixtures, tokenFor,
} from './lib.mjs';

const f = fixtures();

const TENANTS = {
	A: { county: f.county, township: f.t1 },
	B: { county: f.county, township: f.t2 },
	C: { county: FOREIGN.county, township: FOREIGN.township },
};

const CALLERS = {
	county: { role: 'county', tenants: { own: 'A', foreign: 'C' },
	    reach: (code) => code.startsWith(f.county),
	    token: () => tokenFor('county', { county: f.county }) },
	county2: { role: 'county', tenants: { own: 'C', foreign: 'A' },
	    reach: (code) => code.startsWith(FOREIGN.county),
	    token: () => tokenFor('county', { county: FOREIGN.county }) },
	township: { role: 'township',
	    tenants: { own: 'A', foreign: 'B', otherCounty: 'C' },
	    reach: (code) => code === f.t1,
	    token: () => tokenFor('township', { county: f.county,
	    township: f.t1 }) },
	village: { role: 'village',
	    tenants: { own: 'A', foreign: 'B', otherCounty: 'C' },
	    token: () => tokenFor('village', { county: f.county,
	    township: f.t1, village: f.v1 }) },
	partner: { role: 'partner', tenants: { own: 'A', foreign: 'C' },
	    reach: (code) => code.startsWith(f.county),
	    token: () => tokenFor('partner', { county: f.county,
	    scope: 'dashboard:read', townships: '*' }) },
	partner_granted: { role: 'partner',
	    tenants: { own: 'A', foreign: 'B', otherCounty: 'C' },
	    reach: (code) => code === f.t1,
	    token: () => tokenFor('partner', { county: f.county,
	    scope: 'dashboard:read', townships: [f.t1] }) },
	partner_noscope: { role: 'partner', noscope: true,
	    tenants: { own: 'A' },
	    token: () => tokenFor('partner', { county: f.county,
	    scope: 'org:read funds:read coops:read personnel:read changes:read',
	    townships: '*' }) },
};

const WHO = ['county', 'township', 'partner'];

/*
 * Rows: one (kind one: a foreign township is 404) or the whole summary
 * (kind all: a foreign township is absent).
 */
const ROWS = [
	{ name: 'GET /api/v1/dashboard/summary?township={code}', kind: 'one',
	    path: (X) => `/api/v1/dashboard/summary?township=${X.township}` },
	{ name: 'GET /api/v1/dashboard/summary', kind: 'all',
	    path: () => '/api/v1/dashboard/summary' },
];

function expectation(row, c, tenant)
{
	if (!WHO.includes(c.role))
		return { status: 403, code: 'forbidden' };
	if (c.noscope)
		return { status: 403, code: 'insufficient_scope' };
	if (tenant === 'own')
		return { status: 200, has: true };
	if (row.kind === 'all')
		return { status: 200, has: false };
	return { status: 404, code: 'not_found' };
}

function show(e)
{
	return `${e.status}${e.code ? ` ${e.code}` : ''}` +
	    `${e.has === false ? ' without the township' : ''}`;
}

for (const row of ROWS) {
	for (const [cname, c] of Object.entries(CALLERS)) {
		for (const [tenant, t] of Object.entries(c.tenants)) {
			const exp = expectation(row, c, tenant);
			test(`dashboard matrix: ${row.name} as ${cname}/${tenant}` +
			    ` -> ${show(exp)}`, async () => {
				const X = TENANTS[t];
				const res = await api('GET', row.path(X),
				    { token: c.token() });
				if (exp.status !== 200) {
					expectProblem(res, exp.status, exp.code);
					return;
				}
				expectStatus(res, 200);
				const codes = res.json.townships.map((x) => x.code);
				assert.equal(codes.includes(X.township), exp.has,
				    `${X.township} in ${codes}`);
				assert.ok(codes.length > 0, 'some township');
				for (const code of codes)
					assert.ok(c.reach(code), `${code} is out of ` +
					    `${cname}'s reach`);
				assert.equal(res.json.county.code,
				    c.role === 'county' && cname === 'county2' ?
				    FOREIGN.county : f.county);
				if (row.kind === 'one')
					assert.deepEqual(codes, [X.township]);
			});
		}
	}
}
