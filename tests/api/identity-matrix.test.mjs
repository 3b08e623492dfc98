/*
 * The tenant-isolation matrix of the identity routes (issue 3): users,
 * partner clients and /auth/{me,logout,password}, every caller of
 * lib.mjs's callers() x own and foreign tenant.
 *
 * Routes addressed by a code-free path (lists, POST, /auth/*) are rows of
 * matrix().  Routes addressed by a user or client id cannot be: the
 * matrix's template variables are org codes.  For those, the same checks
 * are written out here (byId below): for each caller and tenant a scratch
 * user or client of that tenant, created as the owner for the one test and
 * deleted afterwards, and the answer (2xx where the caller manages it, 403
 * by role, 404 outside the tenant), never 5xx, problem+json on refusals,
 * an audit row for a successful write and none (and no change) for a
 * refused one.
 *
 * Who manages whom: county users the township users of their county,
 * township users the village users of their township; nobody their own
 * level or above (404, like another tenant's row).  Partner clients: county
 * users of the client's county.
 */

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, test } from 'node:test';

import {
	FOREIGN, api, auditCount, callers, dropClient, dropUser,
	expectProblem, expectStatus, fixtures, matrix, noteSecret, psqlOwner,
	rid,
} from './lib.mjs';

const f = fixtures();
const RUN = crypto.randomBytes(3).toString('hex');
const ALL = callers();
/* A syntactically valid argon2id string no password matches. */
const DUMMY_HASH = '$argon2id$v=19$m=65536,t=2,p=1$' +
    `${crypto.randomBytes(16).toString('base64').replace(/=+$/, '')}$` +
    `${crypto.randomBytes(32).toString('base64').replace(/=+$/, '')}`;
noteSecret('argon2_hash', DUMMY_HASH);

const forbidden = { status: 403, code: 'forbidden' };
const forbiddenBoth = { own: forbidden, foreign: forbidden };
const notFound = { status: 404, code: 'not_found' };

/* ------------------------------------------------------ scratch rows */

let seq = 0;

/* Where a scratch user lives: level and codes. */
const USER_KINDS = {
	/* a township user of T1 (county 330599) */
	T1: { level: 'township', county: f.county, township: f.t1 },
	/* a township user of the foreign county */
	Tf: { level: 'township', county: FOREIGN.county,
	    township: FOREIGN.township },
	/* village users of V1 (T1), V2 (T2, same county), the foreign county */
	V1: { level: 'village', county: f.county, township: f.t1,
	    village: f.v1 },
	V2: { level: 'village', county: f.county, township: f.t2,
	    village: f.v2 },
	Vf: { level: 'village', county: FOREIGN.county,
	    township: FOREIGN.township, village: FOREIGN.village },
	/* a county user of 330599 */
	C: { level: 'county', county: f.county },
};

function q(s)
{
	return s === undefined ? 'null' : `'${s}'`;
}

/*
 * The state of a user row and the audit rows of a request id, in one psql
 * run: { row: {version, display_name, status, hash, must_change, login,
 * locked}, audit: [actions] }.  pre: SQL run first (same run).
 */
function userState(id, requestId = '', pre = '')
{
	assert.match(id, /^[0-9a-f-]{36}$/);
	assert.match(requestId, /^[A-Za-z0-9._-]*$/);
	return JSON.parse(psqlOwner(`${pre}
select json_build_object('row', (select json_build_object('version',
    version, 'display_name', display_name, 'status', status,
    'hash', password_hash, 'must_change', must_change_password,
    'locked', coalesce((select (locked_until > now())::text
	from login_throttle t where t.login = u.login), 'no'))
    from users u where id = '${id}'),
    'audit', (select coalesce(json_agg(a.action || ' ' || a.entity_id ||
	' ' || coalesce(a.after ->> 'reason', '') || ' ' ||
	(strpos(coalesce(a.before::text, '') || coalesce(a.after::text, ''),
	'$argon2') > 0)::text order by a.id), '[]')
	from audit_log a where a.request_id = '${requestId}'))`));
}

