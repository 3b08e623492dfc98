/*
 * The isolation matrix of the cooperative routes (issue 6): every caller
 * (county, another county, township, village, partner with coops:read and
 * bookings:write, a partner whose townships grant does not include the
 * target, a partner without the coops scopes) x the tenants it addresses
 * (own, foreign: another township of the county or another county), for
 * the list, get and write routes.  A role the route does not admit gets
 * 403; a foreign row is not there (404), a foreign list is empty.  A
 * refused write leaves no audit row, a successful one leaves one.
 *
 * lib.mjs's matrix() fills codes only; these rows address cooperatives,
 * members, machines, parcels, houses, teams, bookings, transfers and
 * leases by id, so the file has its own small runner over the same
 * callers and checks.  The rows it
 * addresses are created first (the before hook) in three tenants: A = the
 * demo township T1 (village V1), B = T2 (V2) of the same county, C = the
 * foreign county 330600; all are dropped afterwards as the owner.
 */

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, test } from 'node:test';

import {
	FOREIGN, api, auditCount, dropCooperatives, expectFieldError,
	expectProblem, expectStatus, fixtures, randomResidentId, randomUscc,
	rid, tokenFor,
} from './lib.mjs';

const f = fixtures();
const RUN = crypto.randomBytes(3).toString('hex');

const TENANTS = {
	A: { county: f.county, township: f.t1, village: f.v1 },
	B: { county: f.county, township: f.t2, village: f.v2 },
	C: { county: FOREIGN.county, township: FOREIGN.township,
	    village: FOREIGN.village },
};
/* Per tenant: the ids of its rows (filled by before). */
const R = { A: {}, B: {}, C: {} };
const created = [];

const countyOf = (t) => tokenFor('county', { county: TENANTS[t].county });

const CALLERS = {
	county: { role: 'county', tenants: { own: 'A', foreign: 'C' },
	    token: () => tokenFor('county', { county: f.county }) },
	county2: { role: 'county', tenants: { own: 'C', foreign: 'A' },
	    token: () => tokenFor('county', { county: FOREIGN.county }) },
	township: { role: 'township',
	    tenants: { own: 'A', foreign: 'B', otherCounty: 'C' },
	    token: () => tokenFor('township', { county: f.county,
	    township: f.t1 }) },
	village: { role: 'village',
	    tenants: { own: 'A', foreign: 'B', otherCounty: 'C' },
	    token: () => tokenFor('village', { county: f.county,
	    township: f.t1, village: f.v1 }) },
	partner: { role: 'partner', tenants: { own: 'A', foreign: 'C' },
	    token: () => tokenFor('partner', { county: f.county,
	    scope: 'coops:read bookings:write', townships: '*' }) },
	partner_granted: { role: 'partner',
	    tenants: { own: 'A', foreign: 'B', otherCounty: 'C' },
	    token: () => tokenFor('partner', { county: f.county,
	    scope: 'coops:read bookings:write', townships: [f.t1] }) },
	partner_noscope: { role: 'partner', noscope: true,
	    tenants: { own: 'A' },
	    token: () => tokenFor('partner', { county: f.county,
	    scope: 'org:read funds:read', townships: '*' }) },
};

const ALL = ['county', 'township', 'village', 'partner'];
const USERS = ['county', 'township', 'village'];
const OFFICER = ['county', 'township'];
const OFFICER_PARTNER = ['county', 'township', 'partner'];

let n = 0;
let years = 0;
/* A calendar year as a term no other request of this run uses. */
function year()
{
	years++;
	const y = 2032 + years;
	assert.ok(y < 2200);
	return { from: `${y}-01-01`, to: `${y}-12-31` };
}

/* A period no other request of this run uses (one week of 2031-2090). */
function period()
{
	n++;
	const y = 2031 + Math.floor(n / 50);
	const d = new Date(Date.UTC(y, 0, 1 + (n % 50) * 7));
	const e = new Date(d.getTime() + 2 * 86400000);
	return { from: d.toISOString().slice(0, 10),
	    to: e.toISOString().slice(0, 10) };
}

async function post(p, body, token)
{
	const res = await api('POST', p, { token, body });
	expectStatus(res, 201);
	return res.json;
}

function coopBody(t, kind)
{
	n++;
	return { township: TENANTS[t].township, kind,
	    name: `矩阵测试${kind}${RUN}${n}`, uscc: randomUscc(
	    TENANTS[t].county), legal_representative: '矩阵',
	    founded_on: '2015-01-01', villages: [TENANTS[t].village] };
}

