/*
 * Identity (issue 3), black-box: the token endpoint (password,
 * client_credentials and refresh_token grants, form and JSON, HTTP Basic,
 * RFC 6749 errors), lockout, disabled users, sessions (refresh rotation,
 * reuse, logout), /auth/me, the forced password change, password rules,
 * partner clients (scopes, township grants, secret rotation, disabling),
 * external issuers and the JWKS.  The isolation matrix of the new routes
 * is identity-matrix.test.mjs; zz-secrets-in-logs.test.mjs greps the
 * service's log for every secret noted here (noteSecret, lib.mjs).
 *
 * The demo users are shared with other suites: they only ever sign in
 * here.  Everything that locks, disables or changes a password works on
 * users created for the test ('it-' logins), deleted afterwards.
 */

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';

import {
	FOREIGN, KEYS, ROOT, api, auditRows, b64u, dropClient, dropUser,
	expectFieldError, expectNo5xx, expectProblem, expectStatus, fixtures,
	freshTownshipCode, jwtClaims, jwtHeader, noteSecret, now, psqlOwner,
	rid, tokenFor, tokenRequest,
} from './lib.mjs';

const f = fixtures();
const RUN = crypto.randomBytes(3).toString('hex');
const DEMO_PW = 'xiangzhi-demo-2026';
const DEMO_CLIENT = '5a1f0000-0000-4000-8000-000000000001';
const DEMO_SECRET = 'xiangzhi-demo-partner-secret';
const ALL_SCOPES = ['org:read', 'coops:read', 'bookings:write', 'funds:read',
    'dashboard:read', 'changes:read'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const RANDOM43 = /^[A-Za-z0-9_-]{43}$/;

noteSecret('password', DEMO_PW);
noteSecret('client_secret', DEMO_SECRET);

const countyTok = () => tokenFor('county', { county: f.county });
const townshipTok = (township = f.t1) => tokenFor('township',
    { county: township.slice(0, 6), township });

let seq = 0;

/* A login unique to this run. */
function newLogin(tag = 'u')
{
	seq++;
	return `it-${tag}-${RUN}-${seq}`;
}

/* A random password that meets the rules (noted as a secret). */
function newPassword()
{
	const p = `Xz!${crypto.randomBytes(12).toString('base64url')}7q`;
	noteSecret('password', p);
	return p;
}

/* The body of the answer holds none of these secrets. */
function noLeak(res, ...secrets)
{
	for (const s of secrets) {
		if (typeof s === 'string' && s.length >= 6)
			assert.ok(!res.text.includes(s),
			    `the answer repeats a secret: ${res.text.slice(0, 300)}`);
	}
}

/* Cache-Control: no-store and Pragma: no-cache (RFC 6749 5.1). */
function noStore(res)
{
	assert.match(res.headers.get('cache-control') || '', /\bno-store\b/);
	assert.match(res.headers.get('pragma') || '', /\bno-cache\b/);
}

/*
 * A token endpoint error: JSON with the RFC 6749 members and the problem
 * members, never cached.
 */
function expectOAuthError(res, status, error, code)
{
	expectStatus(res, status);
	assert.match(res.headers.get('content-type') || '',
	    /^application\/json\b/, res.text);
	noStore(res);
	const e = res.json;
	assert.equal(typeof e, 'object', res.text);
	assert.equal(e.error, error, res.text);
	assert.equal(typeof e.error_description, 'string');
	assert.ok(e.error_description.length > 0);
	assert.equal(e.status, status);
	assert.equal(typeof e.type, 'string');
	assert.equal(typeof e.title, 'string');
	assert.equal(typeof e.detail, 'string');
	assert.equal(e.code, code, res.text);
	assert.equal(e.request_id, res.headers.get('x-request-id'));
	if (status === 401)
		assert.match(res.headers.get('www-authenticate') || '', /^Basic /);
	return e;
}

/* A 200 of the token endpoint: RFC 6749 5.1 members, never cached. */
function expectTokens(res, { refresh = true } = {})
{
	expectStatus(res, 200);
	assert.match(res.headers.get('content-type') || '',
	    /^application\/json\b/);
	noStore(res);
	const b = res.json;
	assert.equal(typeof b.access_token, 'string');
	assert.equal(b.token_type, 'Bearer');
	assert.equal(b.expires_in, 900);
	if (refresh) {
		assert.match(b.refresh_token, RANDOM43);
		assert.equal(b.refresh_expires_in, 43200);
	} else {
		assert.ok(!('refresh_token' in b), 'no refresh token');
	}
	return b;
}

/* The ES256 signature of an access token verifies with the dev key. */
function verifyEs256(token)
{
	const [h, p, s] = token.split('.');
	return crypto.verify('sha256', Buffer.from(`${h}.${p}`),
	    { key: KEYS.es256.pub, dsaEncoding: 'ieee-p1363' },
	    Buffer.from(s, 'base64url'));
}

function signIn(username, password, opts)
{
	return tokenRequest({ grant_type: 'password', username, password },
	    opts);
}

function refresh(refreshToken, opts)
{
	return tokenRequest({ grant_type: 'refresh_token',
	    refresh_token: refreshToken }, opts);
}

function clientToken(clientId, secret, extra = {}, opts)
{
	return tokenRequest({ grant_type: 'client_credentials',
	    client_id: clientId, client_secret: secret, ...extra }, opts);
}

function basic(id, secret)
{
	const v = Buffer.from(`${id}:${secret}`).toString('base64');
	noteSecret('client_secret', v);
	return `Basic ${v}`;
}

/*
 * A user created through the API by a manager (a county user for a
 * township user, a township user for a village user); deleted after t.
 * password: given (else the generated temporary one is used).
 * mustChange false clears the forced change (as the owner).
 * Returns { id, login, password, json, etag }.
 */
async function createUser(t, { level = 'township', township = f.t1,
    village = f.v1, password, mustChange = true, token, login } = {})
{
	const body = { login: login ?? newLogin(level[0]),
	    display_name: '身份测试用户' };
	if (level === 'township')
		body.township = township;
	else
		body.village = village;
	if (password !== undefined)
		body.password = password;
	const res = await api('POST', '/api/v1/users', { token: token ??
	    (level === 'township' ? countyTok() : townshipTok(
	    village.slice(0, 9))), body });
	expectStatus(res, 201);
	t.after(() => dropUser(res.json.id));
	noteSecret('temporary_password', res.json.temporary_password);
	if (password !== undefined)
		assert.ok(!('temporary_password' in res.json));
	else
		assert.match(res.json.temporary_password, RANDOM43);
	if (!mustChange) {
		psqlOwner(`update users set must_change_password = false
		    where id = '${res.json.id}'`);
	}
	return { id: res.json.id, login: body.login,
	    password: password ?? res.json.temporary_password, json: res.json,
	    etag: res.headers.get('etag') };
}

/* A township user of T1 with a known password and no forced change. */
function plainUser(t, opts = {})
{
	return createUser(t, { password: newPassword(), mustChange: false,
	    ...opts });
}

/*
 * A partner client created through the API by a county user of 330599;
 * deleted after t.  Returns { id, secret, json, etag }.
 */
async function createClient(t, { scopes = ['org:read'], townships = '*',
    name = '身份测试伙伴' } = {})
{
	const res = await api('POST', '/api/v1/partner-clients',
	    { token: countyTok(), body: { name, scopes, townships } });
	expectStatus(res, 201);
	t.after(() => dropClient(res.json.id));
	noteSecret('client_secret', res.json.client_secret);
	assert.match(res.json.client_secret, RANDOM43);
	return { id: res.json.id, secret: res.json.client_secret,
	    json: res.json, etag: res.headers.get('etag') };
}

async function getUser(id)
{
	const res = await api('GET', `/api/v1/users/${id}`,
	    { token: countyTok() });
	expectStatus(res, 200);
	return res;
}

async function patchUser(id, body)
{
	const g = await getUser(id);
	const res = await api('PATCH', `/api/v1/users/${id}`, { token:
	    countyTok(), body, headers: { 'if-match': g.headers.get('etag') } });
	expectStatus(res, 200);
	return res;
}

async function patchClient(id, body)
{
	const g = await api('GET', `/api/v1/partner-clients/${id}`,
	    { token: countyTok() });
	expectStatus(g, 200);
	const res = await api('PATCH', `/api/v1/partner-clients/${id}`,
	    { token: countyTok(), body,
	    headers: { 'if-match': g.headers.get('etag') } });
	expectStatus(res, 200);
	return res;
}

function sha256(s)
{
	return crypto.createHash('sha256').update(s).digest('hex');
}

function login(s)
{
	assert.match(s, /^[a-z0-9][a-z0-9._-]{2,63}$/);
	return s;
}

function throttle(l)
{
	return psqlOwner(`select attempts || ' ' || coalesce((locked_until >
	    now())::text, 'none') from login_throttle where login =
	    '${login(l)}'`);
}

/* Five failed sign-ins; returns the last answer (the lock). */
async function lockOut(username)
{
	const bad = newPassword();
	for (let i = 1; i <= 4; i++) {
		const res = await signIn(username, bad);
		expectOAuthError(res, 400, 'invalid_grant', 'invalid_credentials');
	}
	const id = rid('lock');
	const res = await signIn(username, bad, { headers:
	    { 'x-request-id': id } });
	return { res, id };
}

function expectLocked(res, { max = 900 } = {})
{
	expectOAuthError(res, 423, 'invalid_grant', 'account_locked');
	const ra = res.headers.get('retry-after');
	assert.match(ra || '', /^[0-9]+$/, `Retry-After ${ra}`);
	assert.ok(Number(ra) >= 1 && Number(ra) <= max, `Retry-After ${ra}`);
	return Number(ra);
}

/* ----------------------------------------------------- password grant */

test('identity: password grant (form) answers the RFC 6749 members, ' +
    'no-store, and an ES256 token the service accepts', async (t) => {
	const u = await plainUser(t);
	const res = await signIn(u.login, u.password);
	const b = expectTokens(res);
	noLeak(res, u.password);
	assert.ok(!('password_change_required' in b));
	const h = jwtHeader(b.access_token);
	assert.equal(h.alg, 'ES256');
	assert.equal(h.kid, 'dev-es256');
	assert.ok(verifyEs256(b.access_token), 'ES256 signature verifies');
	const c = jwtClaims(b.access_token);
	assert.equal(c.iss, 'xiangzhi-dev');
	assert.equal(c.aud, 'xiangzhi');
	assert.equal(c.sub, u.id);
	assert.equal(c.role, 'township');
	assert.equal(c.county, f.county);
	assert.equal(c.township, f.t1);
	assert.ok(!('village' in c) || c.village === null || c.village === '');
	assert.match(c.sid, UUID);
	assert.equal(typeof c.jti, 'string');
	assert.ok(c.jti.length >= 16);
	assert.ok(Math.abs(c.iat - now()) < 60, `iat ${c.iat}`);
	assert.equal(c.exp - c.iat, 900);
	assert.ok(!('pwd_change' in c) || c.pwd_change === false);
	assert.ok(!('scope' in c));
	const g = await api('GET', `/api/v1/townships/${f.t1}`,
	    { token: b.access_token });
	expectStatus(g, 200);
	expectProblem(await api('GET', `/api/v1/townships/${f.t2}`,
	    { token: b.access_token }), 404, 'not_found');
	/* The session exists, and its refresh token is stored hashed only. */
	assert.equal(psqlOwner(`select count(*) from refresh_tokens r join
	    refresh_families s on s.id = r.family_id where s.id = '${c.sid}'
	    and s.user_id = '${u.id}' and r.token_hash =
	    '${sha256(b.refresh_token)}'`), '1');
});

test('identity: password grant as JSON, the username case-insensitive ' +
    '(demo county user)', async () => {
	const res = await signIn('County.330599', DEMO_PW, { as: 'json' });
	const b = expectTokens(res);
	const c = jwtClaims(b.access_token);
	assert.equal(c.role, 'county');
	assert.equal(c.county, f.county);
	assert.ok(!c.township);
	assert.equal(psqlOwner(`select login from users where id = '${c.sub}'`),
	    'county.330599');
	const g = await api('GET', '/api/v1/townships', { token: b.access_token });
	expectStatus(g, 200);
	assert.ok(g.json.items.length >= 13);
});

test('identity: each demo level signs in with the demo password',
    async () => {
	const village = psqlOwner(`select login from users where level =
	    'village' and township_code = '${f.t1}' and login like 'village.%'
	    order by login limit 1`);
	for (const [who, role] of [['county.330599', 'county'],
	    [`officer.${f.t1}`, 'township'], [village, 'village']]) {
		const b = expectTokens(await signIn(who, DEMO_PW));
		assert.equal(jwtClaims(b.access_token).role, role, who);
	}
});

test('identity: token endpoint: GET is 405; grant_type missing or unknown',
    async () => {
	expectOAuthError(await tokenRequest({ username: 'county.330599',
	    password: DEMO_PW }), 400, 'invalid_request', 'grant_type_missing');
	expectOAuthError(await tokenRequest({}, { as: 'json' }), 400,
	    'invalid_request', 'grant_type_missing');
	const get = await api('GET', '/api/v1/auth/token');
	expectProblem(get, 405, 'method_not_allowed');
	assert.equal(get.headers.get('allow'), 'POST');
	for (const gt of ['authorization_code', 'implicit', 'PASSWORD']) {
		expectOAuthError(await tokenRequest({ grant_type: gt }), 400,
		    'unsupported_grant_type', 'unsupported_grant_type');
	}
});

test('identity: password grant: username or password missing -> 400 ' +
    'invalid_request', async () => {
	expectOAuthError(await tokenRequest({ grant_type: 'password',
	    password: DEMO_PW }), 400, 'invalid_request', 'username_missing');
	expectOAuthError(await tokenRequest({ grant_type: 'password',
	    username: 'county.330599' }), 400, 'invalid_request',
	    'password_missing');
	expectOAuthError(await tokenRequest({ grant_type: 'password',
	    username: 'county.330599' }, { as: 'json' }), 400,
	    'invalid_request', 'password_missing');
});

test('identity: wrong password, unknown user and malformed login are the ' +
    'same 400 invalid_grant/invalid_credentials', async (t) => {
	const u = await plainUser(t);
	const bad = newPassword();
	const answers = [
		await signIn(u.login, bad),
		await signIn(newLogin('nobody'), bad),
		await signIn(newLogin('nobody'), u.password, { as: 'json' }),
		await signIn('bad login!', bad),
		await signIn('..x', bad),
		await signIn(`a${'b'.repeat(70)}`, bad),
		await signIn(u.login, ''),
	];
	for (const res of answers) {
		const e = expectOAuthError(res, 400, 'invalid_grant',
		    'invalid_credentials');
		noLeak(res, bad, u.password);
		assert.equal(e.error_description,
		    answers[0].json.error_description, 'one message for all');
	}
	assert.equal(throttle(u.login), '2 none', 'two failures counted');
});

test('identity: malformed forms -> 400 validation_failed, other content ' +
    'types -> 415', async () => {
	const form = { 'content-type': 'application/x-www-form-urlencoded' };
	const post = (rawBody, headers = form) => api('POST',
	    '/api/v1/auth/token', { rawBody, headers });
	noteSecret('password', DEMO_PW);
	let res = await post('grant_type=password&username=county.330599&' +
	    `password=${DEMO_PW}&password=other-password-1`);
	expectFieldError(res, 'password', 'duplicate', { kind: 'parameter' });
	noLeak(res, DEMO_PW);
	res = await post('grant_type=password&grant_type=client_credentials');
	expectFieldError(res, 'grant_type', 'duplicate', { kind: 'parameter' });
	res = await post('grant_type=password&username=county.330599%00&' +
	    `password=${DEMO_PW}`);
	expectProblem(res, 400, 'validation_failed');
	res = await post(Buffer.concat([Buffer.from('grant_type=password&' +
	    `password=${DEMO_PW}&username=`), Buffer.from([0xc3, 0x28])]));
	expectProblem(res, 400, 'validation_failed');
	res = await post(`grant_type=password&password=${DEMO_PW}&` +
	    'username=%FF%FE');
	expectProblem(res, 400, 'validation_failed');
	res = await post('grant_type=password&username=%zz&password=x');
	expectProblem(res, 400, 'validation_failed');
	for (const ct of ['text/plain', 'multipart/form-data; boundary=x',
	    'application/x-www-form-urlencodedx']) {
		res = await post(`grant_type=password&username=county.330599&` +
		    `password=${DEMO_PW}`, { 'content-type': ct });
		expectProblem(res, 415, 'unsupported_media_type');
	}
	res = await post(Buffer.from('grant_type=password'), {});
	expectProblem(res, 415, 'unsupported_media_type');
	/* A charset parameter on the form type is fine. */
	res = await post(`grant_type=password&username=county.330599&` +
	    `password=${DEMO_PW}`, { 'content-type':
	    'application/x-www-form-urlencoded; charset=UTF-8' });
	expectTokens(res);
	noteSecret('access_token', res.json.access_token);
	noteSecret('refresh_token', res.json.refresh_token);
});

/* ------------------------------------------------- client_credentials */

test('identity: client_credentials (form): a partner token with every ' +
    'granted scope, no refresh token', async () => {
	const res = await clientToken(DEMO_CLIENT, DEMO_SECRET);
	const b = expectTokens(res, { refresh: false });
	noLeak(res, DEMO_SECRET);
	assert.deepEqual(b.scope.split(' ').sort(), [...ALL_SCOPES].sort());
	assert.ok(!('refresh_expires_in' in b));
	const h = jwtHeader(b.access_token);
	assert.equal(h.kid, 'dev-es256');
	assert.ok(verifyEs256(b.access_token));
	const c = jwtClaims(b.access_token);
	assert.equal(c.role, 'partner');
	assert.equal(c.sub, DEMO_CLIENT);
	assert.equal(c.county, f.county);
	assert.equal(c.townships, '*');
	assert.equal(c.scope, b.scope);
	assert.ok(!('sid' in c), 'partners have no session');
	assert.equal(c.exp - c.iat, 900);
	const g = await api('GET', '/api/v1/townships', { token: b.access_token });
	expectStatus(g, 200);
	assert.ok(g.json.items.length >= 13);
});

test('identity: client_credentials with a scope (JSON, form), and by HTTP ' +
    'Basic', async () => {
	let b = expectTokens(await clientToken(DEMO_CLIENT, DEMO_SECRET,
	    { scope: 'org:read funds:read' }, { as: 'json' }),
	    { refresh: false });
	assert.equal(b.scope, 'org:read funds:read');
	assert.equal(jwtClaims(b.access_token).scope, 'org:read funds:read');
	/* In a form, the space is '+' (URLSearchParams) and is decoded. */
	b = expectTokens(await clientToken(DEMO_CLIENT, DEMO_SECRET,
	    { scope: 'funds:read org:read' }), { refresh: false });
	assert.equal(b.scope, 'funds:read org:read');
	/* The upper-case form of the client id is the same client. */
	b = expectTokens(await tokenRequest({ grant_type: 'client_credentials',
	    scope: 'org:read' }, { headers: { authorization:
	    basic(DEMO_CLIENT.toUpperCase(), DEMO_SECRET) } }),
	    { refresh: false });
	assert.equal(b.scope, 'org:read');
	assert.equal(jwtClaims(b.access_token).sub, DEMO_CLIENT);
	b = expectTokens(await tokenRequest({ grant_type: 'client_credentials' },
	    { as: 'json', headers: { authorization: basic(DEMO_CLIENT,
	    DEMO_SECRET) } }), { refresh: false });
	assert.equal(b.scope.split(' ').length, 6);
});

test('identity: client_credentials: Basic and body credentials together ' +
    '-> 400 invalid_request/client_auth_ambiguous', async () => {
	for (const extra of [{ client_id: DEMO_CLIENT,
	    client_secret: DEMO_SECRET }, { client_id: DEMO_CLIENT },
	    { client_secret: DEMO_SECRET }]) {
		const res = await tokenRequest({ grant_type: 'client_credentials',
		    ...extra }, { headers: { authorization: basic(DEMO_CLIENT,
		    DEMO_SECRET) } });
		expectOAuthError(res, 400, 'invalid_request',
		    'client_auth_ambiguous');
		noLeak(res, DEMO_SECRET);
	}
});

test('identity: client_credentials: unknown id, wrong secret, non-UUID id, ' +
    'missing secret -> 401 invalid_client (WWW-Authenticate: Basic)',
    async () => {
	const wrong = crypto.randomBytes(32).toString('base64url');
	noteSecret('client_secret', wrong);
	const answers = [
		await clientToken(crypto.randomUUID(), DEMO_SECRET),
		await clientToken(DEMO_CLIENT, wrong),
		await clientToken(DEMO_CLIENT, wrong, {}, { as: 'json' }),
		await clientToken('not-a-uuid', DEMO_SECRET),
		await clientToken(`${DEMO_CLIENT}0`, DEMO_SECRET),
		await tokenRequest({ grant_type: 'client_credentials',
		    client_id: DEMO_CLIENT }),
		await tokenRequest({ grant_type: 'client_credentials' }),
		await tokenRequest({ grant_type: 'client_credentials' },
		    { headers: { authorization: basic(DEMO_CLIENT, wrong) } }),
		await tokenRequest({ grant_type: 'client_credentials' },
		    { headers: { authorization: 'Basic !!!not-base64' } }),
		await tokenRequest({ grant_type: 'client_credentials' },
		    { headers: { authorization: `Basic ${Buffer.from(
		    'no-colon-here').toString('base64')}` } }),
	];
	for (const res of answers) {
		expectOAuthError(res, 401, 'invalid_client', 'invalid_client');
		noLeak(res, DEMO_SECRET, wrong);
	}
});

test('identity: client_credentials: a scope not granted or unknown -> 400 ' +
    'invalid_scope (no escalation)', async (t) => {
	const c = await createClient(t, { scopes: ['org:read'] });
	for (const scope of ['funds:read', 'org:read funds:read', 'admin',
	    'org:read bookings:write', 'org:readx', 'ORG:READ']) {
		const res = await clientToken(c.id, c.secret, { scope });
		expectOAuthError(res, 400, 'invalid_scope', 'invalid_scope');
		noLeak(res, c.secret);
	}
	let b = expectTokens(await clientToken(c.id, c.secret,
	    { scope: 'org:read' }), { refresh: false });
	assert.equal(b.scope, 'org:read');
	b = expectTokens(await clientToken(c.id, c.secret), { refresh: false });
	assert.equal(b.scope, 'org:read', 'default: what was granted');
	/* The token cannot do what the scope does not allow. */
	const res = await api('POST', '/api/v1/townships', { token:
	    b.access_token, body: { code: `${f.county}999`, name: 'x',
	    kind: 'town' } });
	expectProblem(res, 403, 'forbidden');
});

test('identity: a partner granted one township reads it, and another ' +
    'township of its county is 404', async (t) => {
	const c = await createClient(t, { scopes: ['org:read'],
	    townships: [f.t1] });
	assert.deepEqual(c.json.townships, [f.t1]);
	const b = expectTokens(await clientToken(c.id, c.secret),
	    { refresh: false });
	assert.deepEqual(jwtClaims(b.access_token).townships, [f.t1]);
	expectStatus(await api('GET', `/api/v1/townships/${f.t1}`,
	    { token: b.access_token }), 200);
	expectProblem(await api('GET', `/api/v1/townships/${f.t2}`,
	    { token: b.access_token }), 404, 'not_found');
	expectProblem(await api('GET', `/api/v1/villages/${f.v2}`,
	    { token: b.access_token }), 404, 'not_found');
	expectProblem(await api('GET', `/api/v1/townships/${f.t2}/villages`,
	    { token: b.access_token }), 404, 'not_found');
	expectStatus(await api('GET', `/api/v1/villages/${f.v1}`,
	    { token: b.access_token }), 200);
	const list = await api('GET', '/api/v1/townships',
	    { token: b.access_token });
	expectStatus(list, 200);
	assert.deepEqual(list.json.items.map((i) => i.code), [f.t1]);
});

test('identity: secret rotation keeps the old secret during the overlap; ' +
    'overlap_seconds 0 refuses it at once', async (t) => {
	const c = await createClient(t);
	const s1 = c.secret;
	const r1id = rid('rot');
	const r1 = await api('POST', `/api/v1/partner-clients/${c.id}/` +
	    'rotate-secret', { token: countyTok(), headers:
	    { 'x-request-id': r1id } });
	expectStatus(r1, 200);
	noteSecret('client_secret', r1.json.client_secret);
	assert.equal(r1.json.client_id, c.id);
	const s2 = r1.json.client_secret;
	assert.match(s2, RANDOM43);
	assert.notEqual(s2, s1);
	noLeak(r1, s1);
	assert.match(r1.headers.get('cache-control') || '', /no-store/);
	const until = Date.parse(r1.json.previous_secret_until);
	assert.ok(Math.abs(until - (Date.now() + 86400 * 1000)) < 300 * 1000,
	    `previous_secret_until ${r1.json.previous_secret_until}: the ` +
	    'default overlap is a day');
	/* Audited, without any hash. */
	const rows = auditRows(r1id);
	assert.ok(rows.some((r) => r.entity === 'partner_clients' &&
	    r.entity_id === c.id), JSON.stringify(rows));
	assert.ok(!JSON.stringify(rows).includes('secret_hash'));
	assert.ok(!JSON.stringify(rows).includes('$argon2'));
	expectTokens(await clientToken(c.id, s1), { refresh: false });
	expectTokens(await clientToken(c.id, s2), { refresh: false });
	const g = await api('GET', `/api/v1/partner-clients/${c.id}`,
	    { token: countyTok() });
	expectStatus(g, 200);
	assert.ok(g.json.secret_rotated_at);
	assert.equal(Date.parse(g.json.previous_secret_until), until);
	assert.ok(g.json.version > c.json.version);
	noLeak(g, s1, s2);

	const r2 = await api('POST', `/api/v1/partner-clients/${c.id}/` +
	    'rotate-secret', { token: countyTok(), body: { overlap_seconds: 0 } });
	expectStatus(r2, 200);
	noteSecret('client_secret', r2.json.client_secret);
	const s3 = r2.json.client_secret;
	assert.ok(Date.parse(r2.json.previous_secret_until) <= Date.now() + 5000);
	expectOAuthError(await clientToken(c.id, s2), 401, 'invalid_client',
	    'invalid_client');
	expectOAuthError(await clientToken(c.id, s1), 401, 'invalid_client',
	    'invalid_client');
	expectTokens(await clientToken(c.id, s3), { refresh: false });
});

test('identity: rotate-secret refuses an overlap out of 0..604800',
    async (t) => {
	const c = await createClient(t);
	for (const overlap_seconds of [604801, -1, 1.5, '60']) {
		const res = await api('POST', `/api/v1/partner-clients/${c.id}/` +
		    'rotate-secret', { token: countyTok(),
		    body: { overlap_seconds } });
		expectFieldError(res, '/overlap_seconds');
	}
	expectTokens(await clientToken(c.id, c.secret), { refresh: false });
	const res = await api('POST', `/api/v1/partner-clients/${c.id}/` +
	    'rotate-secret', { token: countyTok(),
	    body: { overlap_seconds: 604800 } });
	expectStatus(res, 200);
	noteSecret('client_secret', res.json.client_secret);
});

test('identity: a disabled client -> 401 invalid_client/client_disabled; ' +
    'enabled again it works', async (t) => {
	const c = await createClient(t);
	const p = await patchClient(c.id, { status: 'disabled' });
	assert.equal(p.json.status, 'disabled');
	let res = await clientToken(c.id, c.secret);
	expectOAuthError(res, 401, 'invalid_client', 'client_disabled');
	noLeak(res, c.secret);
	/* Only the right secret learns that the client is disabled. */
	const wrong = newPassword();
	res = await clientToken(c.id, wrong);
	expectOAuthError(res, 401, 'invalid_client', 'invalid_client');
	await patchClient(c.id, { status: 'active' });
	expectTokens(await clientToken(c.id, c.secret), { refresh: false });
});

test('identity: PATCH /api/v1/partner-clients/{id}: new scopes and ' +
    'townships apply to the next token; bad grants refused', async (t) => {
	const c = await createClient(t, { scopes: ['org:read', 'funds:read'],
	    townships: [f.t1] });
	let b = expectTokens(await clientToken(c.id, c.secret),
	    { refresh: false });
	expectProblem(await api('GET', `/api/v1/townships/${f.t2}`,
	    { token: b.access_token }), 404, 'not_found');
	const p = await patchClient(c.id, { scopes: ['org:read'],
	    townships: [f.t2] });
	assert.deepEqual(p.json.scopes, ['org:read']);
	assert.deepEqual(p.json.townships, [f.t2]);
	expectOAuthError(await clientToken(c.id, c.secret,
	    { scope: 'funds:read' }), 400, 'invalid_scope', 'invalid_scope');
	b = expectTokens(await clientToken(c.id, c.secret), { refresh: false });
	assert.equal(b.scope, 'org:read');
	assert.deepEqual(jwtClaims(b.access_token).townships, [f.t2]);
	expectStatus(await api('GET', `/api/v1/townships/${f.t2}`,
	    { token: b.access_token }), 200);
	expectProblem(await api('GET', `/api/v1/townships/${f.t1}`,
	    { token: b.access_token }), 404, 'not_found');
	const all = await patchClient(c.id, { townships: '*' });
	assert.equal(all.json.townships, '*');
	b = expectTokens(await clientToken(c.id, c.secret), { refresh: false });
	assert.equal(jwtClaims(b.access_token).townships, '*');
	const g = await api('GET', `/api/v1/partner-clients/${c.id}`,
	    { token: countyTok() });
	for (const [body, ptr, code] of [
	    [{ townships: [FOREIGN.township] }, '/townships', 'prefix_mismatch'],
	    [{ townships: [freshTownshipCode(f.county)] }, '/townships',
	    'not_found'],
	    [{ scopes: ['admin'] }, '/scopes', undefined],
	    [{ status: 'locked' }, '/status', undefined]]) {
		const res = await api('PATCH', `/api/v1/partner-clients/${c.id}`,
		    { token: countyTok(), body,
		    headers: { 'if-match': g.headers.get('etag') } });
		expectFieldError(res, ptr, code);
	}
	const after = await api('GET', `/api/v1/partner-clients/${c.id}`,
	    { token: countyTok() });
	assert.equal(after.json.version, g.json.version, 'nothing changed');
});

/* ------------------------------------------------------ refresh tokens */

test('identity: refresh rotates; a spent refresh token revokes the whole ' +
    'session', async (t) => {
	const u = await plainUser(t);
	const a = expectTokens(await signIn(u.login, u.password));
	const sid = jwtClaims(a.access_token).sid;
	const b = expectTokens(await refresh(a.refresh_token));
	assert.notEqual(b.refresh_token, a.refresh_token);
	const cb = jwtClaims(b.access_token);
	assert.equal(cb.sid, sid, 'the same session');
	assert.equal(cb.sub, u.id);
	assert.equal(cb.role, 'township');
	assert.ok(verifyEs256(b.access_token));
	const c = expectTokens(await refresh(b.refresh_token, { as: 'json' }));
	assert.equal(jwtClaims(c.access_token).sid, sid);
	/* a is spent: presenting it again is a reuse. */
	const reuseId = rid('reuse');
	const res = await refresh(a.refresh_token, { headers:
	    { 'x-request-id': reuseId } });
	expectOAuthError(res, 400, 'invalid_grant', 'refresh_token_reused');
	noLeak(res, a.refresh_token);
	const rows = auditRows(reuseId);
	assert.ok(rows.some((r) => r.action === 'revoke' &&
	    r.entity === 'users' && r.entity_id === u.id &&
	    r.after?.reason === 'reuse'), JSON.stringify(rows));
	/* The newest token of that session is dead too. */
	expectOAuthError(await refresh(c.refresh_token), 400, 'invalid_grant',
	    'refresh_token_invalid');
	expectOAuthError(await refresh(b.refresh_token), 400, 'invalid_grant',
	    'refresh_token_invalid');
	assert.equal(psqlOwner(`select revoked_reason from refresh_families
	    where id = '${sid}'`), 'reuse');
	/* Signing in again opens a new session. */
	const d = expectTokens(await signIn(u.login, u.password));
	assert.notEqual(jwtClaims(d.access_token).sid, sid);
	expectTokens(await refresh(d.refresh_token));
});

test('identity: refresh_token missing, unknown, malformed or expired -> 400',
    async (t) => {
	expectOAuthError(await tokenRequest({ grant_type: 'refresh_token' }),
	    400, 'invalid_request', 'refresh_token_missing');
	const unknown = crypto.randomBytes(32).toString('base64url');
	for (const rt of [unknown, 'abc', `${unknown}x`, '']) {
		expectOAuthError(await refresh(rt), 400, 'invalid_grant',
		    'refresh_token_invalid');
	}
	const u = await plainUser(t);
	const a = expectTokens(await signIn(u.login, u.password));
	psqlOwner(`update refresh_tokens set expires_at = now() -
	    interval '1 second' where token_hash = '${sha256(a.refresh_token)}'`);
	expectOAuthError(await refresh(a.refresh_token), 400, 'invalid_grant',
	    'refresh_token_invalid');
});

/* ------------------------------------------------------------- logout */

test('identity: logout revokes the session of the token (not others); the ' +
    'access token lives on until exp', async (t) => {
	const u = await plainUser(t);
	const a = expectTokens(await signIn(u.login, u.password));
	const b = expectTokens(await signIn(u.login, u.password));
	const sidA = jwtClaims(a.access_token).sid;
	assert.notEqual(sidA, jwtClaims(b.access_token).sid);
	const res = await api('POST', '/api/v1/auth/logout',
	    { token: a.access_token });
	expectStatus(res, 204);
	assert.equal(res.text, '');
	expectOAuthError(await refresh(a.refresh_token), 400, 'invalid_grant',
	    'refresh_token_invalid');
	assert.equal(psqlOwner(`select revoked_reason from refresh_families
	    where id = '${sidA}'`), 'logout');
	expectTokens(await refresh(b.refresh_token));
	expectStatus(await api('GET', '/api/v1/auth/me',
	    { token: a.access_token }), 200);
	/* Again: nothing left to end, still 204. */
	expectStatus(await api('POST', '/api/v1/auth/logout',
	    { token: a.access_token }), 204);
});

test('identity: logout of a refreshed session revokes its newest refresh ' +
    'token', async (t) => {
	const u = await plainUser(t);
	const a = expectTokens(await signIn(u.login, u.password));
	const b = expectTokens(await refresh(a.refresh_token));
	expectStatus(await api('POST', '/api/v1/auth/logout',
	    { token: a.access_token }), 204);
	expectOAuthError(await refresh(b.refresh_token), 400, 'invalid_grant',
	    'refresh_token_invalid');
});

/* ------------------------------------------------------------ lockout */

test('identity: five failures lock the login (423 + Retry-After), even the ' +
    'right password; audited; an expired lock lifts at the next attempt',
    async (t) => {
	const u = await plainUser(t);
	const { res, id } = await lockOut(u.login);
	const ra = expectLocked(res);
	assert.ok(ra >= 850, `Retry-After ${ra}: about 15 minutes`);
	const lock = auditRows(id).filter((r) => r.action === 'lock');
	assert.equal(lock.length, 1, JSON.stringify(auditRows(id)));
	assert.equal(lock[0].entity, 'users');
	assert.equal(lock[0].entity_id, u.id);
	assert.equal(lock[0].county_code, f.county);
	assert.equal(lock[0].township_code, f.t1);
	assert.equal(lock[0].after.failed_attempts, 5);
	/* The right password while locked. */
	const right = await signIn(u.login, u.password);
	expectLocked(right);
	noLeak(right, u.password);
	let g = await getUser(u.id);
	assert.equal(g.json.status, 'locked');
	assert.ok(Date.parse(g.json.locked_until) > Date.now() + 800 * 1000);
	/* The lock runs out. */
	psqlOwner(`update login_throttle set locked_until = now() -
	    interval '1 second' where login = '${login(u.login)}'`);
	const okId = rid('expired');
	expectTokens(await signIn(u.login, u.password, { headers:
	    { 'x-request-id': okId } }));
	const unlock = auditRows(okId).filter((r) => r.action === 'unlock');
	assert.equal(unlock.length, 1, JSON.stringify(auditRows(okId)));
	assert.equal(unlock[0].entity_id, u.id);
	assert.equal(unlock[0].after.reason, 'expired');
	g = await getUser(u.id);
	assert.equal(g.json.status, 'active');
	assert.equal(g.json.locked_until, null);
});

test('identity: failures older than the 15-minute window do not count; a ' +
    'successful sign-in clears the count', async (t) => {
	const u = await plainUser(t);
	const bad = newPassword();
	for (let i = 0; i < 4; i++) {
		expectOAuthError(await signIn(u.login, bad), 400, 'invalid_grant',
		    'invalid_credentials');
	}
	psqlOwner(`update login_throttle set window_start = now() -
	    interval '16 minutes' where login = '${login(u.login)}'`);
	expectOAuthError(await signIn(u.login, bad), 400, 'invalid_grant',
	    'invalid_credentials');
	assert.equal(throttle(u.login), '1 none', 'a new window');
	for (let i = 0; i < 3; i++)
		await signIn(u.login, bad);
	assert.equal(throttle(u.login), '4 none');
	expectTokens(await signIn(u.login, u.password));
	assert.equal(throttle(u.login), '0 none', 'cleared by the success');
	for (let i = 0; i < 4; i++) {
		expectOAuthError(await signIn(u.login, bad), 400, 'invalid_grant',
		    'invalid_credentials');
	}
	expectLocked(await signIn(u.login, bad));
});

test('identity: an unknown login is counted and locked the same way ' +
    '(no account enumeration)', async (t) => {
	const ghost = newLogin('ghost');
	t.after(() => psqlOwner(`delete from login_throttle where login =
	    '${login(ghost)}'`));
	const { res, id } = await lockOut(ghost);
	const ra = expectLocked(res);
	assert.ok(ra >= 850);
	const lock = auditRows(id).filter((r) => r.action === 'lock');
	assert.equal(lock.length, 1, JSON.stringify(auditRows(id)));
	assert.equal(lock[0].entity, 'users');
	assert.equal(lock[0].entity_id, ghost);
	expectLocked(await signIn(ghost, newPassword()));
	/* The same answer as for a real account. */
	const u = await plainUser(t);
	const real = await lockOut(u.login);
	expectLocked(real.res);
	assert.equal(real.res.json.error_description,
	    res.json.error_description);
	assert.equal(real.res.json.title, res.json.title);
});

test('identity: parallel guesses cannot exceed the limit: six at once ' +
    'give four invalid_credentials and two 423', async (t) => {
	const u = await plainUser(t);
	const bad = newPassword();
	const answers = await Promise.all(Array.from({ length: 6 }, () =>
	    signIn(u.login, bad)));
	const by = (s) => answers.filter((r) => r.status === s).length;
	assert.equal(by(400) + by(423), 6, answers.map((r) => r.status).join());
	assert.equal(by(400), 4, 'at most five passwords were checked');
	for (const r of answers) {
		if (r.status === 400)
			expectOAuthError(r, 400, 'invalid_grant',
			    'invalid_credentials');
		else
			expectLocked(r);
	}
	expectLocked(await signIn(u.login, u.password));
	assert.equal(psqlOwner(`select count(*) from audit_log where action =
	    'lock' and entity_id = '${u.id}'`), '1', 'locked once');
});

test('identity: a manager unlocks a locked user (204, audited); the user ' +
    'signs in', async (t) => {
	const u = await plainUser(t);
	expectLocked((await lockOut(u.login)).res);
	const id = rid('unlock');
	const res = await api('POST', `/api/v1/users/${u.id}/unlock`,
	    { token: countyTok(), headers: { 'x-request-id': id } });
	expectStatus(res, 204);
	const rows = auditRows(id).filter((r) => r.action === 'unlock');
	assert.equal(rows.length, 1, JSON.stringify(auditRows(id)));
	assert.equal(rows[0].entity_id, u.id);
	assert.equal(rows[0].after.reason, 'manager');
	assert.equal(rows[0].actor_role, 'county');
	assert.equal(throttle(u.login), '0 none');
	expectTokens(await signIn(u.login, u.password));
	/* Unlocking a user that is not locked: 204, no unlock row. */
	const id2 = rid('unlock');
	expectStatus(await api('POST', `/api/v1/users/${u.id}/unlock`,
	    { token: countyTok(), headers: { 'x-request-id': id2 } }), 204);
	assert.equal(auditRows(id2).filter((r) => r.action === 'unlock')
	    .length, 0);
});

test('identity: a village user locked out is unlocked by its township ' +
    'manager', async (t) => {
	const u = await createUser(t, { level: 'village',
	    password: newPassword(), mustChange: false });
	expectLocked((await lockOut(u.login)).res);
	expectStatus(await api('POST', `/api/v1/users/${u.id}/unlock`,
	    { token: townshipTok() }), 204);
	expectTokens(await signIn(u.login, u.password));
});

test('identity: an unknown login costs about the same as a known one ' +
    '(median of 3 within a factor of 2)', async (t) => {
	const u = await plainUser(t);
	const ghost = newLogin('ghost');
	t.after(() => psqlOwner(`delete from login_throttle where login =
	    '${login(ghost)}'`));
	const bad = newPassword();
	/* Warm both paths once (connections, statement preparation). */
	await signIn(ghost, bad);
	await signIn(u.login, bad);
	const known = [], unknown = [];
	for (let i = 0; i < 3; i++) {
		for (const [who, into] of [[u.login, known], [ghost, unknown]]) {
			const t0 = performance.now();
			const res = await signIn(who, bad);
			into.push(performance.now() - t0);
			expectOAuthError(res, 400, 'invalid_grant',
			    'invalid_credentials');
		}
	}
	const median = (a) => [...a].sort((x, y) => x - y)[1];
	const k = median(known), n = median(unknown);
	assert.ok(k > 5 && n > 5, `both pay argon2id: known ${k} ms, ` +
	    `unknown ${n} ms`);
	assert.ok(Math.max(k, n) / Math.min(k, n) <= 2,
	    `known ${known.map(Math.round)} ms vs unknown ` +
	    `${unknown.map(Math.round)} ms`);
});

/* ------------------------------------------------------ disabled users */

test('identity: a disabled user: the right password -> 400 ' +
    'account_disabled, the wrong one invalid_credentials, sessions ended',
    async (t) => {
	const u = await plainUser(t);
	const a = expectTokens(await signIn(u.login, u.password));
	const p = await patchUser(u.id, { status: 'disabled' });
	assert.equal(p.json.status, 'disabled');
	let res = await signIn(u.login, u.password);
	expectOAuthError(res, 400, 'invalid_grant', 'account_disabled');
	noLeak(res, u.password);
	expectOAuthError(await signIn(u.login, newPassword()), 400,
	    'invalid_grant', 'invalid_credentials');
	expectOAuthError(await refresh(a.refresh_token), 400, 'invalid_grant',
	    'refresh_token_invalid');
	assert.equal(psqlOwner(`select revoked_reason from refresh_families
	    where id = '${jwtClaims(a.access_token).sid}'`), 'disabled');
	await patchUser(u.id, { status: 'active' });
	res = await signIn(u.login, u.password);
	expectTokens(res);
	/* The disabled session stays ended. */
	expectOAuthError(await refresh(a.refresh_token), 400, 'invalid_grant',
	    'refresh_token_invalid');
});

/* --------------------------------------------- forced password change */

test('identity: a created user must change the temporary password before ' +
    'anything else', async (t) => {
	const county = expectTokens(await signIn('county.330599', DEMO_PW));
	const loginName = newLogin('new');
	const res = await api('POST', '/api/v1/users', { token:
	    county.access_token, body: { login: loginName,
	    display_name: '新来的干部', township: f.t1 } });
	expectStatus(res, 201);
	t.after(() => dropUser(res.json.id));
	const tmp = res.json.temporary_password;
	noteSecret('temporary_password', tmp);
	assert.match(tmp, RANDOM43);
	assert.match(res.headers.get('cache-control') || '', /no-store/);
	assert.equal(res.headers.get('location'), `/api/v1/users/${res.json.id}`);
	assert.equal(res.headers.get('etag'), `"${res.json.version}"`);
	for (const [k, v] of Object.entries({ login: loginName,
	    display_name: '新来的干部', level: 'township', county_code: f.county,
	    township_code: f.t1, village_code: null, status: 'active',
	    locked_until: null, must_change_password: true, version: 1 }))
		assert.deepEqual(res.json[k], v, k);
	assert.match(res.json.id, UUID);
	for (const k of ['password_changed_at', 'created_at', 'updated_at'])
		assert.ok(!Number.isNaN(Date.parse(res.json[k])), k);
	for (const k of ['password_hash', 'password'])
		assert.ok(!(k in res.json), k);
	/* Shown once: a GET does not show it. */
	const g = await getUser(res.json.id);
	assert.ok(!('temporary_password' in g.json));
	noLeak(g, tmp);

	const a = expectTokens(await signIn(loginName, tmp));
	assert.equal(a.password_change_required, true);
	assert.equal(jwtClaims(a.access_token).pwd_change, true);
	for (const [m, p, body] of [['GET', `/api/v1/townships/${f.t1}`],
	    ['GET', '/api/v1/townships'], ['GET', '/api/v1/users'],
	    ['POST', '/api/v1/users', { login: newLogin('x'),
	    display_name: 'x', village: f.v1 }],
	    ['PATCH', `/api/v1/villages/${f.v1}`, { population: 1 }]]) {
		const r = await api(m, p, { token: a.access_token, body,
		    headers: { 'if-match': '"1"' } });
		expectProblem(r, 403, 'password_change_required');
	}
	const me = await api('GET', '/api/v1/auth/me', { token: a.access_token });
	expectStatus(me, 200);
	assert.equal(me.json.password_change_required, true);
	assert.equal(me.json.user.must_change_password, true);

	const fresh = newPassword();
	const ch = await api('POST', '/api/v1/auth/password', { token:
	    a.access_token, body: { old_password: tmp, new_password: fresh } });
	expectStatus(ch, 204);
	noLeak(ch, tmp, fresh);
	/* The old token keeps its claim until it expires. */
	expectProblem(await api('GET', '/api/v1/townships', { token:
	    a.access_token }), 403, 'password_change_required');
	/* The same session refreshed: no longer forced. */
	const r = expectTokens(await refresh(a.refresh_token));
	assert.ok(!r.password_change_required);
	assert.ok(!jwtClaims(r.access_token).pwd_change);
	expectStatus(await api('GET', `/api/v1/townships/${f.t1}`,
	    { token: r.access_token }), 200);
	/* Signing in again with the new password. */
	const b = expectTokens(await signIn(loginName, fresh));
	assert.ok(!('password_change_required' in b));
	const ok = await api('GET', `/api/v1/townships/${f.t1}`,
	    { token: b.access_token });
	expectStatus(ok, 200);
	const me2 = await api('GET', '/api/v1/auth/me', { token: b.access_token });
	assert.equal(me2.json.password_change_required, false);
	assert.equal(me2.json.user.must_change_password, false);
	expectOAuthError(await signIn(loginName, tmp), 400, 'invalid_grant',
	    'invalid_credentials');
});

test('identity: a manager reset gives a temporary password, forces a ' +
    'change and ends the sessions', async (t) => {
	const u = await plainUser(t);
	const a = expectTokens(await signIn(u.login, u.password));
	const id = rid('reset');
	const res = await api('POST', `/api/v1/users/${u.id}/password-reset`,
	    { token: countyTok(), headers: { 'x-request-id': id } });
	expectStatus(res, 200);
	const tmp = res.json.temporary_password;
	noteSecret('temporary_password', tmp);
	assert.match(tmp, RANDOM43);
	assert.deepEqual(Object.keys(res.json), ['temporary_password']);
	assert.match(res.headers.get('cache-control') || '', /no-store/);
	const rows = auditRows(id);
	assert.ok(rows.some((r) => r.action === 'update' &&
	    r.entity === 'users' && r.entity_id === u.id), JSON.stringify(rows));
	assert.ok(rows.some((r) => r.action === 'revoke' &&
	    r.after?.reason === 'password_reset'), JSON.stringify(rows));
	assert.ok(!JSON.stringify(rows).includes('password_hash'));
	assert.ok(!JSON.stringify(rows).includes('$argon2'));
	expectOAuthError(await refresh(a.refresh_token), 400, 'invalid_grant',
	    'refresh_token_invalid');
	expectOAuthError(await signIn(u.login, u.password), 400,
	    'invalid_grant', 'invalid_credentials');
	const b = expectTokens(await signIn(u.login, tmp));
	assert.equal(b.password_change_required, true);
	/* With a password of the manager's choosing: 204, forced too. */
	const chosen = newPassword();
	const r2 = await api('POST', `/api/v1/users/${u.id}/password-reset`,
	    { token: countyTok(), body: { password: chosen } });
	expectStatus(r2, 204);
	noLeak(r2, chosen);
	expectOAuthError(await refresh(b.refresh_token), 400, 'invalid_grant',
	    'refresh_token_invalid');
	const c = expectTokens(await signIn(u.login, chosen));
	assert.equal(c.password_change_required, true);
	/* The rules apply to a chosen password. */
	expectFieldError(await api('POST', `/api/v1/users/${u.id}/` +
	    'password-reset', { token: countyTok(), body:
	    { password: 'short1!' } }), '/password', 'too_short');
	expectFieldError(await api('POST', `/api/v1/users/${u.id}/` +
	    'password-reset', { token: countyTok(), body:
	    { password: u.login } }), '/password', 'same_as_login');
	expectFieldError(await api('POST', `/api/v1/users/${u.id}/` +
	    'password-reset', { token: countyTok(), body:
	    { password: 5 } }), '/password');
	expectTokens(await signIn(u.login, chosen));
});

test('identity: password rules on POST /auth/password', async (t) => {
	const u = await plainUser(t);
	const a = expectTokens(await signIn(u.login, u.password));
	const change = (body) => api('POST', '/api/v1/auth/password',
	    { token: a.access_token, body });
	const cases = [
		['short1!Ab', 'too_short'],
		['x'.repeat(129), 'too_long'],
		['汉'.repeat(129), 'too_long'],
		[u.login, 'same_as_login'],
		[`${u.login}2024`, 'same_as_login'],
		['aaaaaaaaaaaa', 'too_simple'],
		['abcdefghijkl', 'too_simple'],
		['9876543210', 'too_simple'],
		['valid-but\u0001control', 'invalid_characters'],
		['tab\tinside-pass', 'invalid_characters'],
		[u.password, 'same_as_old'],
	];
	/*
	 * Each attempt is counted by the lockout (see the test below on
	 * rule failures): cleared here so that this test checks the rules.
	 */
	const clear = () => psqlOwner(`update login_throttle set attempts = 0
	    where login = '${login(u.login)}'`);
	/* Only strong ones are noted: the log check greps for each. */
	noteSecret('password', u.password);
	for (const [pw, code] of cases) {
		clear();
		const res = await change({ old_password: u.password,
		    new_password: pw });
		expectFieldError(res, '/new_password', code);
		noLeak(res, u.password, pw.length >= 10 ? pw : undefined);
	}
	for (const body of [{ old_password: u.password }, { new_password:
	    newPassword() }, { old_password: u.password, new_password: 7 },
	    { old_password: u.password, new_password: newPassword(),
	    extra: 1 }]) {
		clear();
		expectProblem(await change(body), 400, 'validation_failed');
	}
	clear();
	/* Ten characters, not a sequence: fine; code points, not bytes. */
	const ok = '汉字密码测试用例好的';
	noteSecret('password', ok);
	expectStatus(await change({ old_password: u.password,
	    new_password: ok }), 204);
	expectTokens(await signIn(u.login, ok));
});

test('identity: a wrong old password -> 400 /old_password mismatch, and ' +
    'it counts as a failed sign-in (the fifth locks: 423)', async (t) => {
	const u = await plainUser(t);
	const a = expectTokens(await signIn(u.login, u.password));
	const change = (old) => api('POST', '/api/v1/auth/password', { token:
	    a.access_token, body: { old_password: old,
	    new_password: newPassword() } });
	const wrong = newPassword();
	for (let i = 1; i <= 4; i++) {
		const res = await change(wrong);
		expectFieldError(res, '/old_password', 'mismatch');
		noLeak(res, wrong);
	}
	assert.equal(throttle(u.login), '4 none');
	const res = await change(wrong);
	expectProblem(res, 423, 'account_locked');
	assert.match(res.headers.get('retry-after') || '', /^[0-9]+$/);
	assert.ok(Number(res.headers.get('retry-after')) >= 850);
	expectLocked(await signIn(u.login, u.password));
	/* Locked: even the right old password. */
	expectProblem(await change(u.password), 423, 'account_locked');
});

test('identity: password rule failures with the right old password are ' +
    'not failed sign-ins (they do not lock the account)', async (t) => {
	const u = await plainUser(t);
	const a = expectTokens(await signIn(u.login, u.password));
	for (let i = 0; i < 6; i++) {
		const res = await api('POST', '/api/v1/auth/password', { token:
		    a.access_token, body: { old_password: u.password,
		    new_password: 'too-short' } });
		expectFieldError(res, '/new_password', 'too_short');
	}
	const fresh = newPassword();
	expectStatus(await api('POST', '/api/v1/auth/password', { token:
	    a.access_token, body: { old_password: u.password,
	    new_password: fresh } }), 204);
	expectTokens(await signIn(u.login, fresh));
});

test('identity: changing the password ends the other sessions, keeps this ' +
    'one', async (t) => {
	const u = await plainUser(t);
	const a = expectTokens(await signIn(u.login, u.password));
	const b = expectTokens(await signIn(u.login, u.password));
	const fresh = newPassword();
	const id = rid('pwchange');
	expectStatus(await api('POST', '/api/v1/auth/password', { token:
	    a.access_token, body: { old_password: u.password,
	    new_password: fresh }, headers: { 'x-request-id': id } }), 204);
	expectOAuthError(await refresh(b.refresh_token), 400, 'invalid_grant',
	    'refresh_token_invalid');
	expectTokens(await refresh(a.refresh_token));
	const rows = auditRows(id);
	assert.ok(rows.some((r) => r.action === 'update' &&
	    r.entity_id === u.id), JSON.stringify(rows));
	assert.ok(!JSON.stringify(rows).includes('$argon2'));
	expectOAuthError(await signIn(u.login, u.password), 400,
	    'invalid_grant', 'invalid_credentials');
	expectTokens(await signIn(u.login, fresh));
});

/* ------------------------------------------------------ external IdP */

const IDP = JSON.parse(readFileSync(path.join(ROOT, 'conf',
    'dev-issuers.json'), 'utf8'))[0];
const IDP_KEY = readFileSync(path.join(ROOT, 'conf', 'dev-keys',
    'idp-es256.pem'), 'utf8');

function es256(kid, key, claims)
{
	const input = `${b64u(JSON.stringify({ alg: 'ES256', kid,
	    typ: 'JWT' }))}.${b64u(JSON.stringify(claims))}`;
	const sig = crypto.sign('sha256', Buffer.from(input),
	    { key, dsaEncoding: 'ieee-p1363' });
	return `${input}.${b64u(sig)}`;
}

function idpToken(extra = {})
{
	return es256('dev-idp-es256', IDP_KEY, {
		iss: IDP.issuer, aud: ['account', 'xiangzhi'],
		exp: now() + 600, iat: now(), preferred_username: 'li.ming',
		xz_role: 'township_officer', xz_county: f.county,
		xz_township: f.t1, ...extra,
	});
}

test('identity: an external-IdP user has no local password: POST ' +
    '/auth/password -> 409 no_local_password', async () => {
	const pw = newPassword();
	const res = await api('POST', '/api/v1/auth/password', { token:
	    idpToken(), body: { old_password: pw, new_password: newPassword() } });
	expectProblem(res, 409, 'no_local_password');
	noLeak(res, pw);
	expectStatus(await api('POST', '/api/v1/auth/logout',
	    { token: idpToken() }), 204);
});

test('identity: tokens from an untrusted issuer are 401', async () => {
	const { privateKey } = crypto.generateKeyPairSync('ec',
	    { namedCurve: 'P-256' });
	const claims = { iss: 'https://sso.evil.invalid/realms/county',
	    aud: 'xiangzhi', exp: now() + 600, iat: now(), sub: 'mallory',
	    preferred_username: 'mallory', role: 'county', county: f.county,
	    xz_role: 'county_officer', xz_county: f.county };
	for (const tok of [es256('evil-key', privateKey, claims),
	    es256('dev-idp-es256', privateKey, claims),
	    es256('dev-es256', privateKey, claims),
	    /* The right key, the wrong issuer. */
	    es256('dev-idp-es256', IDP_KEY, claims),
	    es256('dev-es256', KEYS.es256.key, claims)]) {
		for (const p of ['/api/v1/auth/me', '/api/v1/townships']) {
			const res = await api('GET', p, { token: tok });
			const e = expectProblem(res, 401);
			assert.ok(['token_issuer', 'token_key_unknown',
			    'token_signature'].includes(e.code), e.code);
			assert.match(res.headers.get('www-authenticate') || '',
			    /^Bearer /);
		}
	}
});

test('identity: the JWKS publishes dev-es256 and dev-rs256, never HS256; ' +
    'an issued token verifies with its JWK', async () => {
	const res = await api('GET', '/api/v1/auth/jwks.json');
	expectStatus(res, 200);
	const kids = res.json.keys.map((k) => k.kid);
	assert.ok(kids.includes('dev-es256'), `${kids}`);
	assert.ok(kids.includes('dev-rs256'), `${kids}`);
	for (const k of res.json.keys) {
		assert.notEqual(k.kty, 'oct', `${k.kid}: no symmetric key`);
		assert.notEqual(k.alg, 'HS256', `${k.kid}`);
		assert.ok(!('d' in k) && !('k' in k), `${k.kid}: public only`);
	}
	assert.ok(!kids.includes('dev-hs256'));
	const b = expectTokens(await signIn('county.330599', DEMO_PW));
	const kid = jwtHeader(b.access_token).kid;
	const jwk = res.json.keys.find((k) => k.kid === kid);
	assert.ok(jwk, `the signing key ${kid} is published`);
	const [h, p, s] = b.access_token.split('.');
	assert.ok(crypto.verify('sha256', Buffer.from(`${h}.${p}`),
	    { key: crypto.createPublicKey({ key: jwk, format: 'jwk' }),
	    dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url')));
});

/* ------------------------------------------------------------ /auth/me */

function permSet(me)
{
	return new Set(me.permissions.map((p) => `${p.method} ${p.path}`));
}

function expectMeShape(me)
{
	for (const k of ['sub', 'role', 'county', 'township', 'village',
	    'scopes', 'townships', 'password_change_required', 'expires_at',
	    'user', 'permissions'])
		assert.ok(k in me, `me.${k}`);
	assert.ok(Array.isArray(me.scopes));
	assert.ok(Array.isArray(me.permissions));
	for (const p of me.permissions) {
		assert.ok(['GET', 'POST', 'PATCH'].includes(p.method));
		assert.match(p.path, /^\/api\/v1\//);
	}
	const perms = permSet(me);
	assert.ok(perms.has('GET /api/v1/auth/me'));
	assert.ok(!perms.has('POST /api/v1/auth/token'), 'public routes not ' +
	    'listed');
	assert.ok(!perms.has('GET /api/v1/auth/jwks.json'));
}

test('identity: /auth/me for a county user', async () => {
	const b = expectTokens(await signIn('county.330599', DEMO_PW));
	const res = await api('GET', '/api/v1/auth/me', { token: b.access_token });
	expectStatus(res, 200);
	const me = res.json;
	expectMeShape(me);
	const c = jwtClaims(b.access_token);
	assert.equal(me.sub, c.sub);
	assert.equal(me.role, 'county');
	assert.equal(me.county, f.county);
	assert.equal(me.township, null);
	assert.equal(me.village, null);
	assert.deepEqual(me.scopes, []);
	assert.equal(me.townships, null);
	assert.equal(me.password_change_required, false);
	assert.equal(me.expires_at, c.exp);
	assert.equal(me.user.id, c.sub);
	assert.equal(me.user.login, 'county.330599');
	assert.equal(me.user.level, 'county');
	assert.equal(me.user.must_change_password, false);
	assert.equal(typeof me.user.display_name, 'string');
	assert.ok(!Number.isNaN(Date.parse(me.user.password_changed_at)));
	assert.ok(!('password_hash' in me.user));
	const perms = permSet(me);
	for (const p of ['GET /api/v1/users', 'POST /api/v1/users',
	    'POST /api/v1/partner-clients', 'POST /api/v1/townships',
	    'PATCH /api/v1/partner-clients/{id}', 'POST /api/v1/auth/password',
	    'POST /api/v1/auth/logout'])
		assert.ok(perms.has(p), p);
});

test('identity: /auth/me for a township user', async () => {
	const b = expectTokens(await signIn(`officer.${f.t1}`, DEMO_PW));
	const res = await api('GET', '/api/v1/auth/me', { token: b.access_token });
	expectStatus(res, 200);
	const me = res.json;
	expectMeShape(me);
	assert.equal(me.role, 'township');
	assert.equal(me.county, f.county);
	assert.equal(me.township, f.t1);
	assert.equal(me.village, null);
	assert.equal(me.user.login, `officer.${f.t1}`);
	assert.equal(me.user.level, 'township');
	const perms = permSet(me);
	for (const p of ['GET /api/v1/users', 'POST /api/v1/users',
	    'POST /api/v1/users/{id}/unlock', 'PATCH /api/v1/villages/{code}'])
		assert.ok(perms.has(p), p);
	for (const p of ['POST /api/v1/partner-clients',
	    'GET /api/v1/partner-clients', 'POST /api/v1/townships'])
		assert.ok(!perms.has(p), p);
});

test('identity: /auth/me for a village user', async () => {
	const village = psqlOwner(`select login from users where level =
	    'village' and township_code = '${f.t1}' and login like 'village.%'
	    order by login limit 1`);
	const b = expectTokens(await signIn(village, DEMO_PW));
	const res = await api('GET', '/api/v1/auth/me', { token: b.access_token });
	expectStatus(res, 200);
	const me = res.json;
	expectMeShape(me);
	assert.equal(me.role, 'village');
	assert.equal(me.township, f.t1);
	assert.equal(me.village, village.slice('village.'.length));
	assert.equal(me.user.login, village);
	assert.equal(me.user.level, 'village');
	const perms = permSet(me);
	assert.ok(perms.has('POST /api/v1/auth/password'));
	assert.ok(perms.has('GET /api/v1/townships'));
	for (const p of ['GET /api/v1/users', 'POST /api/v1/users',
	    'GET /api/v1/partner-clients', 'PATCH /api/v1/villages/{code}'])
		assert.ok(!perms.has(p), p);
});

test('identity: /auth/me for a partner (no scope needed): its scopes and ' +
    'townships, no user', async (t) => {
	const c = await createClient(t, { scopes: ['funds:read', 'org:read'],
	    townships: [f.t1, f.t2] });
	let b = expectTokens(await clientToken(c.id, c.secret,
	    { scope: 'funds:read' }), { refresh: false });
	let res = await api('GET', '/api/v1/auth/me', { token: b.access_token });
	expectStatus(res, 200);
	let me = res.json;
	expectMeShape(me);
	assert.equal(me.sub, c.id);
	assert.equal(me.role, 'partner');
	assert.equal(me.county, f.county);
	assert.deepEqual(me.scopes, ['funds:read']);
	assert.deepEqual([...me.townships].sort(), [f.t1, f.t2].sort());
	assert.equal(me.user, null);
	assert.equal(me.password_change_required, false);
	let perms = permSet(me);
	assert.ok(perms.has('POST /api/v1/auth/logout'));
	for (const p of ['GET /api/v1/townships', 'POST /api/v1/auth/password',
	    'GET /api/v1/users', 'GET /api/v1/partner-clients'])
		assert.ok(!perms.has(p), p);

	b = expectTokens(await clientToken(DEMO_CLIENT, DEMO_SECRET,
	    { scope: 'org:read' }), { refresh: false });
	res = await api('GET', '/api/v1/auth/me', { token: b.access_token });
	expectStatus(res, 200);
	me = res.json;
	assert.deepEqual(me.scopes, ['org:read']);
	assert.equal(me.townships, '*');
	perms = permSet(me);
	assert.ok(perms.has('GET /api/v1/townships'));
	assert.ok(perms.has('GET /api/v1/villages/{code}'));
	assert.ok(!perms.has('POST /api/v1/townships'));
});

test('identity: /auth/me for an external-IdP token: mapped claims, no user',
    async () => {
	const res = await api('GET', '/api/v1/auth/me', { token: idpToken() });
	expectStatus(res, 200);
	const me = res.json;
	expectMeShape(me);
	assert.equal(me.sub, 'li.ming');
	assert.equal(me.role, 'township');
	assert.equal(me.county, f.county);
	assert.equal(me.township, f.t1);
	assert.equal(me.user, null);
	assert.equal(me.password_change_required, false);
	assert.ok(permSet(me).has('POST /api/v1/users'));
});

/* ------------------------------------------------------------- users */

test('identity: POST /api/v1/users refuses bad input with the field named',
    async (t) => {
	const u = await plainUser(t);
	const post = (body, token = countyTok()) => api('POST',
	    '/api/v1/users', { token, body: { display_name: '测试', ...body } });
	let res = await post({ login: u.login, township: f.t1 });
	expectProblem(res, 409, 'login_taken');
	res = await post({ login: newLogin(), township: FOREIGN.township });
	expectFieldError(res, '/township', 'prefix_mismatch');
	res = await post({ login: newLogin(),
	    township: freshTownshipCode(f.county) });
	expectFieldError(res, '/township', 'not_found');
	res = await post({ login: newLogin(), village: f.v1 });
	expectFieldError(res, '/village', 'not_allowed');
	res = await post({ login: newLogin(), township: f.t1, village: f.v1 });
	expectFieldError(res, '/village', 'not_allowed');
	res = await post({ login: newLogin() });
	expectFieldError(res, '/township', 'required');
	for (const bad of ['Upper-Case', 'ab', '-lead', 'has space', '汉字登录',
	    `a${'b'.repeat(64)}`])
		expectFieldError(await post({ login: bad, township: f.t1 }),
		    '/login');
	const l = newLogin();
	res = await post({ login: l, township: f.t1, password: 'short-1A' });
	expectFieldError(res, '/password', 'too_short');
	res = await post({ login: l, township: f.t1, password: l });
	expectFieldError(res, '/password', 'same_as_login');
	res = await post({ login: l, township: f.t1, password: '1111111111' });
	expectFieldError(res, '/password', 'too_simple');
	res = await post({ login: l, township: f.t1, unknown: 1 });
	expectProblem(res, 400, 'validation_failed');
	res = await post({ login: newLogin(), township: f.t1,
	    display_name: 'x'.repeat(65) });
	expectFieldError(res, '/display_name');
	/* A township user creates village users of its township only. */
	res = await post({ login: newLogin(), village: f.v2 }, townshipTok());
	expectFieldError(res, '/village', 'prefix_mismatch');
	res = await post({ login: newLogin(), township: f.t1 }, townshipTok());
	expectFieldError(res, '/township', 'not_allowed');
	assert.equal(psqlOwner(`select count(*) from users where login =
	    '${login(l)}'`), '0', 'nothing was created');
});

test('identity: GET /api/v1/users lists the managed users by login, pages ' +
    'with a cursor, never the caller', async (t) => {
	const a = await createUser(t, { login: `it-list-${RUN}-a`,
	    password: newPassword() });
	const b = await createUser(t, { login: `it-list-${RUN}-b`,
	    password: newPassword() });
	const county = expectTokens(await signIn('county.330599', DEMO_PW));
	const all = await api('GET', '/api/v1/users?limit=200',
	    { token: county.access_token });
	expectStatus(all, 200);
	const logins = all.json.items.map((i) => i.login);
	assert.deepEqual(logins, [...logins].sort());
	assert.ok(logins.includes(a.login) && logins.includes(b.login));
	assert.ok(!logins.includes('county.330599'), 'not the caller');
	for (const i of all.json.items) {
		assert.equal(i.level, 'township', i.login);
		assert.equal(i.county_code, f.county, i.login);
		assert.ok(!('password_hash' in i));
	}
	assert.ok(logins.includes(`officer.${f.t1}`));
	/* Paging from just before a: a, b. */
	const cursor = Buffer.from(`it-list-${RUN}-`).toString('base64url');
	let res = await api('GET', `/api/v1/users?limit=1&cursor=${cursor}`,
	    { token: countyTok() });
	expectStatus(res, 200);
	assert.deepEqual(res.json.items.map((i) => i.login), [a.login]);
	assert.ok(res.json.next_cursor);
	assert.match(res.headers.get('link') || '', /rel="next"/);
	res = await api('GET', `/api/v1/users?limit=1&cursor=` +
	    `${res.json.next_cursor}`, { token: countyTok() });
	expectStatus(res, 200);
	assert.deepEqual(res.json.items.map((i) => i.login), [b.login]);
	expectFieldError(await api('GET', '/api/v1/users?limit=0',
	    { token: countyTok() }), 'limit', undefined, { kind: 'parameter' });
	expectFieldError(await api('GET', '/api/v1/users?cursor=%21%21',
	    { token: countyTok() }), 'cursor', undefined, { kind: 'parameter' });
	/* A township user lists the village users of its township. */
	const v = await createUser(t, { level: 'village',
	    password: newPassword() });
	res = await api('GET', '/api/v1/users?limit=200',
	    { token: townshipTok() });
	expectStatus(res, 200);
	assert.ok(res.json.items.some((i) => i.id === v.id));
	for (const i of res.json.items) {
		assert.equal(i.level, 'village');
		assert.equal(i.township_code, f.t1);
	}
});

test('identity: PATCH /api/v1/users/{id}: If-Match required and checked, ' +
    'fields validated, a bad id is 400', async (t) => {
	const u = await plainUser(t);
	const path1 = `/api/v1/users/${u.id}`;
	const before = await getUser(u.id);
	const etag = before.headers.get('etag');
	expectProblem(await api('PATCH', path1, { token: countyTok(),
	    body: { display_name: '新名' } }), 428, 'precondition_required');
	expectProblem(await api('PATCH', path1, { token: countyTok(),
	    body: { display_name: '新名' }, headers: { 'if-match': '"99"' } }),
	    412, 'precondition_failed');
	for (const body of [{ status: 'locked' }, { status: 'deleted' },
	    { display_name: '' }, {}, { login: 'other' },
	    { must_change_password: false }]) {
		expectProblem(await api('PATCH', path1, { token: countyTok(), body,
		    headers: { 'if-match': etag } }), 400, 'validation_failed');
	}
	const res = await api('PATCH', path1, { token: countyTok(),
	    body: { display_name: '新名字' }, headers: { 'if-match': etag } });
	expectStatus(res, 200);
	assert.equal(res.json.display_name, '新名字');
	assert.equal(res.json.version, before.json.version + 1);
	assert.equal(res.headers.get('etag'), `"${res.json.version}"`);
	for (const [m, p] of [['GET', '/api/v1/users/not-a-uuid'],
	    ['PATCH', '/api/v1/users/1234'],
	    ['POST', '/api/v1/users/xyz/password-reset'],
	    ['POST', '/api/v1/users/xyz/unlock'],
	    ['GET', '/api/v1/partner-clients/not-a-uuid'],
	    ['PATCH', '/api/v1/partner-clients/zz'],
	    ['POST', '/api/v1/partner-clients/zz/rotate-secret']]) {
		const r = await api(m, p, { token: countyTok(), body: m === 'PATCH' ?
		    { name: 'x' } : undefined, headers: { 'if-match': '"1"' } });
		expectFieldError(r, 'id', 'format', { kind: 'parameter' });
	}
	expectProblem(await api('GET', `/api/v1/users/${crypto.randomUUID()}`,
	    { token: countyTok() }), 404, 'not_found');
});

/* ---------------------------------------------------- partner clients */

test('identity: POST /api/v1/partner-clients: the secret once, the grant ' +
    'checked', async (t) => {
	const c = await createClient(t, { scopes: ['org:read', 'funds:read'],
	    townships: '*' });
	for (const [k, v] of Object.entries({ id: c.id, client_id: c.id,
	    county_code: f.county, name: '身份测试伙伴',
	    scopes: ['org:read', 'funds:read'], townships: '*',
	    status: 'active', previous_secret_until: null, version: 1 }))
		assert.deepEqual(c.json[k], v, k);
	for (const k of ['secret_hash', 'previous_secret_hash'])
		assert.ok(!(k in c.json), k);
	const g = await api('GET', `/api/v1/partner-clients/${c.id}`,
	    { token: countyTok() });
	expectStatus(g, 200);
	assert.ok(!('client_secret' in g.json));
	noLeak(g, c.secret);
	const list = await api('GET', '/api/v1/partner-clients?limit=200',
	    { token: countyTok() });
	expectStatus(list, 200);
	assert.ok(list.json.items.some((i) => i.id === c.id));
	noLeak(list, c.secret);
	const post = (body) => api('POST', '/api/v1/partner-clients',
	    { token: countyTok(), body: { name: 'x', scopes: ['org:read'],
	    townships: '*', ...body } });
	for (const [body, ptr] of [
	    [{ scopes: ['admin'] }, '/scopes'],
	    [{ scopes: ['org:read', 'org:read'] }, '/scopes'],
	    [{ scopes: [] }, '/scopes'],
	    [{ scopes: 'org:read' }, '/scopes'],
	    [{ townships: [FOREIGN.township] }, '/townships'],
	    [{ townships: [f.t1, f.t1] }, '/townships'],
	    [{ townships: [] }, '/townships'],
	    [{ townships: 'all' }, '/townships'],
	    [{ townships: [freshTownshipCode(f.county)] }, '/townships'],
	    [{ name: '' }, '/name']]) {
		const res = await post(body);
		expectFieldError(res, ptr);
		assert.ok(!('client_secret' in (res.json || {})));
	}
	expectProblem(await post({ secret: 'mine' }), 400, 'validation_failed');
});

/* ------------------------------------------------------- audit trail */

test('identity: no audit row holds a password or secret hash', () => {
	assert.equal(psqlOwner(`select count(*) from audit_log where
	    entity in ('users', 'partner_clients') and (before ?| array[
	    'password_hash', 'secret_hash', 'previous_secret_hash'] or after ?|
	    array['password_hash', 'secret_hash', 'previous_secret_hash'])`),
	    '0');
	assert.equal(psqlOwner(`select count(*) from audit_log where
	    strpos(coalesce(before::text, '') || coalesce(after::text, ''),
	    '$argon2') > 0`), '0');
	/* The suites above did write identity audit rows. */
	assert.ok(Number(psqlOwner(`select count(*) from audit_log where
	    entity = 'users' and action in ('lock', 'unlock', 'revoke')`)) >= 5);
});