function clientState(id, requestId = '', pre = '')
{
	assert.match(id, /^[0-9a-f-]{36}$/);
	assert.match(requestId, /^[A-Za-z0-9._-]*$/);
	return JSON.parse(psqlOwner(`${pre}
select json_build_object('row', (select json_build_object('version',
    version, 'name', name, 'status', status, 'hash', secret_hash,
    'previous_until', previous_secret_until)
    from partner_clients where id = '${id}'),
    'audit', (select coalesce(json_agg(a.action || ' ' || a.entity_id ||
	' ' || coalesce(a.after ->> 'reason', '') || ' ' ||
	(strpos(coalesce(a.before::text, '') || coalesce(a.after::text, ''),
	'$argon2') > 0)::text order by a.id), '[]')
	from audit_log a where a.request_id = '${requestId}'))`));
}

/* A user row of this kind, as the owner.  Returns { id, login, kind }. */
function scratchUser(kind)
{
	const k = USER_KINDS[kind];
	seq++;
	const login = `it-mx-${RUN}-${kind.toLowerCase()}-${seq}`;
	const id = psqlOwner(`insert into users (login, display_name, level,
	    county_code, township_code, village_code, password_hash,
	    must_change_password) values ('${login}', '矩阵用户', '${k.level}',
	    '${k.county}', ${q(k.township)}, ${q(k.village)}, '${DUMMY_HASH}',
	    false) returning id`);
	assert.match(id, /^[0-9a-f-]{36}$/);
	return { id, login, kind };
}

/* A partner client of this county, as the owner.  Returns { id }. */
function scratchClient(county)
{
	const id = psqlOwner(`insert into partner_clients (county_code, name,
	    scopes, townships, secret_hash) values ('${county}', '矩阵伙伴',
	    array['org:read'], null, '${DUMMY_HASH}') returning id`);
	assert.match(id, /^[0-9a-f-]{36}$/);
	return { id };
}

/*
 * Rows every list check looks for: one user of each kind and a client of
 * each county, for the whole file.
 */
const FIXED = Object.fromEntries(Object.keys(USER_KINDS).map((k) =>
    [k, scratchUser(k)]));
const FIXED_CLIENTS = { own: scratchClient(f.county),
    foreign: scratchClient(FOREIGN.county) };
after(() => {
	for (const u of Object.values(FIXED))
		dropUser(u.id);
	for (const c of Object.values(FIXED_CLIENTS))
		dropClient(c.id);
});

/* ------------------------------------------------------ matrix() rows */

const ROLE_CLAIM = { county: 'county', township: 'township',
    village: 'village', partner: 'partner', partner_granted: 'partner',
    partner_noscope: 'partner' };

const usersDenied = {
	village: forbiddenBoth,
	partner: forbiddenBoth,
	partner_granted: { own: forbidden, foreign: forbidden },
	partner_noscope: { own: forbidden },
};

const countyOnlyDenied = {
	township: { own: forbidden, foreign: forbidden,
	    otherCounty: forbidden },
	...usersDenied,
};

const NEW_PW = { old: `Mx-old-${crypto.randomBytes(9).toString('hex')}`,
    new: `Mx-new-${crypto.randomBytes(9).toString('hex')}` };
noteSecret('password', NEW_PW.old, NEW_PW.new);

