/*
 * Strict input and HTTP conventions: bad input is a 4xx problem+json that
 * names the field (pointer) or parameter, never 5xx; If-Match/ETag;
 * paging; request ids; audit rows; the representations of the contract
 * (docs-contract.tmp.md, app/http/openapi.json).
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
	api, auditRows, dropTownship, dropVillage, expectFieldError,
	expectNo5xx, expectProblem, expectStatus, fixtures, freshTownshipCode,
	freshVillageCode, psqlOwner, rid, scratchTownship, scratchVillage,
	tokenFor,
} from './lib.mjs';

const f = fixtures();
const countyTok = () => tokenFor('county', { county: f.county });
const townshipTok = () => tokenFor('township', { county: f.county,
    township: f.t1 });
const VILLAGES = `/api/v1/townships/${f.t1}/villages`;

/* POST a village under T1 as the county; the code is deleted afterwards. */
async function postVillage(t, opts)
{
	const res = await api('POST', VILLAGES, { token: countyTok(), ...opts });
	expectNo5xx(res);
	if (res.status === 201 && res.json?.code)
		t.after(() => dropVillage(res.json.code));
	return res;
}

/* A complete create body (every field is required) for an unused code. */
function newVillage(t, extra = {})
{
	const code = freshVillageCode(f.t1);
	t.after(() => dropVillage(code));
	return { code, name: '输入测试村', population: 100, households: 30,
	    natural_village_count: 1, ...extra };
}

/* The same as JSON text with one member's raw text replaced or added. */
function rawVillage(t, member, rawValue)
{
	const v = newVillage(t);
	delete v[member];
	return JSON.stringify(v).slice(0, -1) + `,"${member}":${rawValue}}`;
}

const JSON_CT = { 'content-type': 'application/json' };

/* Raw JSON text (or bytes) as a village POST. */
async function postRaw(t, raw, headers = JSON_CT)
{
	return postVillage(t, { rawBody: raw, headers });
}

/* A scratch village and its current ETag. */
async function villageWithEtag(t)
{
	const code = scratchVillage(f.t1, t);
	const g = await api('GET', `/api/v1/villages/${code}`,
	    { token: countyTok() });
	expectStatus(g, 200);
	return { code, etag: g.headers.get('etag'), before: g.json };
}

/* ------------------------------------------------------- content type */

test('input: text/plain body -> 415 unsupported_media_type', async (t) => {
	const res = await postVillage(t, { rawBody: JSON.stringify(
	    newVillage(t)), headers: { 'content-type': 'text/plain' } });
	expectProblem(res, 415, 'unsupported_media_type');
});

test('input: no content-type -> 415 unsupported_media_type', async (t) => {
	const res = await postVillage(t, { rawBody: Buffer.from(
	    JSON.stringify(newVillage(t))) });
	expectProblem(res, 415, 'unsupported_media_type');
});

test('input: application/jsonx and a latin1 charset -> 415', async (t) => {
	for (const ct of ['application/jsonx', 'application/json; charset=latin1',
	    'application/x-www-form-urlencoded']) {
		const res = await postVillage(t, { rawBody: JSON.stringify(
		    newVillage(t)), headers: { 'content-type': ct } });
		expectProblem(res, 415, 'unsupported_media_type');
	}
});

test('input: application/json; charset=utf-8 is accepted', async (t) => {
	const res = await postVillage(t, { rawBody: JSON.stringify(
	    newVillage(t)), headers: { 'content-type':
	    'application/json; charset=utf-8' } });
	expectStatus(res, 201);
});

test('input: PATCH with text/plain -> 415', async (t) => {
	const v = await villageWithEtag(t);
	const res = await api('PATCH', `/api/v1/villages/${v.code}`, {
	    token: countyTok(), rawBody: '{"population":1}',
	    headers: { 'content-type': 'text/plain', 'if-match': v.etag } });
	expectProblem(res, 415, 'unsupported_media_type');
});

/* ---------------------------------------------------------------- size */

test('input: a body over 64 KiB -> 413 payload_too_large', async (t) => {
	const body = JSON.stringify({ ...newVillage(t),
	    name: 'x'.repeat(70000) });
	expectProblem(await postRaw(t, body), 413, 'payload_too_large');
});

test('input: a body of exactly 64 KiB is read (not 413)', async (t) => {
	const v = JSON.stringify(newVillage(t));
	const body = v.slice(0, -1) + ' '.repeat(65536 - Buffer.byteLength(v)) +
	    '}';
	assert.equal(Buffer.byteLength(body), 65536);
	expectStatus(await postRaw(t, body), 201);
	const over = body.slice(0, -1) + ' }';
	expectProblem(await postRaw(t, over), 413, 'payload_too_large');
});

/* ---------------------------------------------------- malformed bodies */

test('input: an empty body -> 400 naming the document', async (t) => {
	expectFieldError(await postRaw(t, ''), '', 'invalid_json');
});

