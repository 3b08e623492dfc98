/*
 * The isolation matrix of the personnel routes (issue 4): every caller
 * (county, another county, township, village, partner with
 * personnel:read for the county or for one township, a partner without
 * it) x the tenants it addresses (own; foreign: another township of the
 * county or another county) for every route.  A role the route does not
 * admit gets 403; a foreign row is not there (404), a foreign list lacks
 * it; a refused write leaves no audit row, a successful one leaves one.
 *
 * Tenants: A and B scratch townships of the demo county, C and D of the
 * neighbouring county 330600 (D receives C's transfers, E A's and B's),
 * each with a village, staff, a campaign covering the village, a team
 * and a deployment, built through the API by their own officers.
 */

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
	FOREIGN, api, auditCount, expectFieldError, expectProblem,
	expectStatus, fixtures, rid, tokenFor,
} from './lib.mjs';
import { post, staff, township } from './personnel-lib.mjs';

const cleanups = [];
const ctx = { after: (fn) => cleanups.push(fn) };
const T = {};
const R = { A: {}, B: {}, C: {}, D: {}, E: {} };

const countyOf = (t) => tokenFor('county', { county: T[t].countyCode });

const CALLERS = {
	county: { role: 'county', tenants: { own: 'A', foreign: 'C' },
	    token: () => tokenFor('county', { county: '330599' }) },
	county2: { role: 'county', tenants: { own: 'C', foreign: 'A' },
	    token: () => tokenFor('county', { county: FOREIGN.county }) },
	township: { role: 'township',
	    tenants: { own: 'A', foreign: 'B', otherCounty: 'C' },
	    token: () => T.A.tok },
	village: { role: 'village',
	    tenants: { own: 'A', foreign: 'B', otherCounty: 'C' },
	    token: () => tokenFor('village', { county: '330599',
	    township: T.A.code, village: T.A.villages[0] }) },
	partner: { role: 'partner', tenants: { own: 'A', foreign: 'C' },
	    token: () => tokenFor('partner', { county: '330599',
	    scope: 'personnel:read', townships: '*' }) },
	partner_granted: { role: 'partner',
	    tenants: { own: 'A', foreign: 'B', otherCounty: 'C' },
	    token: () => tokenFor('partner', { county: '330599',
	    scope: 'personnel:read', townships: [T.A.code] }) },
	partner_noscope: { role: 'partner', noscope: true,
	    tenants: { own: 'A' },
	    token: () => tokenFor('partner', { county: '330599',
	    scope: 'coops:read', townships: '*' }) },
};

const ALLR = ['county', 'township', 'village', 'partner'];
const USERS = ['county', 'township', 'village'];
const OFFICER = ['county', 'township'];
const OFFICER_PARTNER = ['county', 'township', 'partner'];
const TWP = ['township'];
const CTY = ['county'];
assert.ok(ALLR.length === 4);

let n = 0;

async function setup(t, county)
{
	const X = await township(ctx, 1, county);
	X.countyCode = county;
	T[t] = X;
	const r = R[t];
	r.staff = (await staff(X, 'social_affairs', { phone: '13600000000' }))
	    .id;
	r.campaign = (await post('/api/v1/campaigns', { title: '矩阵专项',
	    kind: 'inspection', priority: 'low', starts_on: '2032-01-01',
	    ends_on: '2032-12-31', lead_center_id: X.centers.social_affairs,
	    headcount_needed: 2, villages: X.villages }, X.tok)).id;
	r.high = (await post('/api/v1/campaigns', { title: '矩阵急',
	    kind: 'emergency', priority: 'urgent', starts_on: '2032-01-01',
	    ends_on: '2032-12-31', lead_center_id: X.centers.social_affairs,
	    headcount_needed: 2 }, X.tok)).id;
	r.team = (await post(`/api/v1/campaigns/${r.campaign}/teams`,
	    { name: '矩阵队', visits: [{ village: X.villages[0],
	    from: '2032-01-02', to: '2032-01-03' }] }, X.tok)).id;
	r.deployment = (await post('/api/v1/deployments', {
	    campaign_id: r.campaign, staff_id: r.staff, from: '2032-01-01',
	    to: '2032-01-01', team_id: r.team }, X.tok)).id;
}

before(async () => {
	fixtures();
	await setup('A', '330599');
	await setup('B', '330599');
	await setup('C', FOREIGN.county);
	await setup('D', FOREIGN.county);
	await setup('E', '330599');
});

after(() => {
	for (const fn of cleanups.reverse())
		fn();
});