matrix([
	{
		method: 'GET',
		path: '/api/v1/users?limit=200',
		expect: {
			county: { own: 200, foreign: 200 },
			township: { own: 200, foreign: 200, otherCounty: 200 },
			...usersDenied,
		},
		check(res, c) {
			const ids = res.json.items.map((i) => i.id);
			if (c.role === 'county') {
				for (const i of res.json.items) {
					assert.equal(i.level, 'township', i.login);
					assert.equal(i.county_code, f.county, i.login);
				}
				assert.ok(ids.includes(FIXED.T1.id), 'own township user');
				for (const k of ['Tf', 'V1', 'V2', 'Vf', 'C'])
					assert.ok(!ids.includes(FIXED[k].id), `${k} leaked`);
			} else {
				for (const i of res.json.items) {
					assert.equal(i.level, 'village', i.login);
					assert.equal(i.township_code, f.t1, i.login);
				}
				assert.ok(ids.includes(FIXED.V1.id), 'own village user');
				for (const k of ['T1', 'Tf', 'V2', 'Vf', 'C'])
					assert.ok(!ids.includes(FIXED[k].id), `${k} leaked`);
			}
			assert.ok(!res.text.includes('argon2'));
		},
	},
	{
		/* A township user, created by a county user. */
		method: 'POST',
		path: '/api/v1/users',
		body: { login: `it-mx-${RUN}-new-t`, display_name: '矩阵新用户',
		    township: '{township}' },
		expect: {
			county: { own: 201, foreign: { status: 400,
			    code: 'validation_failed', pointer: '/township',
			    errorCode: 'prefix_mismatch' } },
			township: Object.fromEntries(['own', 'foreign',
			    'otherCounty'].map((t) => [t, { status: 400,
			    code: 'validation_failed', pointer: '/township',
			    errorCode: 'not_allowed' }])),
			...usersDenied,
		},
		check(res, c) {
			noteSecret('temporary_password', res.json.temporary_password);
			dropUser(res.json.id);
			assert.equal(res.json.level, 'township');
			assert.equal(res.json.county_code, f.county);
			assert.equal(res.json.township_code, c.target.township);
			assert.equal(res.json.must_change_password, true);
			assert.match(res.json.temporary_password,
			    /^[A-Za-z0-9_-]{43}$/);
			assert.equal(res.headers.get('location'),
			    `/api/v1/users/${res.json.id}`);
		},
	},
	{
		/* A village user, created by a township user. */
		method: 'POST',
		path: '/api/v1/users',
		body: { login: `it-mx-${RUN}-new-v`, display_name: '矩阵新用户',
		    village: '{village}' },
		expect: {
			county: Object.fromEntries(['own', 'foreign'].map((t) =>
			    [t, { status: 400, code: 'validation_failed',
			    pointer: '/village', errorCode: 'not_allowed' }])),
			township: { own: 201,
			    foreign: { status: 400, code: 'validation_failed',
			    pointer: '/village', errorCode: 'prefix_mismatch' },
			    otherCounty: { status: 400, code: 'validation_failed',
			    pointer: '/village', errorCode: 'prefix_mismatch' } },
			...usersDenied,
		},
		check(res, c) {
			noteSecret('temporary_password', res.json.temporary_password);
			dropUser(res.json.id);
			assert.equal(res.json.level, 'village');
			assert.equal(res.json.village_code, c.target.village);
			assert.equal(res.json.township_code, f.t1);
		},
	},
	{
		method: 'GET',
		path: '/api/v1/partner-clients?limit=200',
		expect: {
			county: { own: 200, foreign: 200 },
			...countyOnlyDenied,
		},
		check(res) {
			const ids = res.json.items.map((i) => i.id);
			for (const i of res.json.items) {
				assert.equal(i.county_code, f.county, i.id);
				assert.ok(!('secret_hash' in i));
			}
			assert.ok(ids.includes(FIXED_CLIENTS.own.id));
			assert.ok(!ids.includes(FIXED_CLIENTS.foreign.id),
			    'the other county\'s client leaked');
			assert.ok(!res.text.includes('argon2'));
		},
	},
	{
		method: 'POST',
		path: '/api/v1/partner-clients',
		body: { name: '矩阵伙伴', scopes: ['org:read'],
		    townships: ['{township}'] },
		expect: {
			county: { own: 201, foreign: { status: 400,
			    code: 'validation_failed', pointer: '/townships',
			    errorCode: 'prefix_mismatch' } },
			...countyOnlyDenied,
		},
		check(res, c) {
			noteSecret('client_secret', res.json.client_secret);
			dropClient(res.json.id);
			assert.equal(res.json.county_code, f.county);
			assert.deepEqual(res.json.townships, [c.target.township]);
			assert.match(res.json.client_secret, /^[A-Za-z0-9_-]{43}$/);
		},
	},
	{
		method: 'GET',
		path: '/api/v1/auth/me',
		expect: {
			county: { own: 200, foreign: 200 },
			township: { own: 200, foreign: 200, otherCounty: 200 },
			village: { own: 200, foreign: 200, otherCounty: 200 },
			partner: { own: 200, foreign: 200 },
			partner_granted: { own: 200, foreign: 200 },
			/* /auth/me needs no scope. */
			partner_noscope: { own: 200, foreign: 200 },
		},
		check(res, c) {
			const own = c.caller.tenants.own;
			assert.equal(res.json.role, ROLE_CLAIM[c.role]);
			assert.equal(res.json.county, own.county);
			assert.equal(res.json.sub, `api-test-${ROLE_CLAIM[c.role]}`);
			assert.equal(res.json.user, null, 'no local account');
			if (c.role === 'township' || c.role === 'village')
				assert.equal(res.json.township, own.township);
			if (c.role === 'village')
				assert.equal(res.json.village, own.village);
		},
	},
	{
		/* The minted tokens have no local account. */
		method: 'POST',
		path: '/api/v1/auth/password',
		body: { old_password: NEW_PW.old, new_password: NEW_PW.new },
		expect: {
			county: { own: { status: 409, code: 'no_local_password' },
			    foreign: { status: 409, code: 'no_local_password' } },
			township: Object.fromEntries(['own', 'foreign',
			    'otherCounty'].map((t) => [t, { status: 409,
			    code: 'no_local_password' }])),
			village: Object.fromEntries(['own', 'foreign',
			    'otherCounty'].map((t) => [t, { status: 409,
			    code: 'no_local_password' }])),
			partner: forbiddenBoth,
			partner_granted: { own: forbidden },
			partner_noscope: { own: forbidden },
		},
	},
]);