test('input: invalid JSON -> 400 invalid_json', async (t) => {
	/* The pointer names the top-level member where parsing broke. */
	for (const [raw, ptr] of [['{"code":', '/code'], ['{code: "1"}', ''],
	    ["{'a':1}", ''], ['{"a":1,}', ''], ['{"a":1} x', ''],
	    ['{"code":"1","name":tru}', '/name']]) {
		const res = await postRaw(t, raw);
		const p = expectFieldError(res, ptr, 'invalid_json');
		assert.doesNotMatch(p.errors[0].message, /empty/,
		    `a non-empty body is not reported empty: ${raw}`);
	}
});

test('input: a top-level array -> 400 type; a scalar -> 400', async (t) => {
	for (const raw of ['[]', '[{"code":"1"}]'])
		expectFieldError(await postRaw(t, raw), '', 'type');
	for (const raw of ['"x"', '42', 'null', 'true'])
		expectFieldError(await postRaw(t, raw), '');
});

test('input: duplicate keys -> 400 pointer /name duplicate_key', async (t) => {
	const raw = rawVillage(t, 'name', '"甲村","name":"乙村"');
	expectFieldError(await postRaw(t, raw), '/name', 'duplicate_key');
});

test('input: an unknown field -> 400 pointer /foo unknown_field',
    async (t) => {
	const res = await postVillage(t, { body: { ...newVillage(t), foo: 1 } });
	expectFieldError(res, '/foo', 'unknown_field');
});

test('input: a field name with / and ~ is escaped in the pointer',
    async (t) => {
	const res = await postVillage(t, { body: { ...newVillage(t),
	    'a/b~c': 1 } });
	expectFieldError(res, '/a~1b~0c', 'unknown_field');
});

test('input: missing required fields -> 400 naming each as required',
    async (t) => {
	const res = await postVillage(t, { body: { population: 1 } });
	for (const field of ['code', 'name', 'households',
	    'natural_village_count'])
		expectFieldError(res, `/${field}`, 'required');
	assert.ok(!res.json.errors.some((e) => e.pointer === '/population'));
	const tw = await api('POST', '/api/v1/townships', { token: countyTok(),
	    body: {} });
	for (const field of ['code', 'name', 'kind'])
		expectFieldError(tw, `/${field}`, 'required');
});

/* ---------------------------------------------------------------- types */

test('input: population as a string -> 400 /population type', async (t) => {
	const res = await postVillage(t, { body: newVillage(t,
	    { population: '12' }) });
	expectFieldError(res, '/population', 'type');
});

test('input: name as a number -> 400 /name type', async (t) => {
	const res = await postVillage(t, { body: newVillage(t, { name: 123 }) });
	expectFieldError(res, '/name', 'type');
});

test('input: null values -> 400 type naming each field', async (t) => {
	for (const field of ['name', 'population', 'households',
	    'natural_village_count', 'code']) {
		const res = await postVillage(t, { body: newVillage(t,
		    { [field]: null }) });
		expectFieldError(res, `/${field}`, 'type');
	}
});

test('input: a float, an object and an array for an integer -> 400 type',
    async (t) => {
	for (const v of [1.5, { n: 1 }, [1], true]) {
		const res = await postVillage(t, { body: newVillage(t,
		    { households: v }) });
		expectFieldError(res, '/households', 'type');
	}
});

test('input: a code as a number -> 400 /code type', async (t) => {
	const v = newVillage(t);
	const res = await postVillage(t, { body: { ...v, code: Number(v.code) } });
	expectFieldError(res, '/code', 'type');
});

test('input: a malformed body code -> 400 /code format', async (t) => {
	for (const code of [`${f.t1}12`, `${f.t1}1234`, `${f.t1}12a`, '']) {
		const res = await postVillage(t, { body: newVillage(t,
		    { code }) });
		expectFieldError(res, '/code');
	}
});

test('input: a township kind outside the enum -> 400 /kind enum',
    async (t) => {
	const code = freshTownshipCode(f.county);
	t.after(() => dropTownship(code));
	const res = await api('POST', '/api/v1/townships', { token: countyTok(),
	    body: { code, name: '枚举镇', kind: 'city' } });
	expectFieldError(res, '/kind', 'enum');
});

/* ----------------------------------------------------------- strings */

test('input: a name of 65 汉字 -> 400 /name too_long', async (t) => {
	const res = await postVillage(t, { body: newVillage(t,
	    { name: '村'.repeat(65) }) });
	expectFieldError(res, '/name', 'too_long');
});

test('input: a name of 64 汉字 (192 bytes) is accepted', async (t) => {
	const name = '村'.repeat(64);
	const res = await postVillage(t, { body: newVillage(t, { name }) });
	expectStatus(res, 201);
	assert.equal(res.json.name, name);
});

