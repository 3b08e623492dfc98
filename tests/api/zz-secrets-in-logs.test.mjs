/*
 * No secret in any log line (issue 3): the identity suites note every
 * password, temporary password, client secret, refresh token (and its
 * SHA-256), access token and argon2 hash they sent or received
 * (noteSecret in lib.mjs, into SECRETS_FILE); this suite, which runs after
 * them (tests/run-suites.sh runs the api suites in name order), greps the
 * service's whole log (SERVICE_LOG: kore.log, which holds the access log
 * lines too) and the PostgreSQL server log for each of them.
 *
 * It fails when nothing was noted, so it cannot pass vacuously (run it
 * with the identity suites, as `make test` does).
 */

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { SECRETS_FILE, SERVICE_LOG } from './lib.mjs';

const KINDS = ['password', 'temporary_password', 'client_secret',
    'refresh_token', 'refresh_token_hash', 'access_token', 'argon2_hash'];

function noted()
{
	assert.ok(existsSync(SECRETS_FILE), `no secrets were noted in ` +
	    `${SECRETS_FILE}: run the identity suites first`);
	const all = readFileSync(SECRETS_FILE, 'utf8').split('\n')
	    .filter((l) => l.length > 0).map((l) => JSON.parse(l));
	/* value -> kind (the first one noted; a value can be noted twice). */
	const seen = new Map();
	for (const s of all) {
		/* Short strings could match by chance; every noted one is long. */
		if (typeof s.value === 'string' && s.value.length >= 10 &&
		    !seen.has(s.value))
			seen.set(s.value, s.kind);
	}
	return seen;
}

/* The forms a secret could take in a log line. */
function forms(value)
{
	const json = JSON.stringify(value).slice(1, -1);
	const ascii = json.replace(/[\u0080-\uffff]/g, (c) =>
	    `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
	return [...new Set([value, json, ascii, encodeURIComponent(value)])];
}

function readLog(file)
{
	assert.ok(file, 'the log path (XZ_SERVICE_LOG or XZ_WORK) is set');
	assert.ok(existsSync(file), `${file} exists`);
	return readFileSync(file, 'utf8');
}

/* Every secret found in text: [{ kind, prefix, line }]. */
function leaks(text, secrets)
{
	const found = [];
	for (const [value, kind] of secrets) {
		for (const form of forms(value)) {
			const i = text.indexOf(form);
			if (i >= 0) {
				const from = text.lastIndexOf('\n', i) + 1;
				/* Shown with the secret itself masked. */
				found.push({ kind, prefix: value.slice(0, 6),
				    line: text.slice(from, text.indexOf('\n', i) >>> 0)
				    .split(form).join(`<${kind}>`).slice(0, 300) });
				break;
			}
		}
	}
	return found;
}

function show(found)
{
	return found.slice(0, 10).map((f) => `${f.kind} (${f.prefix}...) in: ` +
	    f.line).join('\n');
}

test('secrets: the identity suites noted secrets of every kind', () => {
	const secrets = noted();
	assert.ok(secrets.size > 0, 'the list of secrets is not empty');
	const kinds = new Set(readFileSync(SECRETS_FILE, 'utf8').split('\n')
	    .filter((l) => l.length > 0).map((l) => JSON.parse(l).kind));
	for (const k of KINDS)
		assert.ok(kinds.has(k), `at least one ${k} was noted (noted: ` +
		    `${[...kinds].join(', ')})`);
	assert.ok(secrets.size >= 50, `${secrets.size} secrets noted`);
});

test('secrets: the service log is the one the identity suites wrote to',
    () => {
	const log = readLog(SERVICE_LOG);
	assert.ok(log.length > 0);
	const tokenLines = log.split('\n').filter((l) =>
	    l.includes('"path":"/api/v1/auth/token"'));
	assert.ok(tokenLines.length >= 50, `${tokenLines.length} token ` +
	    'requests logged');
	assert.ok(log.includes('"path":"/api/v1/users"'));
	assert.ok(log.includes('/rotate-secret"'));
});

test('secrets: no password, client secret, token or hash in the service ' +
    'log', () => {
	const secrets = noted();
	assert.ok(secrets.size > 0, 'the list of secrets is not empty');
	const found = leaks(readLog(SERVICE_LOG), secrets);
	assert.equal(found.length, 0, `secrets in ${SERVICE_LOG}:\n` +
	    show(found));
});

test('secrets: no argon2 hash text at all in the service log', () => {
	const log = readLog(SERVICE_LOG);
	for (const needle of ['$argon2id$', '$argon2i$', 'argon2id$v='])
		assert.ok(!log.includes(needle), `${needle} in ${SERVICE_LOG}`);
});

test('secrets: none in the PostgreSQL server log either', () => {
	assert.ok(process.env.XZ_PG_DIR, 'XZ_PG_DIR (the test cluster) is set');
	const file = path.join(process.env.XZ_PG_DIR, 'postgres.log');
	const secrets = noted();
	assert.ok(secrets.size > 0, 'the list of secrets is not empty');
	const log = readLog(file);
	const found = leaks(log, secrets);
	assert.equal(found.length, 0, `secrets in ${file}:\n${show(found)}`);
	assert.ok(!log.includes('$argon2id$'), `an argon2 hash in ${file}`);
});