/* ----------------------------------------------- /auth/logout, by hand */

/*
 * Not a matrix() row: a logout with these tokens (no session) changes
 * nothing, so it has no audit row, which matrix() would require of a 2xx
 * write.  Every caller may log out (partners need no scope).
 */
for (const role of Object.keys(ROLE_CLAIM)) {
	for (const tenant of Object.keys(ALL[role].tenants)) {
		test(`identity matrix: POST /api/v1/auth/logout as ${role}/` +
		    `${tenant} -> 204`, async () => {
			const id = rid('mx');
			const res = await api('POST', '/api/v1/auth/logout', { token:
			    ALL[role].token(), headers: { 'x-request-id': id } });
			expectStatus(res, 204);
			assert.equal(res.text, '');
			assert.equal(res.headers.get('x-request-id'), id);
			assert.equal(auditCount(id), 0, 'no session, no change');
		});
	}
}

test('identity matrix: POST /api/v1/auth/logout without a token -> 401',
    async () => {
	expectProblem(await api('POST', '/api/v1/auth/logout'), 401,
	    'token_missing');
	expectProblem(await api('GET', '/api/v1/auth/me'), 401, 'token_missing');
	expectProblem(await api('POST', '/api/v1/auth/password', { body:
	    { old_password: NEW_PW.old, new_password: NEW_PW.new } }), 401,
	    'token_missing');
});

/* -------------------------------------------------- routes with an id */

/*
 * callers and tenants of the id routes: [role, tenant, target kind,
 * expectation].  'level' tenants address a user of the caller's own
 * county or township whom the caller does not manage (its own level, or
 * two levels down).
 */
const OK = 'ok';
const USER_CASES = [
	['county', 'own', 'T1', OK],
	['county', 'foreign', 'Tf', notFound],
	['county', 'level (village user of its county)', 'V1', notFound],
	['county', 'level (county user)', 'C', notFound],
	['township', 'own', 'V1', OK],
	['township', 'foreign', 'V2', notFound],
	['township', 'otherCounty', 'Vf', notFound],
	['township', 'level (township user of its township)', 'T1', notFound],
	['village', 'own', 'V1', forbidden],
	['village', 'foreign', 'V2', forbidden],
	['village', 'otherCounty', 'Vf', forbidden],
	['partner', 'own', 'T1', forbidden],
	['partner', 'foreign', 'Tf', forbidden],
	['partner_granted', 'own', 'T1', forbidden],
	['partner_noscope', 'own', 'T1', forbidden],
];

