/*
 * Shared helpers for the black-box API suites (tests/api/*.test.mjs).
 * Node 20 built-ins only: global fetch, node:crypto, node:child_process.
 *
 * Environment (set by tests/run-suites.sh):
 *   XZ_BASE_URL  the running service, e.g. http://127.0.0.1:18100
 *   XZ_ROOT      the repository (dev keys, build/xiangzhi-admin)
 *   XZ_PG_PORT   the PostgreSQL cluster on 127.0.0.1 (owner access for
 *                fixtures and audit checks; without it, XZ_OWNER_URL)
 *
 * Fixtures: the demo county 330599 (seed-demo) and a second county
 * 330600 that fixtures() creates idempotently as the owner, so every suite
 * has a foreign tenant.  Tests that write create their own rows with
 * unique codes (9xx suffixes) and delete them afterwards (t.after), so the
 * demo data other suites count stays as seeded.
 *
 * ---------------------------------------------------------------------
 * The tenant-isolation matrix: how a module adds its endpoints
 * ---------------------------------------------------------------------
 * Every route in app/http/routes.def gets at least one row in
 * tests/api/matrix.test.mjs (or in a module's own *.test.mjs calling
 * matrix()).  A row is
 *
 *   {
 *     method: 'PATCH',
 *     path: '/api/v1/villages/{scratchVillage}',   // template, see below
 *     body: { population: 1234 },                  // optional, templated too
 *     ifMatch: true,        // optional: GET path first (as a county user
 *                           // of the county of the first code in the
 *                           // path) and send its ETag as If-Match
 *     check(res, c) {},     // optional: extra assertions on a 2xx answer;
 *                           // c = { role, tenant, caller, target, vars }
 *     expect: {
 *       county:   { own: 200, foreign: 404 },
 *       township: { own: 200, foreign: 404, otherCounty: 404 },
 *       village:  { own: 403, foreign: 403 },
 *       partner:  { own: 403, foreign: 403 },
 *       partner_noscope: { own: { status: 403, code: 'insufficient_scope' } },
 *     },
 *   }
 *
 * county, township, village and partner are required, each with own and
 * foreign; matrix() refuses an incomplete row.  Optional callers:
 * partner_granted (townships list [T1]) and partner_noscope (no org:read).
 * Optional tenants: sibling (village callers: another village of their own
 * township) and otherCounty (township/village/partner_granted callers:
 * the foreign county).  An expectation is a status, or {status, code} with
 * optionally pointer (and errorCode): a 4xx whose errors name that field.
 *
 * Template variables, filled from the tenant being addressed:
 *   {county} {township} {village}   existing codes of that tenant
 *   {newTownship} {newVillage}      unused codes under the tenant's county /
 *                                   township (deleted afterwards if created)
 *   {scratchTownship} {scratchVillage}  rows created for this one test as
 *                                   the owner, deleted afterwards
 * Tenants: own = the caller's county T1 V1; foreign = county 330600 for
 * county and partner callers, and T2/V2 (another township of the same
 * county) for township, village and partner_granted callers, whose
 * {county} is 330600.
 *
 * matrix() generates one top-level test per (row, caller, tenant), named
 * "matrix: METHOD path as caller/tenant -> status".  Each test also
 * checks: never 5xx; refusals are problem+json with the stable code; a
 * refused write left no audit row for its request id and a successful
 * write left one.  A new module adds its rows (and, if it has new tenant
 * kinds, new template variables in fillVars below).
 */

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import { appendFileSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';

export const BASE = (process.env.XZ_BASE_URL || 'http://127.0.0.1:18100')
    .replace(/\/$/, '');
export const ROOT = process.env.XZ_ROOT ||
    path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
export const ISS = process.env.XZ_JWT_ISSUER || 'xiangzhi-dev';
export const AUD = process.env.XZ_JWT_AUDIENCE || 'xiangzhi';

const keyDir = path.join(ROOT, 'conf', 'dev-keys');
export const KEYS = {
	hs256: {
		alg: 'HS256', kid: 'dev-hs256',
		secret: Buffer.from(readFileSync(path.join(keyDir, 'hs256.key'),
		    'latin1').trim(), 'latin1'),
	},
	rs256: {
		alg: 'RS256', kid: 'dev-rs256',
		key: readFileSync(path.join(keyDir, 'rs256.pem'), 'utf8'),
		pub: readFileSync(path.join(keyDir, 'rs256.pub.pem'), 'utf8'),
	},
	es256: {
		alg: 'ES256', kid: 'dev-es256',
		key: readFileSync(path.join(keyDir, 'es256.pem'), 'utf8'),
		pub: readFileSync(path.join(keyDir, 'es256.pub.pem'), 'utf8'),
	},
};

/* ------------------------------------------------------------ tokens */

export function b64u(data)
{
	return Buffer.from(data).toString('base64url');
}

export function now()
{
	return Math.floor(Date.now() / 1000);
}

/*
 * Signs a compact JWS with full control:
 *   header, claims   objects (JSON.stringify'd) or raw strings
 *   key              'hs256' | 'rs256' | 'es256' (dev keys), or
 *                    { hmac: Buffer|string } to HMAC with any secret
 *   signature        override the signature segment (string) entirely
 * The header defaults to the key's alg and kid.
 */
export function signJwt({ header, claims, key = 'hs256', signature } = {})
{
	const k = typeof key === 'string' ? KEYS[key] : null;
	const h = header ?? { alg: k.alg, kid: k.kid, typ: 'JWT' };
	const hs = typeof h === 'string' ? h : JSON.stringify(h);
	const ps = typeof claims === 'string' ? claims : JSON.stringify(claims);
	const input = `${b64u(hs)}.${b64u(ps)}`;
	if (signature !== undefined)
		return `${input}.${signature}`;
	let sig;
	if (k === null)
		sig = crypto.createHmac('sha256', key.hmac).update(input).digest();
	else if (k.alg === 'HS256')
		sig = crypto.createHmac('sha256', k.secret).update(input).digest();
	else if (k.alg === 'RS256')
		sig = crypto.sign('sha256', Buffer.from(input), k.key);
	else
		sig = crypto.sign('sha256', Buffer.from(input),
		    { key: k.key, dsaEncoding: 'ieee-p1363' });
	return `${input}.${b64u(sig)}`;
}

/*
 * The claims of a valid token for role.  codes: { county, township,
 * village, scope, townships }; extra overrides or adds claims (a value of
 * undefined removes the claim).
 */
export function claimsFor(role, codes = {}, extra = {})
{
	const t = now();
	const c = {
		iss: ISS, aud: AUD, sub: `api-test-${role}`, role,
		iat: t, exp: t + 600, jti: crypto.randomUUID(),
		...codes, ...extra,
	};
	for (const k of Object.keys(c)) {
		if (c[k] === undefined)
			delete c[k];
	}
	return c;
}

/* A valid token; opts: { key: 'hs256'|'rs256'|'es256', header }. */
export function tokenFor(role, codes = {}, extra = {}, opts = {})
{
	return signJwt({ claims: claimsFor(role, codes, extra),
	    key: opts.key ?? 'hs256', header: opts.header });
}

/* -------------------------------------------------------------- HTTP */

let ridCounter = 0;

/* A request id unique to this run (the service accepts [A-Za-z0-9._-]). */
export function rid(prefix = 't')
{
	ridCounter++;
	return `${prefix}-${process.pid}-${Date.now().toString(36)}-${ridCounter}`;
}

/*
 * One request.  body: a value sent as JSON with content-type
 * application/json (unless headers name another); rawBody: a string or
 * Buffer sent as is (no content-type unless headers give one).
 * Returns { status, headers (Headers), json (or undefined), text }.
 */
export async function api(method, p, { token, body, headers = {},
    rawBody } = {})
{
	const h = { ...headers };
	const lower = Object.fromEntries(Object.keys(h).map((k) =>
	    [k.toLowerCase(), k]));
	if (token !== undefined && !('authorization' in lower))
		h.authorization = `Bearer ${token}`;
	let payload;
	if (rawBody !== undefined) {
		payload = typeof rawBody === 'string' ?
		    new Uint8Array(Buffer.from(rawBody, 'utf8')) :
		    new Uint8Array(rawBody);
	} else if (body !== undefined) {
		payload = new Uint8Array(Buffer.from(JSON.stringify(body),
		    'utf8'));
		if (!('content-type' in lower))
			h['content-type'] = 'application/json';
	}
	const res = await fetch(BASE + p, { method, headers: h,
	    body: payload, redirect: 'manual' });
	const text = await res.text();
	let json;
	try {
		json = text.length ? JSON.parse(text) : undefined;
	} catch {
		json = undefined;
	}
	return { status: res.status, headers: res.headers, json, text };
}

/*
 * Sends bytes exactly as given over a fresh TCP connection (for header
 * values fetch refuses to send).  Returns { status, head, body }.
 */
export function rawHttp(bytes)
{
	const u = new URL(BASE);
	return new Promise((resolve, reject) => {
		const chunks = [];
		/* Kore drops a half-closed connection: write, then wait. */
		const s = net.connect(Number(u.port), u.hostname, () =>
		    s.write(bytes));
		s.setTimeout(10000, () => {
			s.destroy();
			reject(new Error('rawHttp: timeout'));
		});
		s.on('data', (c) => chunks.push(c));
		s.on('error', reject);
		s.on('end', () => {
			const all = Buffer.concat(chunks).toString('utf8');
			const i = all.indexOf('\r\n\r\n');
			const head = i < 0 ? all : all.slice(0, i);
			const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
			resolve({ status: m ? Number(m[1]) : 0, head,
			    body: i < 0 ? '' : all.slice(i + 4) });
		});
	});
}

function show(res)
{
	return `${res.status} ${res.text.slice(0, 400)}`;
}

/* Any answer: never 5xx. */
export function expectNo5xx(res)
{
	assert.ok(res.status < 500, `unexpected server error: ${show(res)}`);
}

export function expectStatus(res, status)
{
	expectNo5xx(res);
	assert.equal(res.status, status, `expected ${status}, got ${show(res)}`);
}

/*
 * A problem+json answer with this status and (if given) stable code.
 * Returns the problem object.
 */
export function expectProblem(res, status, code)
{
	expectStatus(res, status);
	const ct = res.headers.get('content-type') || '';
	assert.match(ct, /^application\/problem\+json\b/,
	    `content-type ${ct} for ${show(res)}`);
	const p = res.json;
	assert.equal(typeof p, 'object', `problem body is JSON: ${res.text}`);
	assert.equal(p.status, status);
	assert.equal(typeof p.title, 'string');
	assert.equal(typeof p.type, 'string');
	assert.equal(typeof p.detail, 'string');
	assert.equal(typeof p.code, 'string');
	assert.equal(p.request_id, res.headers.get('x-request-id'));
	if (code !== undefined)
		assert.equal(p.code, code, `problem code for ${show(res)}`);
	return p;
}

/*
 * A 400 naming a field: errors holds an entry with this pointer (or, with
 * kind 'parameter', this parameter) and, if given, this error code.
 */
export function expectFieldError(res, where, errCode, { kind = 'pointer',
    status = 400, code = 'validation_failed' } = {})
{
	const p = expectProblem(res, status, code);
	assert.ok(Array.isArray(p.errors), `errors list in ${res.text}`);
	const hit = p.errors.find((e) => e[kind] === where &&
	    (errCode === undefined || e.code === errCode));
	assert.ok(hit, `expected an error with ${kind} ${JSON.stringify(where)}` +
	    `${errCode ? ` code ${errCode}` : ''} in ${JSON.stringify(p.errors)}`);
	assert.equal(typeof hit.message, 'string');
	return p;
}

/* -------------------------------------------------------- the database */

/*
 * The owner's connection: XZ_PG_PORT (as tests/run-suites.sh sets it) wins
 * over XZ_OWNER_URL, so a stale XZ_OWNER_URL from `make run` in the shell
 * cannot point the fixtures at another cluster.
 */
function pgEnv()
{
	const env = { ...process.env };
	if (!process.env.XZ_PG_PORT) {
		assert.ok(process.env.XZ_OWNER_URL,
		    'set XZ_PG_PORT (or XZ_OWNER_URL) for owner access');
		return { env, args: ['-d', process.env.XZ_OWNER_URL] };
	}
	Object.assign(env, {
		PGHOST: '127.0.0.1',
		PGPORT: process.env.XZ_PG_PORT,
		PGDATABASE: 'xiangzhi',
		PGUSER: 'xiangzhi_owner',
		PGPASSWORD: process.env.XZ_OWNER_PASSWORD || 'xiangzhi-dev-owner',
	});
	return { env, args: [] };
}

/*
 * Runs SQL as the owner (psql -XAtq, ON_ERROR_STOP); returns stdout
 * without the trailing newline.  Interpolate only values you checked.
 */
export function psqlOwner(sql)
{
	const { env, args } = pgEnv();
	return execFileSync('psql', [...args, '-XAtq', '-v', 'ON_ERROR_STOP=1',
	    '-c', sql], { env, encoding: 'utf8' }).replace(/\n$/, '');
}

function digits(s, n)
{
	assert.match(String(s), new RegExp(`^[0-9]{${n}}$`));
	return String(s);
}

/* Audit rows written by one request id (count). */
export function auditCount(requestId)
{
	assert.match(requestId, /^[A-Za-z0-9._-]+$/);
	return Number(psqlOwner('select count(*) from audit_log' +
	    ` where request_id = '${requestId}'`));
}

export function auditRows(requestId)
{
	assert.match(requestId, /^[A-Za-z0-9._-]+$/);
	const out = psqlOwner('select coalesce(json_agg(json_build_object(' +
	    "'actor_sub', actor_sub, 'actor_role', actor_role," +
	    " 'county_code', county_code, 'township_code', township_code," +
	    " 'action', action, 'entity', entity, 'entity_id', entity_id," +
	    " 'before', before, 'after', after) order by id), '[]')" +
	    ` from audit_log where request_id = '${requestId}'`);
	return JSON.parse(out);
}

/* ------------------------------------------------------------ fixtures */

export const FOREIGN = {
	county: '330600', township: '330600100', village: '330600100200',
	village2: '330600100201',
};

let fx;

/*
 * Creates the foreign county (idempotent) and picks demo codes:
 *   county 330599; T1 330599107 (own township), T2 330599108 (another
 *   township of the same county); V1, V1b villages of T1; V2 of T2.
 */
export function fixtures()
{
	if (fx)
		return fx;
	psqlOwner(`
insert into counties (code, name) values ('330600', '邻溪县')
    on conflict do nothing;
insert into townships (code, county_code, name, kind)
    values ('330600100', '330600', '外溪镇', 'town') on conflict do nothing;
insert into villages (code, township_code, county_code, name, population,
    households, natural_village_count)
    values ('330600100200', '330600100', '330600', '外溪村', 900, 300, 3),
	   ('330600100201', '330600100', '330600', '外岭村', 700, 250, 2)
    on conflict do nothing;`);
	const t1 = '330599107', t2 = '330599108';
	const v1s = psqlOwner(`select code from villages where township_code =
	    '${t1}' and code < '${t1}900' order by code limit 2`).split('\n');
	const v2 = psqlOwner(`select min(code) from villages where
	    township_code = '${t2}'`);
	assert.equal(v1s.length, 2, `demo township ${t1} has villages`);
	assert.match(v2, /^[0-9]{12}$/, `demo township ${t2} has villages`);
	fx = { county: '330599', t1, t2, v1: v1s[0], v1b: v1s[1], v2 };
	return fx;
}

/* An unused code: county + 9xx (townships) or township + 9xx (villages). */
export function freshTownshipCode(county)
{
	digits(county, 6);
	const c = psqlOwner(`select c from (select '${county}' ||
	    s::text as c from generate_series(900, 999) s) x where not exists
	    (select 1 from townships t where t.code = x.c)
	    order by random() limit 1`);
	assert.match(c, /^[0-9]{9}$/, `a free township code under ${county}`);
	return c;
}

export function freshVillageCode(township)
{
	digits(township, 9);
	const c = psqlOwner(`select c from (select '${township}' ||
	    s::text as c from generate_series(900, 999) s) x where not exists
	    (select 1 from villages v where v.code = x.c)
	    order by random() limit 1`);
	assert.match(c, /^[0-9]{12}$/, `a free village code under ${township}`);
	return c;
}

export function dropVillage(code)
{
	psqlOwner(`delete from villages where code = '${digits(code, 12)}'`);
}

export function dropTownship(code)
{
	digits(code, 9);
	psqlOwner(`delete from villages where township_code = '${code}';
	    delete from townships where code = '${code}'`);
}

/* A new township row (as the owner); t.after deletes it when t is given. */
export function scratchTownship(county, t)
{
	const code = freshTownshipCode(county);
	psqlOwner(`insert into townships (code, county_code, name, kind)
	    values ('${code}', '${county}', '测试镇${code.slice(6)}', 'town')`);
	if (t)
		t.after(() => dropTownship(code));
	return code;
}

/* A new village row (as the owner); t.after deletes it when t is given. */
export function scratchVillage(township, t)
{
	const code = freshVillageCode(township);
	psqlOwner(`insert into villages (code, township_code, county_code, name,
	    population, households, natural_village_count) values ('${code}',
	    '${township}', '${township.slice(0, 6)}', '测试村${code.slice(9)}',
	    1000, 300, 2)`);
	if (t)
		t.after(() => dropVillage(code));
	return code;
}

/* -------------------------------------------------------------- matrix */

/* The callers of the matrix: their claims and the tenants they address. */
export function callers()
{
	const f = fixtures();
	const own = { county: f.county, township: f.t1, village: f.v1 };
	const otherTownship = { county: FOREIGN.county, township: f.t2,
	    village: f.v2 };
	const otherCounty = { county: FOREIGN.county,
	    township: FOREIGN.township, village: FOREIGN.village };
	return {
		county: {
			token: () => tokenFor('county', { county: f.county }),
			tenants: { own, foreign: otherCounty },
		},
		township: {
			token: () => tokenFor('township', { county: f.county,
			    township: f.t1 }),
			tenants: { own, foreign: otherTownship, otherCounty },
		},
		village: {
			token: () => tokenFor('village', { county: f.county,
			    township: f.t1, village: f.v1 }),
			tenants: { own, foreign: otherTownship, otherCounty,
			    sibling: { ...own, village: f.v1b } },
		},
		partner: {
			token: () => tokenFor('partner', { county: f.county,
			    scope: 'org:read', townships: '*' }),
			tenants: { own, foreign: otherCounty },
		},
		partner_granted: {
			token: () => tokenFor('partner', { county: f.county,
			    scope: 'org:read', townships: [f.t1] }),
			tenants: { own, foreign: otherTownship, otherCounty },
		},
		partner_noscope: {
			token: () => tokenFor('partner', { county: f.county,
			    scope: 'stats:read', townships: '*' }),
			tenants: { own, foreign: otherCounty },
		},
	};
}

const REQUIRED_CALLERS = ['county', 'township', 'village', 'partner'];

function fillVars(template, target, t)
{
	const vars = { county: target.county, township: target.township,
	    village: target.village };
	const lazy = {
		newTownship: () => {
			const c = freshTownshipCode(target.county);
			t.after(() => dropTownship(c));
			return c;
		},
		newVillage: () => {
			const c = freshVillageCode(target.township);
			t.after(() => dropVillage(c));
			return c;
		},
		scratchTownship: () => scratchTownship(target.county, t),
		scratchVillage: () => scratchVillage(target.township, t),
	};
	for (const name of Object.keys(lazy)) {
		if (template.includes(`{${name}}`))
			vars[name] = lazy[name]();
	}
	return vars;
}

function subst(value, vars)
{
	if (typeof value === 'string')
		return value.replace(/\{(\w+)\}/g, (m, k) => (k in vars ?
		    vars[k] : m));
	if (Array.isArray(value))
		return value.map((v) => subst(v, vars));
	if (value !== null && typeof value === 'object')
		return Object.fromEntries(Object.entries(value).map(([k, v]) =>
		    [k, subst(v, vars)]));
	return value;
}

function norm(e)
{
	return typeof e === 'number' ? { status: e } : e;
}

export function matrix(rows)
{
	const all = callers();
	for (const row of rows) {
		for (const r of REQUIRED_CALLERS) {
			assert.ok(row.expect[r] && 'own' in row.expect[r] &&
			    'foreign' in row.expect[r],
			    `matrix row ${row.method} ${row.path}: ${r} needs ` +
			    'own and foreign');
		}
		for (const [role, tenants] of Object.entries(row.expect)) {
			assert.ok(all[role], `matrix: unknown caller ${role}`);
			for (const [tenant, exp] of Object.entries(tenants)) {
				assert.ok(all[role].tenants[tenant],
				    `matrix: ${role} has no tenant ${tenant}`);
				matrixTest(row, role, tenant, norm(exp),
				    all[role]);
			}
		}
	}
}

function matrixTest(row, role, tenant, exp, caller)
{
	const name = `matrix: ${row.method} ${row.path} as ${role}/${tenant}` +
	    ` -> ${exp.status}${exp.code ? ` ${exp.code}` : ''}`;
	test(name, async (t) => {
		const target = caller.tenants[tenant];
		const vars = fillVars(row.path + JSON.stringify(row.body ?? ''),
		    target, t);
		const p = subst(row.path, vars);
		const body = row.body === undefined ? undefined :
		    subst(row.body, vars);
		const headers = { 'x-request-id': rid('mx') };
		if (row.ifMatch) {
			/*
			 * A prior GET by a county user of the county the
			 * addressed row belongs to (the first code in the path).
			 */
			const m = /\/([0-9]{6})[0-9]*(?:\/|$)/.exec(p);
			const g = await api('GET', p, { token: tokenFor('county',
			    { county: m ? m[1] : target.county }) });
			expectStatus(g, 200);
			headers['if-match'] = g.headers.get('etag');
		}
		const res = await api(row.method, p, { token: caller.token(),
		    body, headers });
		if (exp.status >= 200 && exp.status < 300)
			expectStatus(res, exp.status);
		else if (exp.pointer !== undefined)
			expectFieldError(res, exp.pointer, exp.errorCode,
			    { status: exp.status, code: exp.code });
		else
			expectProblem(res, exp.status, exp.code);
		assert.equal(res.headers.get('x-request-id'),
		    headers['x-request-id']);
		if (row.method !== 'GET') {
			const n = auditCount(headers['x-request-id']);
			if (exp.status >= 200 && exp.status < 300)
				assert.ok(n >= 1, 'a successful write is audited');
			else
				assert.equal(n, 0, 'a refused write changed nothing');
		}
		if (row.check && res.status >= 200 && res.status < 300)
			await row.check(res, { role, tenant, caller, target,
			    vars });
	});
}

/* ------------------------------------------------------------ identity */

/*
 * Helpers of the identity suites (identity*.test.mjs and the log check
 * zz-secrets-in-logs.test.mjs, which runs last).
 *
 * Every secret an identity test sends or receives (password, temporary
 * password, client secret, refresh token, access token, argon2 hash) is
 * noted in SECRETS_FILE, one JSON object {kind, value} a line; the log
 * check then greps the service's log (SERVICE_LOG) for each of them.
 * tests/run-suites.sh sets XZ_SECRETS_FILE and XZ_SERVICE_LOG.
 */
export const SECRETS_FILE = process.env.XZ_SECRETS_FILE ||
    path.join(process.env.XZ_WORK || '/tmp', 'xz-identity-secrets.txt');
export const SERVICE_LOG = process.env.XZ_SERVICE_LOG ||
    (process.env.XZ_WORK ? path.join(process.env.XZ_WORK, 'kore.log') :
    undefined);

/* Notes secrets of this kind (empty and non-string values are skipped). */
export function noteSecret(kind, ...values)
{
	const lines = values.filter((v) => typeof v === 'string' &&
	    v.length > 0).map((value) => `${JSON.stringify({ kind, value })}\n`);
	if (lines.length > 0)
		appendFileSync(SECRETS_FILE, lines.join(''));
}

/*
 * POST /api/v1/auth/token.  params: an object of strings; as (default
 * 'form'): 'form' (application/x-www-form-urlencoded) or 'json'.  The
 * secrets of a 200 answer (tokens) and the ones sent are noted.
 */
export async function tokenRequest(params, { as = 'form', headers = {} } =
    {})
{
	for (const k of ['password', 'client_secret', 'refresh_token']) {
		if (params[k] !== undefined)
			noteSecret(k, params[k]);
	}
	const res = as === 'json' ? await api('POST', '/api/v1/auth/token',
	    { body: params, headers }) :
	    await api('POST', '/api/v1/auth/token', {
		rawBody: new URLSearchParams(params).toString(),
		headers: { 'content-type': 'application/x-www-form-urlencoded',
		    ...headers },
	    });
	if (res.status === 200 && res.json) {
		noteSecret('access_token', res.json.access_token,
		    res.json.access_token?.split('.')[2]);
		noteSecret('refresh_token', res.json.refresh_token);
		if (res.json.refresh_token)
			noteSecret('refresh_token_hash', crypto.createHash('sha256')
			    .update(res.json.refresh_token).digest('hex'));
	}
	return res;
}

/* The claims of a compact JWS (not verified). */
export function jwtClaims(token)
{
	return JSON.parse(Buffer.from(token.split('.')[1], 'base64url')
	    .toString('utf8'));
}

export function jwtHeader(token)
{
	return JSON.parse(Buffer.from(token.split('.')[0], 'base64url')
	    .toString('utf8'));
}

function uuid(s)
{
	assert.match(String(s),
	    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
	return String(s);
}

/*
 * Deletes a user with its sessions and login counter (as the owner),
 * noting its argon2 hash first.  audit_log keeps its rows (append-only).
 */
export function dropUser(id)
{
	uuid(id);
	/* One psql run (-q: only the select prints). */
	const h = psqlOwner(`
select password_hash from users where id = '${id}';
delete from refresh_tokens where family_id in
    (select id from refresh_families where user_id = '${id}');
delete from refresh_families where user_id = '${id}';
delete from login_throttle where login in
    (select login from users where id = '${id}');
delete from users where id = '${id}';`);
	noteSecret('argon2_hash', h);
}

/* Deletes a partner client (as the owner), noting its hashes first. */
export function dropClient(id)
{
	uuid(id);
	const h = psqlOwner(`select secret_hash || ' ' ||
	    coalesce(previous_secret_hash, '') from partner_clients
	    where id = '${id}'; delete from partner_clients where id = '${id}'`);
	noteSecret('argon2_hash', ...h.split(' '));
}

/* -------------------------------------------------------- cooperatives */

/*
 * Helpers of the cooperative suites (issue 6: coops*.test.mjs and
 * zz-resident-ids-in-logs.test.mjs): valid identity codes to order, the
 * resident IDs a test sent (noted like the secrets above, so the last
 * suite can grep the logs for them), and the owner-side clean-up of
 * cooperatives a test created.
 */

/* GB 32100 unified social credit code: alphabet and weights. */
export const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24,
    10, 30, 28];

/* The check character of the first 17 characters (of the alphabet). */
export function usccCheckChar(s)
{
	let sum = 0;
	for (let i = 0; i < 17; i++) {
		const v = USCC_ALPHABET.indexOf(s[i]);
		assert.ok(v >= 0, `USCC character ${s[i]} at ${i}`);
		sum += v * USCC_WEIGHTS[i];
	}
	return USCC_ALPHABET[(31 - (sum % 31)) % 31];
}

/*
 * A random valid USCC: registration authority 9 (market regulation),
 * category 3 (farmers' cooperatives), the division code, 9 random
 * characters, the check character.  want: a check character to end with
 * (tries until one does; e.g. '0' or 'Y' for the edge cases).
 */
export function randomUscc(division = '330599', want)
{
	assert.match(division, /^[0-9]{6}$/);
	for (;;) {
		let org = '';
		for (let i = 0; i < 9; i++)
			org += USCC_ALPHABET[crypto.randomInt(31)];
		const body = `93${division}${org}`;
		const c = usccCheckChar(body);
		if (want === undefined || c === want)
			return body + c;
	}
}

/* GB 11643 (ISO 7064 MOD 11-2): weights and check characters. */
const RID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const RID_CHECK = '10X98765432';

export function residentIdCheckChar(s)
{
	let sum = 0;
	for (let i = 0; i < 17; i++) {
		assert.match(s[i], /[0-9]/);
		sum += Number(s[i]) * RID_WEIGHTS[i];
	}
	return RID_CHECK[sum % 11];
}

/*
 * A random valid resident ID number (noted for the log check): division
 * (6 digits, a real province), a birth date from 1950 to 1999, a random
 * sequence, the check character.  want: a check character to end with.
 */
export function randomResidentId({ division = '330599', birth, want } = {})
{
	assert.match(division, /^[0-9]{6}$/);
	for (;;) {
		const b = birth ?? `${1950 + crypto.randomInt(50)}` +
		    `${String(1 + crypto.randomInt(12)).padStart(2, '0')}` +
		    `${String(1 + crypto.randomInt(28)).padStart(2, '0')}`;
		const body = `${division}${b}` +
		    `${String(crypto.randomInt(1000)).padStart(3, '0')}`;
		const c = residentIdCheckChar(body);
		if (want === undefined || c === want) {
			noteResidentId(body + c);
			return body + c;
		}
	}
}

/* The masked form the API shows: first 6, 8 '*', last 4. */
export function maskResidentId(id)
{
	return `${id.slice(0, 6)}********${id.slice(14)}`;
}

/*
 * Every resident ID number a test sends (valid or not, 18 characters or
 * near) is noted here, one JSON string a line; the log check greps the
 * service's and PostgreSQL's logs and the audit trail for each, and for
 * its HMAC.  Next to SECRETS_FILE unless XZ_RESIDENT_IDS_FILE says.
 */
export const RESIDENT_IDS_FILE = process.env.XZ_RESIDENT_IDS_FILE ||
    path.join(path.dirname(SECRETS_FILE), 'resident-ids-used.txt');

export function noteResidentId(...ids)
{
	const lines = ids.filter((v) => typeof v === 'string' &&
	    v.length >= 15).map((v) => `${JSON.stringify(v)}\n`);
	if (lines.length > 0)
		appendFileSync(RESIDENT_IDS_FILE, lines.join(''));
}

/*
 * HMAC-SHA256 of a resident ID under the service's key (the development
 * key conf/dev-keys/resident-id.key unless XZ_RESIDENT_ID_KEY names
 * another file), as lower-case hex: what the service stores for matching.
 */
export function residentIdHmac(id)
{
	const file = process.env.XZ_RESIDENT_ID_KEY ||
	    path.join(ROOT, 'conf', 'dev-keys', 'resident-id.key');
	const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
	assert.equal(key.length, 32, `${file} holds 32 bytes in hex`);
	return crypto.createHmac('sha256', key).update(id).digest('hex');
}

/*
 * Deletes cooperatives and everything under them, as the owner (the
 * service deletes none; audit_log keeps its rows).  ids: UUIDs.
 */
export function dropCooperatives(...ids)
{
	const list = ids.flat().filter((x) => x !== undefined && x !== null);
	if (list.length === 0)
		return;
	const arr = `array[${list.map((x) => `'${uuid(x)}'`).join(',')}]` +
	    '::uuid[]';
	psqlOwner(['bookings', 'land_transfers', 'house_leases',
	    'labour_team_members', 'labour_teams', 'member_skills', 'houses',
	    'land_parcels', 'machines', 'member_identities', 'members',
	    'cooperative_villages', 'cooperatives'].map((t) =>
	    `delete from ${t} where ${t === 'cooperatives' ? 'id' :
	    'cooperative_id'} = any (${arr});`).join('\n'));
}

/* Deletes every cooperative of a township (before dropTownship). */
export function dropTownshipCooperatives(code)
{
	digits(code, 9);
	const ids = psqlOwner(`select id from cooperatives
	    where township_code = '${code}'`);
	dropCooperatives(ids.split('\n').filter((x) => x.length > 0));
}