test('input: a name of 64 astral characters (4-byte UTF-8) is accepted',
    async (t) => {
	const name = '𠀀'.repeat(64);
	const res = await postVillage(t, { body: newVillage(t, { name }) });
	expectStatus(res, 201);
	assert.equal(res.json.name, name);
	const over = await postVillage(t, { body: newVillage(t,
	    { name: name + '𠀀' }) });
	expectFieldError(over, '/name', 'too_long');
});

test('input: an empty name -> 400 /name', async (t) => {
	const res = await postVillage(t, { body: newVillage(t, { name: '' }) });
	expectFieldError(res, '/name');
});

/* ------------------------------------------------------------ integers */

test('input: a negative population -> 400 /population out_of_range',
    async (t) => {
	const res = await postVillage(t, { body: newVillage(t,
	    { population: -1 }) });
	expectFieldError(res, '/population', 'out_of_range');
});

test('input: integers above their maximum -> 400 out_of_range',
    async (t) => {
	for (const [field, v] of [['population', 100000001],
	    ['households', 100000001], ['natural_village_count', 100001],
	    ['population', 2147483648]]) {
		const res = await postVillage(t, { body: newVillage(t,
		    { [field]: v }) });
		expectFieldError(res, `/${field}`, 'out_of_range');
	}
});

test('input: the maxima themselves are accepted', async (t) => {
	const res = await postVillage(t, { body: newVillage(t, {
	    population: 100000000, households: 100000000,
	    natural_village_count: 100000 }) });
	expectStatus(res, 201);
	assert.equal(res.json.population, 100000000);
});

test('input: 2^63-1 -> 400 /population out_of_range', async (t) => {
	const raw = rawVillage(t, 'population', '9223372036854775807');
	expectFieldError(await postRaw(t, raw), '/population', 'out_of_range');
});

test('input: 2^63 -> 400 naming /population', async (t) => {
	const raw = rawVillage(t, 'population', '9223372036854775808');
	const res = await postRaw(t, raw);
	/* The field, not just "malformed JSON" (DESIGN: strict input). */
	expectFieldError(res, '/population');
});

/* ------------------------------------------------ UTF-8 and NUL bytes */

test('input: invalid UTF-8 bytes in the body -> 400 invalid_utf8 naming ' +
    '/name', async (t) => {
	for (const bad of [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80],
	    [0xe6, 0x9d]]) {
		const [head, tail] = rawVillage(t, 'name', '"坏@村"').split('@');
		const body = Buffer.concat([Buffer.from(head), Buffer.from(bad),
		    Buffer.from(tail)]);
		const res = await postRaw(t, body);
		const p = expectProblem(res, 400, 'validation_failed');
		assert.ok(p.errors.some((e) => e.code === 'invalid_utf8'),
		    JSON.stringify(p.errors));
		expectFieldError(res, '/name', 'invalid_utf8');
	}
});

test('input: a NUL (\\u0000 escape) in a string -> 400 naming /name',
    async (t) => {
	const raw = rawVillage(t, 'name', '"坏\\u0000村"');
	const res = await postRaw(t, raw);
	expectFieldError(res, '/name');
});

test('input: a raw NUL byte in the body -> 400', async (t) => {
	const [head, tail] = rawVillage(t, 'name', '"坏@村"').split('@');
	const body = Buffer.concat([Buffer.from(head), Buffer.from([0]),
	    Buffer.from(tail)]);
	expectProblem(await postRaw(t, body), 400, 'validation_failed');
});

test('input: an escaped lone surrogate -> 400', async (t) => {
	const raw = rawVillage(t, 'name', '"坏\\ud800村"');
	expectProblem(await postRaw(t, raw), 400, 'validation_failed');
});

/* ----------------------------------------------------- codes in paths */

test('input: malformed codes in paths -> 400 parameter code', async () => {
	const tok = countyTok();
	const cases = [
		['GET', '/api/v1/counties/33059'],
		['GET', '/api/v1/counties/33059a'],
		['GET', '/api/v1/counties/3305990'],
		['GET', '/api/v1/townships/33059910'],
		['GET', '/api/v1/townships/abcdefghi'],
		['GET', '/api/v1/townships/3305991070'],
		['GET', `/api/v1/townships/${f.t1.slice(0, 8)}/villages`],
		['GET', '/api/v1/villages/12345'],
		['GET', '/api/v1/villages/abcdefghijkl'],
		['GET', `/api/v1/villages/${f.v1}0`],
		['GET', `/api/v1/villages/${f.v1.slice(0, 11)}%20`],
	];
	for (const [m, p] of cases) {
		const res = await api(m, p, { token: tok });
		expectFieldError(res, 'code', 'format', { kind: 'parameter' });
	}
});