/*
 * Each route: the answer for a caller who may (ok, okCheck on the answer
 * and the new state), pre (SQL run before, e.g. to lock the user) and,
 * for writes, what a successful one audits.  A refused one must leave the
 * row as it was and write no audit row.
 */
const USER_ROUTES = [
	{
		method: 'GET',
		path: (id) => `/api/v1/users/${id}`,
		ok: 200,
		okCheck(res, target) {
			assert.equal(res.json.id, target.id);
			assert.equal(res.json.login, target.login);
			assert.equal(res.headers.get('etag'),
			    `"${res.json.version}"`);
			assert.ok(!('password_hash' in res.json));
		},
	},
	{
		method: 'PATCH',
		path: (id) => `/api/v1/users/${id}`,
		body: { display_name: '矩阵改名' },
		ifMatch: true,
		ok: 200,
		okCheck(res, target, before, after) {
			assert.equal(res.json.display_name, '矩阵改名');
			assert.equal(res.json.version, before.row.version + 1);
			assert.equal(after.row.display_name, '矩阵改名');
		},
	},
	{
		method: 'PATCH',
		path: (id) => `/api/v1/users/${id}`,
		body: { status: 'disabled' },
		ifMatch: true,
		ok: 200,
		okCheck(res, target, before, after) {
			assert.equal(res.json.status, 'disabled');
			assert.equal(after.row.status, 'disabled');
		},
	},
	{
		method: 'POST',
		path: (id) => `/api/v1/users/${id}/password-reset`,
		ok: 200,
		okCheck(res, target, before, after) {
			noteSecret('temporary_password', res.json.temporary_password);
			assert.match(res.json.temporary_password,
			    /^[A-Za-z0-9_-]{43}$/);
			assert.notEqual(after.row.hash, before.row.hash);
			assert.equal(after.row.must_change, true);
		},
	},
	{
		method: 'POST',
		path: (id) => `/api/v1/users/${id}/unlock`,
		ok: 204,
		pre: (target) => `insert into login_throttle (login, attempts,
		    window_start, locked_until) values ('${target.login}', 5,
		    now(), now() + interval '15 minutes') on conflict (login) do
		    update set attempts = 5, window_start = now(),
		    locked_until = now() + interval '15 minutes';`,
		okCheck(res, target, before, after) {
			assert.equal(before.row.locked, 'true');
			assert.equal(after.row.locked, 'no');
			assert.ok(after.audit.some((a) => a.startsWith(
			    `unlock ${target.id} manager`)), `${after.audit}`);
		},
	},
];

const CLIENT_CASES = [
	['county', 'own', 'own', OK],
	['county', 'foreign', 'foreign', notFound],
	['township', 'own', 'own', forbidden],
	['township', 'foreign', 'foreign', forbidden],
	['village', 'own', 'own', forbidden],
	['village', 'foreign', 'foreign', forbidden],
	['partner', 'own', 'own', forbidden],
	['partner', 'foreign', 'foreign', forbidden],
	['partner_granted', 'own', 'own', forbidden],
	['partner_noscope', 'own', 'own', forbidden],
];

const CLIENT_ROUTES = [
	{
		method: 'GET',
		path: (id) => `/api/v1/partner-clients/${id}`,
		ok: 200,
		okCheck(res, target) {
			assert.equal(res.json.id, target.id);
			assert.equal(res.json.county_code, f.county);
			assert.ok(!('secret_hash' in res.json));
			assert.ok(!res.text.includes('argon2'));
		},
	},
	{
		method: 'PATCH',
		path: (id) => `/api/v1/partner-clients/${id}`,
		body: { name: '矩阵改名伙伴', status: 'disabled' },
		ifMatch: true,
		ok: 200,
		okCheck(res, target, before, after) {
			assert.equal(res.json.name, '矩阵改名伙伴');
			assert.equal(res.json.status, 'disabled');
			assert.equal(res.json.version, before.row.version + 1);
			assert.equal(after.row.status, 'disabled');
		},
	},
	{
		method: 'POST',
		path: (id) => `/api/v1/partner-clients/${id}/rotate-secret`,
		ok: 200,
		okCheck(res, target, before, after) {
			noteSecret('client_secret', res.json.client_secret);
			assert.equal(res.json.client_id, target.id);
			assert.match(res.json.client_secret, /^[A-Za-z0-9_-]{43}$/);
			assert.notEqual(after.row.hash, before.row.hash);
			assert.ok(after.row.previous_until);
		},
	},
];