function memberBody(t)
{
	n++;
	return { kind: 'person', name: `矩阵社员${n}`,
	    village: TENANTS[t].village, joined_on: '2016-01-01',
	    contribution: { kind: 'money', fen: 100 },
	    resident_id: randomResidentId() };
}

async function setup(t)
{
	const tok = countyOf(t);
	const r = R[t];
	const mc = await post('/api/v1/cooperatives', coopBody(t, 'machinery'),
	    tok);
	created.push(mc.id);
	r.coop = mc.id;
	const mb = memberBody(t);
	r.residentId = mb.resident_id;
	r.member = (await post(`/api/v1/cooperatives/${mc.id}/members`, mb,
	    tok)).id;
	n++;
	r.machine = (await post(`/api/v1/cooperatives/${mc.id}/machines`,
	    { type: 'tractor', model: '矩阵', power_kw: 50,
	    plate_or_serial: `MX${RUN}${n}` }, tok)).id;
	r.booking = (await post('/api/v1/bookings', { machine_id: r.machine,
	    booked_by_kind: 'village', booked_by: '矩阵村',
	    period: period(), price_fen: 1 }, tok)).id;
	const fc = await post('/api/v1/cooperatives', coopBody(t, 'farmland'),
	    tok);
	created.push(fc.id);
	r.fcoop = fc.id;
	const fm = await post(`/api/v1/cooperatives/${fc.id}/members`,
	    memberBody(t), tok);
	r.fmember = fm.id;
	n++;
	r.parcel = (await post(`/api/v1/cooperatives/${fc.id}/parcels`,
	    { member_id: fm.id, village: TENANTS[t].village,
	    parcel_code: `${TENANTS[t].village}99${String(10000 +
	    crypto.randomInt(89999))}`, certificate_no: `MX${RUN}${n}`,
	    area_mu_x100: 300, land_use: 'arable' }, tok)).id;
	const hc = await post('/api/v1/cooperatives', coopBody(t, 'housing'),
	    tok);
	created.push(hc.id);
	r.hcoop = hc.id;
	r.hmember = (await post(`/api/v1/cooperatives/${hc.id}/members`,
	    memberBody(t), tok)).id;
	n++;
	r.house = (await post(`/api/v1/cooperatives/${hc.id}/houses`,
	    { member_id: r.hmember, village: TENANTS[t].village,
	    address: `矩阵${RUN}-${n}号`, floor_area_m2: 88.5,
	    condition: 'good', occupancy: 'idle' }, tok)).id;
	r.lease = (await post('/api/v1/house-leases', { house_id: r.house,
	    lessee: '矩阵租户', term: { from: '2030-01-01', to: '2030-12-31' },
	    rent_fen_per_year: 100000 }, tok)).id;
	const lc = await post('/api/v1/cooperatives', coopBody(t, 'labor'),
	    tok);
	created.push(lc.id);
	r.lcoop = lc.id;
	r.lmember = (await post(`/api/v1/cooperatives/${lc.id}/members`,
	    memberBody(t), tok)).id;
	r.team = (await post(`/api/v1/cooperatives/${lc.id}/teams`,
	    { name: `矩阵队${RUN}`, member_ids: [r.lmember] }, tok)).id;
	r.transfer = (await post('/api/v1/land-transfers', {
	    parcel_id: r.parcel, lessee: '矩阵承租', term: { from: '2030-01-01',
	    to: '2031-12-31' }, rent_fen_per_mu_year: 50000 }, tok)).id;
}

before(async () => {
	fixtures();
	for (const t of ['A', 'B', 'C'])
		await setup(t);
});

after(() => dropCooperatives(created));

/*
 * Rows: who (the roles the route admits), kind item (a foreign row is
 * 404) or list (a foreign list lacks the row: has(json, r)), ok status,
 * path(r, T) and body(r, T) from the target's rows and codes.  pre(r, T)
 * runs before (e.g. makes the booking to cancel); foreignStatus overrides
 * what a foreign target answers.
 */