test('input: a malformed code in a POST or PATCH path -> 400 parameter ' +
    'code', async (t) => {
	const res = await api('POST', '/api/v1/townships/12345/villages',
	    { token: countyTok(), body: newVillage(t) });
	expectFieldError(res, 'code', 'format', { kind: 'parameter' });
	const p = await api('PATCH', '/api/v1/villages/1234567890123',
	    { token: countyTok(), body: { population: 1 },
	    headers: { 'if-match': '"1"' } });
	expectFieldError(p, 'code', 'format', { kind: 'parameter' });
});

test('input: a village code not under its township -> 400 /code ' +
    'prefix_mismatch', async (t) => {
	const res = await postVillage(t, { body: newVillage(t,
	    { code: `${f.t2}950` }) });
	expectFieldError(res, '/code', 'prefix_mismatch');
});

test('input: a township code not under the county -> 400 /code ' +
    'prefix_mismatch', async () => {
	const res = await api('POST', '/api/v1/townships', { token: countyTok(),
	    body: { code: '330600950', name: '越界镇', kind: 'town' } });
	expectFieldError(res, '/code', 'prefix_mismatch');
});

test('input: a duplicate village code -> 409 conflict', async (t) => {
	const res = await postVillage(t, { body: { ...newVillage(t), code: f.v1,
	    name: '重复村' } });
	expectProblem(res, 409, 'conflict');
	assert.equal(psqlOwner(`select name <> '重复村' from villages where
	    code = '${f.v1}'`), 't');
});

test('input: a duplicate township code -> 409 conflict', async () => {
	const res = await api('POST', '/api/v1/townships', { token: countyTok(),
	    body: { code: f.t1, name: '重复镇', kind: 'town' } });
	expectProblem(res, 409, 'conflict');
});

test('input: a village under an absent township of the county -> 404',
    async (t) => {
	const tw = freshTownshipCode(f.county);
	const res = await api('POST', `/api/v1/townships/${tw}/villages`,
	    { token: countyTok(), body: { ...newVillage(t), code: `${tw}200`,
	    name: '无主村' } });
	t.after(() => dropVillage(`${tw}200`));
	expectProblem(res, 404, 'not_found');
});

/* ---------------------------------------------------- query parameters */

test('input: an unknown query parameter -> 400 parameter', async () => {
	for (const p of ['/api/v1/townships?foo=1',
	    `${VILLAGES}?limit=3&sort=name`]) {
		const res = await api('GET', p, { token: countyTok() });
		const q = new URL(p, 'http://x').searchParams;
		const name = [...q.keys()].find((k) => k !== 'limit');
		expectFieldError(res, name, 'unknown_parameter',
		    { kind: 'parameter' });
	}
});

test('input: a bad limit (0, 201, abc, -1, 1.5, empty) -> 400 parameter ' +
    'limit', async () => {
	for (const v of ['0', '201', 'abc', '-1', '1.5', '', '99999999999999999999',
	    '+5', '%205']) {
		const res = await api('GET', `/api/v1/townships?limit=${v}`,
		    { token: countyTok() });
		expectFieldError(res, 'limit', undefined, { kind: 'parameter' });
	}
});

test('input: limit 1 and 200 are accepted', async () => {
	for (const v of ['1', '200']) {
		const res = await api('GET', `${VILLAGES}?limit=${v}`,
		    { token: countyTok() });
		expectStatus(res, 200);
		assert.ok(res.json.items.length <= Number(v));
	}
});

test('input: a bad cursor -> 400 parameter cursor', async () => {
	const nine = Buffer.from(f.t1).toString('base64url');
	const letters = Buffer.from('abcdefghijkl').toString('base64url');
	for (const v of ['zzz', '!!!!', 'A', letters, nine, '%ff%fe',
	    'MzMw=', 'x'.repeat(120)]) {
		const res = await api('GET', `${VILLAGES}?cursor=${v}`,
		    { token: countyTok() });
		expectFieldError(res, 'cursor', undefined,
		    { kind: 'parameter' });
	}
});

/* ------------------------------------------------- routes and methods */

test('input: unknown routes -> 404 route_not_found', async () => {
	for (const p of ['/api/v1/nope', '/api/v2/townships', '/',
	    '/api/v1/townships/', `/api/v1/villages/${f.v1}/extra`,
	    '/api/v1/villages', '/api/v1//townships']) {
		const res = await api('GET', p, { token: countyTok() });
		expectProblem(res, 404, 'route_not_found');
	}
});

test('input: a wrong method -> 405 with Allow', async () => {
	const cases = [
		['DELETE', `/api/v1/villages/${f.v1}`, ['GET', 'PATCH']],
		['PUT', '/api/v1/townships', ['GET', 'POST']],
		['POST', `/api/v1/counties/${f.county}`, ['GET']],
		['PATCH', VILLAGES, ['GET', 'POST']],
		['POST', '/healthz', ['GET']],
	];
	for (const [m, p, allow] of cases) {
		const res = await api(m, p, { token: countyTok() });
		expectProblem(res, 405, 'method_not_allowed');
		const got = (res.headers.get('allow') || '').split(/,\s*/).sort();
		assert.deepEqual(got, allow.sort(), `${m} ${p}`);
	}
});

