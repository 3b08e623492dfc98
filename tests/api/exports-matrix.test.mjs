/*
 * The isolation matrix of the export routes (issue 7): every caller
 * (county, another county, township, village, partner with the list's
 * scope for the county or for one township, a partner without it) x the
 * tenant it asks for (own: its township T1 of the demo county; foreign:
 * another township T2 of the county, or a township of the other county)
 * x every export.  A role the list endpoint does not admit gets 403 (a
 * partner without the scope: insufficient_scope); an admitted caller gets
 * its own rows only: an export filtered to a tenant it cannot see is
 * empty, and every row of its exports lies within what it may see.  Some
 * combinations run as XLSX too (read back: the same rows).
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { execFileSync } from 'node:child_process';
import path from 'node:path';

import { FOREIGN, ROOT, expectProblem, fixtures, tokenFor } from './lib.mjs';
import { download, parseCsv, readXlsx } from './exports-lib.mjs';

const f = fixtures();

const CALLERS = {
	county: { role: 'county', token: () => tokenFor('county',
	    { county: f.county }), sees: (t) => t.startsWith(f.county),
	    own: f.t1, foreign: FOREIGN.township },
	county2: { role: 'county', token: () => tokenFor('county',
	    { county: FOREIGN.county }), sees: (t) => t.startsWith(
	    FOREIGN.county), own: FOREIGN.township, foreign: f.t1 },
	township: { role: 'township', token: () => tokenFor('township',
	    { county: f.county, township: f.t1 }), sees: (t) => t === f.t1,
	    own: f.t1, foreign: f.t2 },
	village: { role: 'village', token: () => tokenFor('village',
	    { county: f.county, township: f.t1, village: f.v1 }),
	    sees: (t) => t === f.t1, own: f.t1, foreign: f.t2 },
	partner: { role: 'partner', scoped: true, townships: '*',
	    sees: (t) => t.startsWith(f.county), own: f.t1,
	    foreign: FOREIGN.township },
	partner_granted: { role: 'partner', scoped: true, townships: [f.t1],
	    sees: (t) => t === f.t1, own: f.t1, foreign: f.t2 },
	partner_noscope: { role: 'partner', scope: 'stats:read',
	    townships: '*', sees: () => false, own: f.t1,
	    foreign: FOREIGN.township },
};

const OFFICER = ['county', 'township'];
const USERS = ['county', 'township', 'village'];
const ALLR = ['county', 'township', 'village', 'partner'];

/* The exports: roles and scope of the list each comes from. */
const ROUTES = [
	{ ds: 'staff', roles: OFFICER, scope: 'personnel:read', rows: 116 },
	{ ds: 'deployments', roles: OFFICER, scope: 'personnel:read' },
	{ ds: 'projects', roles: ALLR, scope: 'funds:read' },
	{ ds: 'disbursements', roles: USERS, scope: 'funds:read' },
	{ ds: 'cooperatives', roles: ALLR, scope: 'coops:read' },
];

function tokenOf(c, route)
{
	if (c.role !== 'partner')
		return c.token();
	return tokenFor('partner', { county: f.county,
	    scope: c.scoped ? route.scope : c.scope, townships: c.townships });
}

function expected(c, route)
{
	if (!route.roles.includes(c.role))
		return { status: 403, code: 'forbidden' };
	if (c.role === 'partner' && !c.scoped)
		return { status: 403, code: 'insufficient_scope' };
	return { status: 200 };
}

let nx = 0;

for (const route of ROUTES) {
	for (const [name, c] of Object.entries(CALLERS)) {
		for (const tenant of ['own', 'foreign']) {
			const exp = expected(c, route);
			const xlsx = ++nx % 3 === 0;
			const fmt = xlsx ? 'xlsx' : 'csv';
			test(`matrix: GET /api/v1/exports/${route.ds}?format=${fmt}` +
			    ` as ${name}/${tenant} -> ${exp.status}` +
			    `${exp.code ? ` ${exp.code}` : ''}`, async () => {
				const tok = tokenOf(c, route);
				const code = c[tenant];
				const base = `/api/v1/exports/${route.ds}?format=`;
				const res = await download(`${base}${fmt}` +
				    `&township=${code}`, tok);
				if (exp.status !== 200) {
					expectProblem(res, exp.status, exp.code);
					return;
				}
				assert.equal(res.status, 200, res.text.slice(0, 300));
				let heads, rows;
				if (xlsx) {
					const s = readXlsx(res.buf).sheets[0];
					heads = s.rows[0].map((x) => x.v);
					rows = s.rows.slice(1).map((r) =>
					    r.map((x) => x?.v ?? ''));
				} else {
					[heads, ...rows] = parseCsv(res.buf);
				}
				const i = heads.indexOf('乡镇代码');
				assert.ok(i >= 0, `a township column in ${heads}`);
				if (tenant === 'foreign')
					assert.equal(rows.length, 0,
					    'nothing of a tenant it cannot see');
				for (const r of rows)
					assert.ok(c.sees(r[i]), `row of ${r[i]}`);
				if (tenant === 'own' && route.rows &&
				    name === 'township')
					assert.equal(rows.length, route.rows);

				/* Unfiltered: still only what it may see. */
				const all = await download(`${base}csv`, tok);
				assert.equal(all.status, 200);
				const [h2, ...r2] = parseCsv(all.buf);
				const k = h2.indexOf('乡镇代码');
				for (const r of r2)
					assert.ok(c.sees(r[k]), `row of ${r[k]}`);
				if (name === 'county2')
					assert.ok(r2.every((r) =>
					    !r[k].startsWith(f.county)));
			});
		}
	}
}

test('matrix: every export route is in this matrix', () => {
	const out = execFileSync(path.join(ROOT, 'build/xiangzhi-admin'),
	    ['routes'], { encoding: 'utf8' });
	const routes = out.split('\n').filter((l) =>
	    l.includes(' /api/v1/exports/'));
	assert.equal(routes.length, ROUTES.length, routes.join('\n'));
	for (const route of ROUTES) {
		assert.ok(routes.some((l) => l.startsWith(
		    `GET /api/v1/exports/${route.ds} `)), route.ds);
	}
});