const ROWS = [
	{ method: 'GET', name: '/api/v1/cooperatives', who: ALL, kind: 'list',
	    path: (r, T) => `/api/v1/cooperatives?township=${T.township}` +
	    '&limit=200&q=' + encodeURIComponent(`矩阵测试machinery${RUN}`),
	    has: (j, r) => j.items.some((x) => x.id === r.coop) },
	{ method: 'GET', name: '/api/v1/cooperatives/{id}', who: ALL,
	    path: (r) => `/api/v1/cooperatives/${r.coop}` },
	{ method: 'PATCH', name: '/api/v1/cooperatives/{id}', who: OFFICER,
	    path: (r) => `/api/v1/cooperatives/${r.coop}`, ifMatch: true,
	    body: () => ({ legal_representative: '矩阵改' }), ok: 200 },
	{ method: 'POST', name: '/api/v1/cooperatives', who: OFFICER, ok: 201,
	    path: () => '/api/v1/cooperatives',
	    body: (r, T, t) => coopBody(t, 'housing'),
	    foreign: { status: 400, pointer: '/township' } },
	{ method: 'GET', name: '/api/v1/cooperatives/{id}/members', who: USERS,
	    path: (r) => `/api/v1/cooperatives/${r.coop}/members` },
	{ method: 'POST', name: '/api/v1/cooperatives/{id}/members',
	    who: OFFICER, ok: 201,
	    path: (r) => `/api/v1/cooperatives/${r.coop}/members`,
	    /* A village of the caller's own: only the cooperative is foreign. */
	    body: (r, T, t, c) => memberBody(c.tenants.own) },
	{ method: 'GET', name: '/api/v1/members/{id}', who: USERS,
	    path: (r) => `/api/v1/members/${r.member}` },
	{ method: 'POST', name: '/api/v1/members/search', who: OFFICER,
	    kind: 'list', read: true, path: () => '/api/v1/members/search',
	    body: (r) => ({ resident_id: r.residentId }),
	    has: (j, r) => j.items.some((x) => x.id === r.member) },
	{ method: 'GET', name: '/api/v1/cooperatives/{id}/machines', who: ALL,
	    path: (r) => `/api/v1/cooperatives/${r.coop}/machines`,
	    check: (j, r) => assert.ok(j.items.some((x) => x.id === r.machine)) },
	{ method: 'POST', name: '/api/v1/cooperatives/{id}/machines',
	    who: OFFICER, ok: 201,
	    path: (r) => `/api/v1/cooperatives/${r.coop}/machines`,
	    body: () => ({ type: 'other', model: '矩阵', power_kw: 1.5,
	    plate_or_serial: `MXP${RUN}${++n}` }) },
	{ method: 'GET', name: '/api/v1/machines/{id}', who: ALL,
	    path: (r) => `/api/v1/machines/${r.machine}` },
	{ method: 'GET', name: '/api/v1/parcels/{id}', who: ALL,
	    path: (r) => `/api/v1/parcels/${r.parcel}` },
	{ method: 'GET', name: '/api/v1/bookings', who: OFFICER_PARTNER,
	    kind: 'list', path: (r) => `/api/v1/bookings?machine=${r.machine}`,
	    has: (j, r) => j.items.some((x) => x.id === r.booking) },
	{ method: 'GET', name: '/api/v1/bookings/{id}', who: OFFICER_PARTNER,
	    path: (r) => `/api/v1/bookings/${r.booking}` },
	{ method: 'POST', name: '/api/v1/bookings', who: OFFICER_PARTNER,
	    ok: 201, scope: 'bookings:write', path: () => '/api/v1/bookings',
	    body: (r, T, t, c) => ({ machine_id: r.machine, period: period(),
	    price_fen: 10, ...(c.role === 'partner' ? {} :
	    { booked_by_kind: 'farmer', booked_by: '矩阵农户' }) }) },
	{ method: 'POST', name: '/api/v1/bookings/{id}/cancel',
	    who: OFFICER_PARTNER, ok: 200, scope: 'bookings:write',
	    pre: async (r, t) => {
		r.toCancel = (await post('/api/v1/bookings', {
		    machine_id: r.machine, booked_by_kind: 'farmer',
		    booked_by: '矩阵', period: period(), price_fen: 0 },
		    countyOf(t))).id;
	    },
	    path: (r) => `/api/v1/bookings/${r.toCancel}/cancel`,
	    body: () => ({ reason: '矩阵取消' }),
	    /* Partners cancel only the bookings they made. */
	    partnerOwn: { status: 403, code: 'forbidden' } },
	{ method: 'GET', name: '/api/v1/land-transfers', who: USERS,
	    kind: 'list',
	    path: (r) => `/api/v1/land-transfers?parcel=${r.parcel}`,
	    has: (j, r) => j.items.some((x) => x.id === r.transfer) },
	{ method: 'GET', name: '/api/v1/land-transfers/{id}', who: USERS,
	    path: (r) => `/api/v1/land-transfers/${r.transfer}` },
	{ method: 'POST', name: '/api/v1/land-transfers', who: OFFICER, ok: 201,
	    path: () => '/api/v1/land-transfers',
	    body: (r) => ({ parcel_id: r.parcel, lessee: '矩阵', term: year(),
	    rent_fen_per_mu_year: 1 }) },
	{ method: 'PATCH', name: '/api/v1/members/{id}', who: OFFICER,
	    path: (r) => `/api/v1/members/${r.member}`, ifMatch: true,
	    body: () => ({ name: `矩阵改${++n}` }), ok: 200 },
	{ method: 'PATCH', name: '/api/v1/machines/{id}', who: OFFICER,
	    path: (r) => `/api/v1/machines/${r.machine}`, ifMatch: true,
	    body: () => ({ model: `矩阵改${++n}` }), ok: 200 },
	{ method: 'PATCH', name: '/api/v1/parcels/{id}', who: OFFICER,
	    path: (r) => `/api/v1/parcels/${r.parcel}`, ifMatch: true,
	    body: () => ({ certificate_no: `MXC${++n}` }), ok: 200 },
	{ method: 'PATCH', name: '/api/v1/houses/{id}', who: OFFICER,
	    path: (r) => `/api/v1/houses/${r.house}`, ifMatch: true,
	    body: () => ({ address: `矩阵改${RUN}-${++n}号` }), ok: 200 },
	{ method: 'PATCH', name: '/api/v1/teams/{id}', who: OFFICER,
	    path: (r) => `/api/v1/teams/${r.team}`, ifMatch: true,
	    body: () => ({ name: `矩阵改队${++n}` }), ok: 200 },
	{ method: 'GET', name: '/api/v1/cooperatives/{id}/parcels', who: ALL,
	    path: (r) => `/api/v1/cooperatives/${r.fcoop}/parcels`,
	    check: (j, r) => assert.ok(j.items.some((x) => x.id === r.parcel)) },
	{ method: 'POST', name: '/api/v1/cooperatives/{id}/parcels',
	    who: OFFICER, ok: 201,
	    path: (r) => `/api/v1/cooperatives/${r.fcoop}/parcels`,
	    body: (r, T) => ({ member_id: r.fmember, village: T.village,
	    parcel_code: `${T.village}98${String(10000 +
	    crypto.randomInt(89999))}`, certificate_no: `MXP${++n}`,
	    area_mu_x100: 100, land_use: 'garden' }) },
	{ method: 'GET', name: '/api/v1/cooperatives/{id}/houses', who: ALL,
	    path: (r) => `/api/v1/cooperatives/${r.hcoop}/houses`,
	    check: (j, r) => assert.ok(j.items.some((x) => x.id === r.house)) },
	{ method: 'GET', name: '/api/v1/houses/{id}', who: ALL,
	    path: (r) => `/api/v1/houses/${r.house}` },
	{ method: 'POST', name: '/api/v1/cooperatives/{id}/houses',
	    who: OFFICER, ok: 201,
	    path: (r) => `/api/v1/cooperatives/${r.hcoop}/houses`,
	    body: (r, T) => ({ member_id: r.hmember, village: T.village,
	    address: `矩阵新${RUN}-${++n}号`, floor_area_m2: 10,
	    condition: 'fair' }) },
	{ method: 'GET', name: '/api/v1/cooperatives/{id}/teams', who: ALL,
	    path: (r) => `/api/v1/cooperatives/${r.lcoop}/teams`,
	    check: (j, r) => assert.ok(j.items.some((x) => x.id === r.team)) },
	{ method: 'GET', name: '/api/v1/teams/{id}', who: ALL,
	    path: (r) => `/api/v1/teams/${r.team}` },
	{ method: 'POST', name: '/api/v1/cooperatives/{id}/teams',
	    who: OFFICER, ok: 201,
	    path: (r) => `/api/v1/cooperatives/${r.lcoop}/teams`,
	    body: (r) => ({ name: `矩阵新队${++n}`, member_ids: [r.lmember] }) },
	{ method: 'GET', name: '/api/v1/members/{id}/skills', who: USERS,
	    path: (r) => `/api/v1/members/${r.lmember}/skills` },
	{ method: 'POST', name: '/api/v1/members/{id}/skills', who: OFFICER,
	    ok: 200, path: (r) => `/api/v1/members/${r.lmember}/skills`,
	    body: () => ({ skill: '插秧', days_available_per_month: 12 }) },
	{ method: 'GET', name: '/api/v1/house-leases', who: USERS,
	    kind: 'list',
	    path: (r) => `/api/v1/house-leases?house=${r.house}`,
	    has: (j, r) => j.items.some((x) => x.id === r.lease) },
	{ method: 'GET', name: '/api/v1/house-leases/{id}', who: USERS,
	    path: (r) => `/api/v1/house-leases/${r.lease}` },
	{ method: 'POST', name: '/api/v1/house-leases', who: OFFICER, ok: 201,
	    path: () => '/api/v1/house-leases',
	    body: (r) => ({ house_id: r.house, lessee: '矩阵', term: year(),
	    rent_fen_per_year: 1 }) },
	{ method: 'POST', name: '/api/v1/land-transfers/{id}/cancel',
	    who: OFFICER, ok: 200,
	    pre: async (r, t) => {
		r.transferToCancel = (await post('/api/v1/land-transfers', {
		    parcel_id: r.parcel, lessee: '矩阵', term: year(),
		    rent_fen_per_mu_year: 1 }, countyOf(t))).id;
	    },
	    path: (r) => `/api/v1/land-transfers/${r.transferToCancel}/cancel`,
	    body: () => ({ reason: '矩阵取消' }) },
	{ method: 'POST', name: '/api/v1/house-leases/{id}/cancel',
	    who: OFFICER, ok: 200,
	    pre: async (r, t) => {
		r.leaseToCancel = (await post('/api/v1/house-leases', {
		    house_id: r.house, lessee: '矩阵', term: year(),
		    rent_fen_per_year: 1 }, countyOf(t))).id;
	    },
	    path: (r) => `/api/v1/house-leases/${r.leaseToCancel}/cancel`,
	    body: () => ({ reason: '矩阵取消' }) },
	{ method: 'GET', name: '/api/v1/availability/labour', who: ALL,
	    kind: 'list', path: (r, T) => '/api/v1/availability/labour?' +
	    `from=2029-01-01&to=2029-01-10&township=${T.township}&limit=200`,
	    has: (j, r) => j.items.some((x) => x.id === r.team) },
	{ method: 'GET', name: '/api/v1/availability/machines', who: ALL,
	    kind: 'list', path: (r, T) => '/api/v1/availability/machines?' +
	    `from=2029-01-01&to=2029-01-10&township=${T.township}&limit=200`,
	    has: (j, r) => j.items.some((x) => x.id === r.machine) },
	{ method: 'GET', name: '/api/v1/reports/cooperatives', who: OFFICER,
	    kind: 'list', path: (r, T) => '/api/v1/reports/cooperatives?' +
	    `township=${T.township}`,
	    has: (j, r, T) => j.townships.length === 1 &&
	    j.townships[0].township_code === T.township &&
	    j.townships[0].cooperatives.total >= 2,
	    /* A township the caller does not see is not there. */
	    foreign: { status: 404, code: 'not_found' } },
];