/* ---------------------------------------------------- If-Match / ETag */

test('input: PATCH without If-Match -> 428 precondition_required',
    async (t) => {
	const v = await villageWithEtag(t);
	const res = await api('PATCH', `/api/v1/villages/${v.code}`,
	    { token: countyTok(), body: { population: 5 } });
	expectProblem(res, 428, 'precondition_required');
});

test('input: PATCH with a stale If-Match -> 412 and no change', async (t) => {
	const v = await villageWithEtag(t);
	const first = await api('PATCH', `/api/v1/villages/${v.code}`,
	    { token: countyTok(), body: { population: 5 },
	    headers: { 'if-match': v.etag } });
	expectStatus(first, 200);
	const res = await api('PATCH', `/api/v1/villages/${v.code}`,
	    { token: countyTok(), body: { population: 6 },
	    headers: { 'if-match': v.etag } });
	expectProblem(res, 412, 'precondition_failed');
	assert.equal(psqlOwner(`select population || ':' || version from
	    villages where code = '${v.code}'`), '5:2');
});

test('input: PATCH with a malformed If-Match -> 400', async (t) => {
	const v = await villageWithEtag(t);
	for (const im of ['1', 'W/"1"', '"abc"', '"0"', '"-1"', '""',
	    '"99999999999999999999"', '"1" "2"']) {
		const res = await api('PATCH', `/api/v1/villages/${v.code}`,
		    { token: countyTok(), body: { population: 5 },
		    headers: { 'if-match': im } });
		expectProblem(res, 400, 'validation_failed');
	}
	assert.equal(psqlOwner(`select version from villages where code =
	    '${v.code}'`), '1');
});

test('input: a successful PATCH returns the new ETag and version + 1',
    async (t) => {
	const v = await villageWithEtag(t);
	const res = await api('PATCH', `/api/v1/villages/${v.code}`,
	    { token: countyTok(), body: { population: 4321, households: 999 },
	    headers: { 'if-match': v.etag } });
	expectStatus(res, 200);
	assert.equal(res.json.version, v.before.version + 1);
	assert.equal(res.headers.get('etag'), `"${v.before.version + 1}"`);
	assert.equal(res.json.population, 4321);
	assert.equal(res.json.households, 999);
	assert.equal(res.json.name, v.before.name);
	assert.equal(res.json.created_at, v.before.created_at);
	assert.ok(Date.parse(res.json.updated_at) >=
	    Date.parse(v.before.updated_at));
	const g = await api('GET', `/api/v1/villages/${v.code}`,
	    { token: countyTok() });
	assert.deepEqual(g.json, res.json);
	assert.equal(g.headers.get('etag'), res.headers.get('etag'));
});

test('input: a PATCH with an empty object -> 400', async (t) => {
	const v = await villageWithEtag(t);
	const res = await api('PATCH', `/api/v1/villages/${v.code}`,
	    { token: countyTok(), body: {}, headers: { 'if-match': v.etag } });
	expectFieldError(res, '', 'empty');
});

test('input: a PATCH with an unknown or read-only field -> 400 pointer',
    async (t) => {
	const v = await villageWithEtag(t);
	for (const field of ['foo', 'code', 'version', 'township_code']) {
		const res = await api('PATCH', `/api/v1/villages/${v.code}`,
		    { token: countyTok(), body: { [field]: '1' },
		    headers: { 'if-match': v.etag } });
		expectFieldError(res, `/${field}`, 'unknown_field');
	}
});

test('input: a township PATCH (name, kind) and its validation', async (t) => {
	const code = scratchTownship(f.county, t);
	const g = await api('GET', `/api/v1/townships/${code}`,
	    { token: countyTok() });
	expectStatus(g, 200);
	const bad = await api('PATCH', `/api/v1/townships/${code}`,
	    { token: countyTok(), body: { kind: 'village' },
	    headers: { 'if-match': g.headers.get('etag') } });
	expectFieldError(bad, '/kind', 'enum');
	const res = await api('PATCH', `/api/v1/townships/${code}`,
	    { token: countyTok(), body: { kind: 'subdistrict', name: '新街道' },
	    headers: { 'if-match': g.headers.get('etag') } });
	expectStatus(res, 200);
	assert.equal(res.json.kind, 'subdistrict');
	assert.equal(res.json.name, '新街道');
	assert.equal(res.json.version, g.json.version + 1);
});

test('input: a township POSTed without kind -> 400 /kind required',
    async (t) => {
	const code = freshTownshipCode(f.county);
	t.after(() => dropTownship(code));
	const res = await api('POST', '/api/v1/townships', { token: countyTok(),
	    body: { code, name: '默认镇' } });
	expectFieldError(res, '/kind', 'required');
});

