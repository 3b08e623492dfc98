/*
 * GET /api/v1/auth/jwks.json: the public halves of the RS256/ES256 keys the
 * service trusts, usable by a partner to verify tokens; never the HS256
 * secret, never a private member.
 */

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';

import { KEYS, api, signJwt, claimsFor, tokenFor } from './lib.mjs';

const PRIVATE = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

async function jwks()
{
	const res = await api('GET', '/api/v1/auth/jwks.json');
	assert.equal(res.status, 200, res.text);
	assert.match(res.headers.get('content-type'),
	    /^application\/jwk-set\+json/);
	assert.ok(res.headers.get('x-request-id'));
	return res.json;
}

test('jwks: publishes the RS256 and ES256 keys, not the HS256 secret',
    async () => {
	const set = await jwks();
	const kids = set.keys.map((k) => k.kid).sort();
	assert.deepEqual(kids, ['dev-es256', 'dev-rs256']);
	for (const k of set.keys) {
		assert.equal(k.use, 'sig');
		for (const m of PRIVATE)
			assert.ok(!(m in k), `${k.kid} has no private ${m}`);
	}
	assert.ok(!JSON.stringify(set).includes(
	    KEYS.hs256.secret.toString('latin1')), 'no HS256 secret');
});

test('jwks: each key is the public key of its PEM (same as Node export)',
    async () => {
	const set = await jwks();
	for (const name of ['rs256', 'es256']) {
		const k = set.keys.find((x) => x.kid === KEYS[name].kid);
		const want = crypto.createPublicKey(KEYS[name].pub)
		    .export({ format: 'jwk' });
		for (const m of Object.keys(want))
			assert.equal(k[m], want[m], `${name}.${m}`);
		assert.equal(k.alg, KEYS[name].alg);
	}
});

test('jwks: a token the service accepts verifies with the published key',
    async () => {
	const set = await jwks();
	for (const name of ['rs256', 'es256']) {
		const tok = signJwt({ key: name,
		    claims: claimsFor('county', { county: '330599' }) });
		const res = await api('GET', '/api/v1/counties/330599',
		    { token: tok });
		assert.equal(res.status, 200, `${name}: ${res.text}`);
		const [h, p, s] = tok.split('.');
		const jwk = set.keys.find((x) => x.kid === KEYS[name].kid);
		const pub = crypto.createPublicKey({ key: jwk, format: 'jwk' });
		const ok = crypto.verify('sha256', Buffer.from(`${h}.${p}`),
		    name === 'es256' ? { key: pub, dsaEncoding: 'ieee-p1363' } :
		    pub, Buffer.from(s, 'base64url'));
		assert.ok(ok, `${name}: the signature verifies with the JWK`);
	}
});

test('jwks: needs no token, and a token does not change it', async () => {
	const a = await api('GET', '/api/v1/auth/jwks.json');
	const b = await api('GET', '/api/v1/auth/jwks.json',
	    { token: tokenFor('village', { county: '330599',
	    township: '330599100', village: '330599100200' }) });
	assert.equal(a.status, 200);
	assert.equal(b.text, a.text);
});