/* A day of 2032 no other request of this file uses. */
function nextDay()
{
	n++;
	const d = new Date(Date.UTC(2032, 0, 1 + n));
	return d.toISOString().slice(0, 10);
}

/* A fresh staff member of tenant t (for writes that use one up). */
async function fresh(t)
{
	return (await staff(T[t], 'party_mass_service')).id;
}

/* Where transfers go: E only receives (so A never sees B's). */
const DEST = { A: 'E', B: 'E', C: 'D', D: 'C' };

/*
 * Rows: method, name, who, kind (item: a foreign row is 404; list: a
 * foreign list lacks it via has(); report: a foreign township is 404),
 * ok status, path(r, X), body(r, X, t, c) and pre(r, t); read: a POST
 * that writes nothing; foreign: what county/township callers get
 * instead of 404 (a body naming a foreign parent).
 */
const ROWS = [
	{ method: 'GET', name: '/api/v1/centers', who: OFFICER, kind: 'list',
	    path: (r, X) => `/api/v1/centers?township=${X.code}`,
	    has: (j, r, X) => j.items.some((x) =>
	    x.id === X.centers.social_affairs) },
	{ method: 'GET', name: '/api/v1/centers/{id}', who: OFFICER,
	    path: (r, X) => `/api/v1/centers/${X.centers.social_affairs}` },
	{ method: 'PATCH', name: '/api/v1/centers/{id}', who: TWP, ok: 200,
	    ifMatch: true,
	    path: (r, X) => `/api/v1/centers/${X.centers.social_affairs}`,
	    body: () => ({ name: `社会事务中心${++n}` }) },
	{ method: 'GET', name: '/api/v1/origin-units', who: OFFICER,
	    kind: 'list', path: (r, X) => `/api/v1/origin-units?township=` +
	    X.code, has: (j, r, X) => j.items.some((x) => x.id === X.unit) },
	{ method: 'POST', name: '/api/v1/origin-units', who: TWP, ok: 201,
	    path: () => '/api/v1/origin-units',
	    body: (r, X) => ({ township: X.code, name: `矩阵所${++n}`,
	    kind: 'township_body' }),
	    foreign: { status: 400, pointer: '/township' } },
	{ method: 'GET', name: '/api/v1/origin-units/{id}', who: OFFICER,
	    path: (r, X) => `/api/v1/origin-units/${X.unit}` },
	{ method: 'PATCH', name: '/api/v1/origin-units/{id}', who: TWP,
	    ok: 200, ifMatch: true,
	    path: (r, X) => `/api/v1/origin-units/${X.unit}`,
	    body: () => ({ name: `矩阵改所${++n}` }) },
	{ method: 'GET', name: '/api/v1/skill-tags', who: OFFICER,
	    kind: 'list', path: (r, X) => `/api/v1/skill-tags?township=` +
	    X.code, has: (j, r, X) => j.items.some((x) =>
	    x.township_code === X.code && x.code === 'statistics') },
	{ method: 'POST', name: '/api/v1/skill-tags', who: TWP, ok: 201,
	    path: () => '/api/v1/skill-tags',
	    body: (r, X) => ({ township: X.code, code: `skill_${++n}`,
	    label: '矩阵' }), foreign: { status: 400, pointer: '/township' } },
	{ method: 'GET', name: '/api/v1/staff', who: OFFICER, kind: 'list',
	    path: (r, X) => `/api/v1/staff?township=${X.code}&limit=200`,
	    has: (j, r) => j.items.some((x) => x.id === r.staff) },
	{ method: 'POST', name: '/api/v1/staff', who: TWP, ok: 201,
	    path: () => '/api/v1/staff',
	    body: (r, X) => ({ name: '矩阵员', origin_unit_id: X.unit,
	    establishment: 'contract', center_id: X.centers.social_affairs,
	    post: '科员' }), foreign: { status: 400, pointer: '/center_id' } },
	{ method: 'GET', name: '/api/v1/staff/{id}', who: OFFICER,
	    path: (r) => `/api/v1/staff/${r.staff}` },
	{ method: 'PATCH', name: '/api/v1/staff/{id}', who: TWP, ok: 200,
	    ifMatch: true, path: (r) => `/api/v1/staff/${r.staff}`,
	    body: () => ({ post: `矩阵岗${++n}` }) },
	{ method: 'POST', name: '/api/v1/staff/{id}/transfer', who: CTY,
	    ok: 201, pre: async (r, t) => { r.toMove = await fresh(t); },
	    path: (r) => `/api/v1/staff/${r.toMove}/transfer`,
	    body: (r, X, t, c) => {
		const d = T[DEST[c.tenants.own]];
		return { center_id: d.centers.social_affairs,
		    origin_unit_id: d.unit, effective_on: '2032-06-01',
		    reason: '矩阵调动' };
	    } },
	{ method: 'GET', name: '/api/v1/staff-transfers', who: OFFICER,
	    kind: 'list', pre: async (r, t) => {
		if (r.transferred)
			return;
		const s = await fresh(t);
		const d = T[DEST[t]];
		await post(`/api/v1/staff/${s}/transfer`, { center_id:
		    d.centers.law_based_governance, origin_unit_id: d.unit,
		    effective_on: '2032-06-01', reason: '矩阵' }, countyOf(t));
		r.transferred = s;
	    },
	    path: (r, X) => `/api/v1/staff-transfers?township=${X.code}`,
	    has: (j, r) => j.items.some((x) =>
	    x.from_staff_id === r.transferred) },
	{ method: 'GET', name: '/api/v1/campaigns', who: USERS, kind: 'list',
	    path: (r, X) => `/api/v1/campaigns?township=${X.code}`,
	    has: (j, r) => j.items.some((x) => x.id === r.campaign) },
	{ method: 'POST', name: '/api/v1/campaigns', who: TWP, ok: 201,
	    path: () => '/api/v1/campaigns',
	    body: (r, X) => ({ title: '矩阵新专项', kind: 'other',
	    priority: 'normal', starts_on: '2032-02-01',
	    ends_on: '2032-02-02', lead_center_id: X.centers.social_affairs,
	    headcount_needed: 1 }),
	    foreign: { status: 400, pointer: '/lead_center_id' } },
	{ method: 'GET', name: '/api/v1/campaigns/{id}', who: USERS,
	    path: (r) => `/api/v1/campaigns/${r.campaign}` },
	{ method: 'PATCH', name: '/api/v1/campaigns/{id}', who: TWP, ok: 200,
	    ifMatch: true, path: (r) => `/api/v1/campaigns/${r.campaign}`,
	    body: () => ({ title: `矩阵改${++n}` }) },
	{ method: 'GET', name: '/api/v1/campaigns/{id}/teams', who: USERS,
	    path: (r) => `/api/v1/campaigns/${r.campaign}/teams`,
	    check: (j, r) => assert.ok(j.items.some((x) => x.id === r.team)) },
	{ method: 'POST', name: '/api/v1/campaigns/{id}/teams', who: TWP,
	    ok: 201, path: (r) => `/api/v1/campaigns/${r.campaign}/teams`,
	    body: () => ({ name: `矩阵新队${++n}` }) },
	{ method: 'GET', name: '/api/v1/campaigns/{id}/coverage',
	    who: OFFICER_PARTNER,
	    path: (r) => `/api/v1/campaigns/${r.campaign}/coverage`,
	    check: (j, r) => assert.equal(j.campaign_id, r.campaign) },
	{ method: 'POST', name: '/api/v1/campaigns/{id}/team-proposal',
	    who: TWP, ok: 200, read: true,
	    path: (r) => `/api/v1/campaigns/${r.campaign}/team-proposal`,
	    body: () => ({ days: 2 }) },
	{ method: 'GET', name: '/api/v1/campaign-teams/{id}', who: USERS,
	    path: (r) => `/api/v1/campaign-teams/${r.team}` },
	{ method: 'PATCH', name: '/api/v1/campaign-teams/{id}', who: TWP,
	    ok: 200, ifMatch: true,
	    path: (r) => `/api/v1/campaign-teams/${r.team}`,
	    body: () => ({ name: `矩阵改队${++n}` }) },
	{ method: 'GET', name: '/api/v1/deployments', who: OFFICER,
	    kind: 'list',
	    path: (r) => `/api/v1/deployments?campaign=${r.campaign}`,
	    has: (j, r) => j.items.some((x) => x.id === r.deployment) },
	{ method: 'POST', name: '/api/v1/deployments', who: TWP, ok: 201,
	    path: () => '/api/v1/deployments',
	    body: (r) => {
		const d = nextDay();
		return { campaign_id: r.campaign, staff_id: r.staff, from: d,
		    to: d, share_percent: 10 };
	    }, foreign: { status: 400, pointer: '/campaign_id' } },
	{ method: 'GET', name: '/api/v1/deployments/{id}', who: OFFICER,
	    path: (r) => `/api/v1/deployments/${r.deployment}` },
	{ method: 'PATCH', name: '/api/v1/deployments/{id}', who: TWP,
	    ok: 200, ifMatch: true,
	    path: (r) => `/api/v1/deployments/${r.deployment}`,
	    body: () => ({ role: (++n % 2) ? 'lead' : 'member' }) },
	{ method: 'POST', name: '/api/v1/deployments/{id}/cancel', who: TWP,
	    ok: 200, pre: async (r, t) => {
		const d = nextDay();
		r.toCancel = (await post('/api/v1/deployments', {
		    campaign_id: r.campaign, staff_id: r.staff, from: d,
		    to: d, share_percent: 5 }, T[t].tok)).id;
	    },
	    path: (r) => `/api/v1/deployments/${r.toCancel}/cancel`,
	    body: () => ({ reason: '矩阵取消' }) },
	{ method: 'POST', name: '/api/v1/deployments/{id}/redeploy', who: TWP,
	    ok: 201, pre: async (r, t) => {
		r.day = nextDay();
		r.toMove = (await post('/api/v1/deployments', {
		    campaign_id: r.campaign, staff_id: r.staff, from: r.day,
		    to: r.day, share_percent: 5 }, T[t].tok)).id;
	    },
	    path: (r) => `/api/v1/deployments/${r.toMove}/redeploy`,
	    body: (r) => ({ campaign_id: r.high, from: r.day, to: r.day,
	    share_percent: 5, reason: '矩阵改派' }) },
	{ method: 'GET', name: '/api/v1/reports/personnel',
	    who: OFFICER_PARTNER, kind: 'report',
	    path: (r, X) => `/api/v1/reports/personnel?township=${X.code}` +
	    '&from=2032-01-01&to=2032-01-03',
	    check: (j, r, X) => assert.equal(j.townships[0].township_code,
	    X.code) },
	{ method: 'GET', name: '/api/v1/reports/personnel/staff',
	    who: OFFICER, kind: 'report',
	    path: (r, X) => '/api/v1/reports/personnel/staff?township=' +
	    `${X.code}&from=2032-01-01&to=2032-01-03`,
	    check: (j, r) => assert.ok(j.townships[0].staff.some((s) =>
	    s.staff_id === r.staff)) },
];