test('input: GET with If-None-Match of the current ETag -> 304', async () => {
	const p = `/api/v1/villages/${f.v1}`;
	const g = await api('GET', p, { token: countyTok() });
	expectStatus(g, 200);
	const etag = g.headers.get('etag');
	assert.match(etag, /^"[0-9]+"$/);
	const res = await api('GET', p, { token: countyTok(),
	    headers: { 'if-none-match': etag } });
	expectStatus(res, 304);
	assert.equal(res.text, '');
	assert.equal(res.headers.get('etag'), etag);
	const stale = await api('GET', p, { token: countyTok(),
	    headers: { 'if-none-match': '"999999"' } });
	expectStatus(stale, 200);
});

test('input: a township user renaming a village -> 403 naming /name',
    async (t) => {
	const v = await villageWithEtag(t);
	const res = await api('PATCH', `/api/v1/villages/${v.code}`,
	    { token: townshipTok(), body: { name: '改名村' },
	    headers: { 'if-match': v.etag } });
	expectFieldError(res, '/name', 'read_only',
	    { status: 403, code: 'forbidden' });
	assert.equal(psqlOwner(`select version from villages where code =
	    '${v.code}'`), '1');
});

test('input: a township user may PATCH the profile of its own village',
    async (t) => {
	const v = await villageWithEtag(t);
	const res = await api('PATCH', `/api/v1/villages/${v.code}`,
	    { token: townshipTok(), body: { natural_village_count: 9 },
	    headers: { 'if-match': v.etag } });
	expectStatus(res, 200);
	assert.equal(res.json.natural_village_count, 9);
});

/* -------------------------------------------------------------- paging */

async function walk(first, tok)
{
	const seen = [];
	let url = first;
	let pages = 0;
	for (;;) {
		const res = await api('GET', url, { token: tok });
		expectStatus(res, 200);
		pages++;
		assert.ok(pages < 100, 'paging terminates');
		const items = res.json.items;
		seen.push(...items.map((i) => i.code));
		const link = res.headers.get('link');
		if (res.json.next_cursor === null) {
			assert.equal(link, null, 'no Link on the last page');
			return { seen, pages, lastCount: items.length };
		}
		assert.equal(typeof res.json.next_cursor, 'string');
		const m = /^<([^>]+)>;\s*rel="next"$/.exec(link || '');
		assert.ok(m, `Link header: ${link}`);
		const next = new URL(m[1], 'http://x');
		assert.equal(next.searchParams.get('cursor'), res.json.next_cursor);
		assert.equal(next.pathname, new URL(url, 'http://x').pathname);
		/* Alternate: follow the Link, then the cursor by hand. */
		url = pages % 2 ? m[1] : `${next.pathname}?limit=` +
		    `${next.searchParams.get('limit')}&cursor=` +
		    encodeURIComponent(res.json.next_cursor);
	}
}

test('input: paging walks all villages of a township with limit=3',
    async () => {
	const want = psqlOwner(`select code from villages where township_code =
	    '${f.t1}' order by code`).split('\n');
	assert.ok(want.length > 6, `${f.t1} has ${want.length} villages`);
	const { seen, pages } = await walk(`${VILLAGES}?limit=3`, countyTok());
	assert.equal(new Set(seen).size, seen.length, 'no duplicates');
	assert.deepEqual(seen, want, 'none missing, in code order');
	assert.equal(pages, Math.ceil(want.length / 3));
});

test('input: paging of townships with limit=5 as the county', async () => {
	const want = psqlOwner(`select code from townships where county_code =
	    '${f.county}' order by code`).split('\n');
	const { seen } = await walk('/api/v1/townships?limit=5', countyTok());
	assert.deepEqual(seen, want);
});

test('input: an exact last page has next_cursor null', async () => {
	const n = Number(psqlOwner(`select count(*) from villages where
	    township_code = '${f.t1}'`));
	const res = await api('GET', `${VILLAGES}?limit=${n}`,
	    { token: countyTok() });
	expectStatus(res, 200);
	assert.equal(res.json.items.length, n);
	assert.equal(res.json.next_cursor, null);
	assert.equal(res.headers.get('link'), null);
});

test('input: the default page is 50 items at most', async () => {
	const res = await api('GET', '/api/v1/townships', { token: countyTok() });
	expectStatus(res, 200);
	assert.ok(res.json.items.length <= 50);
	assert.ok('next_cursor' in res.json);
});

/* ---------------------------------------------------------- request id */

test('input: every response carries X-Request-Id', async () => {
	const cases = [
		['GET', '/healthz', undefined],
		['GET', '/api/v1/townships', countyTok()],
		['GET', '/api/v1/townships', undefined],
		['GET', '/api/v1/nope', undefined],
		['DELETE', '/api/v1/townships', countyTok()],
		['GET', '/api/v1/villages/1', countyTok()],
		['GET', '/api/v1/openapi.json', undefined],
		['GET', '/metrics', undefined],
	];
	const ids = new Set();
	for (const [m, p, tok] of cases) {
		const res = await api(m, p, { token: tok });
		expectNo5xx(res);
		const id = res.headers.get('x-request-id');
		assert.match(id || '', /^[A-Za-z0-9._-]{8,64}$/, `${m} ${p}`);
		ids.add(id);
	}
	assert.equal(ids.size, cases.length, 'request ids are unique');
});

