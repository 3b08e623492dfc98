/*
 * Tokens from an external identity provider (conf/dev-issuers.json: the
 * development provider's key, its claim names and role values) are accepted
 * like the service's own, under the same tenancy; a provider's key never
 * vouches for another issuer, and unknown issuers are 401.
 */

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { ROOT, api, b64u, now, expectProblem, claimsFor } from './lib.mjs';

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

function idpClaims(extra = {})
{
	return {
		iss: IDP.issuer, aud: ['account', 'xiangzhi'],
		exp: now() + 600, iat: now(), preferred_username: 'li.ming',
		scope: 'openid profile', ...extra,
	};
}

const township = (extra) => es256('dev-idp-es256', IDP_KEY, idpClaims({
	xz_role: 'township_officer', xz_county: '330599',
	xz_township: '330599100', ...extra }));

test('idp: a provider token with mapped claims reads its own township',
    async () => {
	const res = await api('GET', '/api/v1/townships/330599100',
	    { token: township() });
	assert.equal(res.status, 200, res.text);
	assert.equal(res.json.code, '330599100');
});

test('idp: the same tenancy applies (another township is 404)', async () => {
	const res = await api('GET', '/api/v1/townships/330599101',
	    { token: township() });
	expectProblem(res, 404, 'not_found');
});

test('idp: a county officer of the provider lists the county', async () => {
	const tok = es256('dev-idp-es256', IDP_KEY, idpClaims({
	    xz_role: 'county_officer', xz_county: '330599' }));
	const res = await api('GET', '/api/v1/townships', { token: tok });
	assert.equal(res.status, 200, res.text);
	assert.ok(res.json.items.length >= 13);
});

test('idp: the provider key cannot sign as the service', async () => {
	const tok = es256('dev-idp-es256', IDP_KEY,
	    claimsFor('county', { county: '330599' }));
	expectProblem(await api('GET', '/api/v1/townships', { token: tok }),
	    401, 'token_issuer');
});

test('idp: an unmapped role value and a partner role are refused',
    async () => {
	for (const role of ['township', 'partner', 'admin']) {
		const res = await api('GET', '/api/v1/townships',
		    { token: township({ xz_role: role }) });
		expectProblem(res, 401, 'token_claims');
	}
});

test('idp: a token from an unknown provider is 401', async () => {
	const { privateKey } = crypto.generateKeyPairSync('ec',
	    { namedCurve: 'P-256' });
	const tok = es256('someone-elses-key', privateKey,
	    idpClaims({ iss: 'https://evil.invalid', xz_role:
	    'county_officer', xz_county: '330599' }));
	expectProblem(await api('GET', '/api/v1/townships', { token: tok }),
	    401, 'token_key_unknown');
	/* The provider's kid with another key: a bad signature. */
	const forged = es256('dev-idp-es256', privateKey, idpClaims({
	    xz_role: 'county_officer', xz_county: '330599' }));
	expectProblem(await api('GET', '/api/v1/townships',
	    { token: forged }), 401, 'token_signature');
});

test('idp: the provider audience is checked', async () => {
	const res = await api('GET', '/api/v1/townships/330599100',
	    { token: township({ aud: 'account' }) });
	expectProblem(res, 401, 'token_audience');
});