function expectation(row, c, tenant)
{
	if (!row.who.includes(c.role))
		return { status: 403, code: 'forbidden' };
	if (c.noscope)
		return { status: 403, code: 'insufficient_scope' };
	if (tenant === 'own')
		return { status: row.ok ?? 200, has: true };
	if (row.foreign && c.role === 'township')
		return row.foreign;
	if (row.kind === 'list')
		return { status: 200, has: false };
	return { status: 404, code: 'not_found' };
}

function show(e)
{
	return `${e.status}${e.code ? ` ${e.code}` : ''}` +
	    `${e.has === false ? ' without the row' : ''}`;
}

for (const row of ROWS) {
	for (const [cname, c] of Object.entries(CALLERS)) {
		for (const [tenant, t] of Object.entries(c.tenants)) {
			const exp = expectation(row, c, tenant);
			test(`personnel matrix: ${row.method} ${row.name} as ` +
			    `${cname}/${tenant} -> ${show(exp)}`, async () => {
				const r = R[t];
				const X = T[t];
				assert.ok(r.staff, 'the fixtures were made');
				if (row.pre)
					await row.pre(r, t);
				const headers = { 'x-request-id': rid('pmx') };
				if (row.ifMatch) {
					const g = await api('GET', row.path(r, X),
					    { token: countyOf(t) });
					expectStatus(g, 200);
					headers['if-match'] = g.headers.get('etag');
				}
				const body = row.body ? row.body(r, X, t, c) :
				    undefined;
				const res = await api(row.method, row.path(r, X),
				    { token: c.token(), body, headers });
				if (exp.status < 300) {
					expectStatus(res, exp.status);
					if (exp.has !== undefined && row.has)
						assert.equal(row.has(res.json, r, X),
						    exp.has, res.text.slice(0, 300));
					if (row.check && exp.has)
						row.check(res.json, r, X);
				} else if (exp.pointer) {
					expectFieldError(res, exp.pointer,
					    undefined, { code: res.json?.code });
				} else {
					expectProblem(res, exp.status, exp.code);
				}
				if (row.method !== 'GET' && !row.read) {
					const a = auditCount(headers['x-request-id']);
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