test('input: a client X-Request-Id is echoed (and in problems)', async () => {
	const id = rid('echo');
	const res = await api('GET', '/api/v1/villages/1', { token: countyTok(),
	    headers: { 'x-request-id': id } });
	assert.equal(res.headers.get('x-request-id'), id);
	assert.equal(expectProblem(res, 400).request_id, id);
	const ok = await api('GET', '/healthz', { headers: { 'x-request-id':
	    id } });
	assert.equal(ok.headers.get('x-request-id'), id);
});

test('input: an unsafe or over-long X-Request-Id is replaced', async () => {
	for (const id of ['a b', 'x'.repeat(65), 'a"b', 'a<script>']) {
		const res = await api('GET', '/healthz',
		    { headers: { 'x-request-id': id } });
		expectStatus(res, 200);
		const got = res.headers.get('x-request-id');
		assert.notEqual(got, id);
		assert.match(got || '', /^[A-Za-z0-9._-]{8,64}$/);
	}
});

/* -------------------------------------------------------------- audit */

/* The one audit row of id, besides `others` rows of other entities. */
function auditOne(id, entity, action, code, others = 0)
{
	const all = auditRows(id);
	const rows = all.filter((r) => r.entity === entity);
	assert.equal(all.length, 1 + others, `audit rows for ${id}: ` +
	    JSON.stringify(all));
	assert.equal(rows.length, 1, `one audit row for ${id}: ` +
	    JSON.stringify(rows));
	const a = rows[0];
	assert.equal(a.entity, entity);
	assert.equal(a.action, action);
	assert.equal(a.entity_id, code);
	return a;
}

test('input: each successful mutation writes an audit row with the ' +
    'request id', async (t) => {
	const tok = countyTok();
	/* POST township */
	const tcode = freshTownshipCode(f.county);
	t.after(() => dropTownship(tcode));
	let id = rid('audit');
	let res = await api('POST', '/api/v1/townships', { token: tok,
	    body: { code: tcode, name: '审计镇', kind: 'town' },
	    headers: { 'x-request-id': id } });
	expectStatus(res, 201);
	/* A new township comes with its four centers (issue 4), audited. */
	const centers = auditRows(id).filter((r) => r.entity === 'centers');
	assert.deepEqual(centers.map((r) => r.after.kind).sort(),
	    ['construction_development', 'law_based_governance',
	    'party_mass_service', 'social_affairs']);
	assert.ok(centers.every((r) => r.action === 'insert' &&
	    r.township_code === tcode && r.actor_sub === 'api-test-county'));
	let a = auditOne(id, 'townships', 'insert', tcode, 4);
	assert.equal(a.actor_sub, 'api-test-county');
	assert.equal(a.actor_role, 'county');
	assert.equal(a.county_code, f.county);
	assert.equal(a.township_code, tcode);
	assert.equal(a.before, null);
	assert.equal(a.after.name, '审计镇');

	/* PATCH township */
	id = rid('audit');
	res = await api('PATCH', `/api/v1/townships/${tcode}`, { token: tok,
	    body: { name: '审计二镇' },
	    headers: { 'x-request-id': id, 'if-match': res.headers.get('etag') } });
	expectStatus(res, 200);
	a = auditOne(id, 'townships', 'update', tcode);
	assert.equal(a.before.name, '审计镇');
	assert.equal(a.after.name, '审计二镇');
	assert.equal(a.after.version, 2);

	/* POST village */
	const vcode = `${tcode}200`;
	id = rid('audit');
	res = await api('POST', `/api/v1/townships/${tcode}/villages`,
	    { token: tok, body: { code: vcode, name: '审计村', population: 7,
	    households: 3, natural_village_count: 1 },
	    headers: { 'x-request-id': id } });
	expectStatus(res, 201);
	a = auditOne(id, 'villages', 'insert', vcode);
	assert.equal(a.township_code, tcode);
	assert.equal(a.after.population, 7);

	/* PATCH village, as the township's own officer */
	id = rid('audit');
	res = await api('PATCH', `/api/v1/villages/${vcode}`, {
	    token: tokenFor('township', { county: f.county, township: tcode }),
	    body: { population: 8 },
	    headers: { 'x-request-id': id, 'if-match': res.headers.get('etag') } });
	expectStatus(res, 200);
	a = auditOne(id, 'villages', 'update', vcode);
	assert.equal(a.actor_role, 'township');
	assert.equal(a.actor_sub, 'api-test-township');
	assert.equal(a.before.population, 7);
	assert.equal(a.after.population, 8);
});