/* What a caller addressing a tenant expects of a row. */
function expectation(row, c, tenant)
{
	const role = c.role;
	if (!row.who.includes(role))
		return { status: 403, code: 'forbidden' };
	if (c.noscope)
		return { status: 403, code: 'insufficient_scope' };
	if (tenant === 'own') {
		if (role === 'partner' && row.partnerOwn)
			return row.partnerOwn;
		return { status: row.ok ?? 200, has: true };
	}
	if (row.foreign && (role === 'county' || role === 'township'))
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
			test(`coops matrix: ${row.method} ${row.name} as ${cname}/` +
			    `${tenant} -> ${show(exp)}`, async (tt) => {
				const r = R[t];
				const T = TENANTS[t];
				assert.ok(r.coop, 'the fixtures were made');
				if (row.pre)
					await row.pre(r, t);
				const headers = { 'x-request-id': rid('cmx') };
				if (row.ifMatch) {
					const g = await api('GET', row.path(r, T),
					    { token: countyOf(t) });
					expectStatus(g, 200);
					headers['if-match'] = g.headers.get('etag');
				}
				const body = row.body ? row.body(r, T, t, c) :
				    undefined;
				const res = await api(row.method, row.path(r, T),
				    { token: c.token(), body, headers });
				if (res.status === 201 && row.name ===
				    '/api/v1/cooperatives')
					tt.after(() => dropCooperatives(res.json.id));
				if (exp.status < 300) {
					expectStatus(res, exp.status);
					if (exp.has !== undefined && row.has)
						assert.equal(row.has(res.json, r, T), exp.has,
						    res.text.slice(0, 300));
					if (row.check && exp.has)
						row.check(res.json, r);
				} else if (exp.pointer) {
					expectFieldError(res, exp.pointer);
				} else {
					expectProblem(res, exp.status, exp.code);
				}
				assert.equal(res.headers.get('x-request-id'),
				    headers['x-request-id']);
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