function expectName(exp, okStatus)
{
	return exp === OK ? `${okStatus}` : `${exp.status} ${exp.code}`;
}

/*
 * One test.  A caller who may act gets a scratch row made for the test
 * (make, deleted by drop); a refused caller addresses the file's fixed
 * row of that tenant (it must stay as it was).  state(id, requestId, pre)
 * reads the row and the audit rows of the request.
 */
function byId(route, role, tenant, exp, target, { make, drop, state })
{
	const shown = route.body?.status ? ` (${JSON.stringify(route.body)})` :
	    '';
	test(`identity matrix: ${route.method} ${route.path('{id}')}${shown} ` +
	    `as ${role}/${tenant} -> ${expectName(exp, route.ok)}`, async (t) => {
		let row = target;
		if (exp === OK) {
			row = make();
			t.after(() => drop(row.id));
		}
		const before = state(row.id, '', route.pre?.(row) ?? '');
		assert.ok(before.row, 'the target row exists');
		const id = rid('mx');
		const headers = { 'x-request-id': id };
		if (route.ifMatch)
			headers['if-match'] = `"${before.row.version}"`;
		const res = await api(route.method, route.path(row.id), {
		    token: ALL[role].token(), body: route.body, headers });
		assert.equal(res.headers.get('x-request-id'), id);
		if (exp === OK)
			expectStatus(res, route.ok);
		else
			expectProblem(res, exp.status, exp.code);
		const after = state(row.id, id);
		for (const a of after.audit)
			assert.ok(a.endsWith(' false'), `a hash in the audit: ${a}`);
		if (exp === OK) {
			if (route.method !== 'GET')
				assert.ok(after.audit.length >= 1,
				    'a successful write is audited');
			await route.okCheck?.(res, row, before, after);
		} else {
			assert.deepEqual(after.audit, [],
			    'a refused write is not audited');
			assert.deepEqual(after.row, before.row, 'the row is unchanged');
		}
	});
}

const userCtx = { make: null, drop: dropUser, state: userState };
for (const route of USER_ROUTES) {
	for (const [role, tenant, kind, exp] of USER_CASES) {
		byId(route, role, tenant, exp, FIXED[kind], { ...userCtx,
		    make: () => scratchUser(kind) });
	}
}

for (const route of CLIENT_ROUTES) {
	for (const [role, tenant, which, exp] of CLIENT_CASES) {
		const county = which === 'own' ? f.county : FOREIGN.county;
		byId(route, role, tenant, exp, FIXED_CLIENTS[which], {
		    make: () => scratchClient(county), drop: dropClient,
		    state: clientState });
	}
}

/* The id routes are 404, not 5xx, for an id that does not exist. */
test('identity matrix: an unknown user or client id -> 404 for its manager',
    async () => {
	const ghost = crypto.randomUUID();
	for (const [m, p, body, role] of [
	    ['GET', `/api/v1/users/${ghost}`, undefined, 'county'],
	    ['PATCH', `/api/v1/users/${ghost}`, { display_name: 'x' }, 'county'],
	    ['POST', `/api/v1/users/${ghost}/password-reset`, undefined,
	    'township'],
	    ['POST', `/api/v1/users/${ghost}/unlock`, undefined, 'township'],
	    ['GET', `/api/v1/partner-clients/${ghost}`, undefined, 'county'],
	    ['PATCH', `/api/v1/partner-clients/${ghost}`, { name: 'x' },
	    'county'],
	    ['POST', `/api/v1/partner-clients/${ghost}/rotate-secret`,
	    undefined, 'county']]) {
		const id = rid('mx');
		const res = await api(m, p, { token: ALL[role].token(), body,
		    headers: { 'x-request-id': id, 'if-match': '"1"' } });
		expectProblem(res, 404, 'not_found');
		assert.equal(auditCount(id), 0, `${m} ${p}`);
	}
});