test('input: a refused or failed mutation writes no audit row', async (t) => {
	const v = await villageWithEtag(t);
	const ids = [];
	const send = async (opts) => {
		const id = rid('noaudit');
		ids.push(id);
		const res = await api('PATCH', `/api/v1/villages/${v.code}`,
		    { ...opts, headers: { 'x-request-id': id, ...opts.headers } });
		expectNo5xx(res);
		assert.ok(res.status >= 400, `${res.status}`);
	};
	await send({ token: countyTok(), body: { population: 1 },
	    headers: { 'if-match': '"7"' } });
	await send({ token: countyTok(), body: { population: -1 },
	    headers: { 'if-match': v.etag } });
	await send({ token: tokenFor('village', { county: f.county,
	    township: f.t1, village: f.v1 }), body: { population: 1 },
	    headers: { 'if-match': v.etag } });
	const dup = rid('noaudit');
	ids.push(dup);
	const res = await api('POST', VILLAGES, { token: countyTok(),
	    body: { ...newVillage(t), code: f.v1, name: '重复村' },
	    headers: { 'x-request-id': dup } });
	expectProblem(res, 409, 'conflict');
	for (const id of ids)
		assert.deepEqual(auditRows(id), [], id);
});

/* ----------------------------------------------------- representations */

const TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?\+08:00$/;
const SHAPES = {
	county: { code: /^[0-9]{6}$/, name: 'string', version: 'integer',
	    created_at: TS, updated_at: TS },
	township: { code: /^[0-9]{9}$/, county_code: /^[0-9]{6}$/,
	    name: 'string', kind: /^(town|subdistrict)$/, version: 'integer',
	    created_at: TS, updated_at: TS },
	village: { code: /^[0-9]{12}$/, township_code: /^[0-9]{9}$/,
	    county_code: /^[0-9]{6}$/, name: 'string', population: 'integer',
	    households: 'integer', natural_village_count: 'integer',
	    version: 'integer', created_at: TS, updated_at: TS },
};

function expectShape(obj, kind)
{
	const shape = SHAPES[kind];
	assert.deepEqual(Object.keys(obj).sort(), Object.keys(shape).sort(),
	    `${kind} fields`);
	for (const [k, want] of Object.entries(shape)) {
		if (want === 'integer')
			assert.ok(Number.isInteger(obj[k]), `${kind}.${k}`);
		else if (want === 'string')
			assert.equal(typeof obj[k], 'string', `${kind}.${k}`);
		else
			assert.match(String(obj[k]), want, `${kind}.${k}`);
		if (want !== 'integer')
			assert.equal(typeof obj[k], 'string', `${kind}.${k}`);
	}
}

test('input: single resources match the contract representations',
    async () => {
	const tok = countyTok();
	for (const [kind, p] of [['county', `/api/v1/counties/${f.county}`],
	    ['township', `/api/v1/townships/${f.t1}`],
	    ['village', `/api/v1/villages/${f.v1}`]]) {
		const res = await api('GET', p, { token: tok });
		expectStatus(res, 200);
		assert.match(res.headers.get('content-type'),
		    /^application\/json\b/);
		expectShape(res.json, kind);
		assert.equal(res.headers.get('etag'), `"${res.json.version}"`);
	}
	const v = (await api('GET', `/api/v1/villages/${f.v1}`,
	    { token: tok })).json;
	assert.equal(v.township_code, f.t1);
	assert.equal(v.county_code, f.county);
	assert.equal(v.code.slice(0, 9), v.township_code);
});

test('input: list items and created resources match the representations',
    async (t) => {
	const tok = countyTok();
	const tl = await api('GET', '/api/v1/townships', { token: tok });
	expectStatus(tl, 200);
	assert.deepEqual(Object.keys(tl.json).sort(), ['items', 'next_cursor']);
	for (const i of tl.json.items)
		expectShape(i, 'township');
	const vl = await api('GET', VILLAGES, { token: tok });
	expectStatus(vl, 200);
	for (const i of vl.json.items)
		expectShape(i, 'village');
	const body = newVillage(t, { population: 321, households: 123,
	    natural_village_count: 4 });
	const res = await postVillage(t, { body });
	expectStatus(res, 201);
	expectShape(res.json, 'village');
	for (const k of Object.keys(body))
		assert.equal(res.json[k], body[k], k);
	assert.equal(res.json.township_code, f.t1);
	assert.equal(res.json.version, 1);
});

test('input: a problem never leaks SQL or internals', async (t) => {
	const res = await postVillage(t, { body: { ...newVillage(t), code: f.v1,
	    name: '重复村' } });
	const p = expectProblem(res, 409, 'conflict');
	assert.doesNotMatch(JSON.stringify(p),
	    /duplicate key|constraint|villages_pkey|SQLSTATE|ERROR:/i);
});
