/*
 * Resilience: the service against a database that blocks, refuses and goes
 * away.  Black box over HTTP; the database is watched and pushed around as
 * the owner (locks, fixtures) and the cluster superuser (pg_stat_activity:
 * the owner cannot see the state of another role's backends, which would
 * make every "no open transaction" check pass vacuously).
 *
 * Environment (tests/run-suites.sh): XZ_BASE_URL, XZ_ROOT, XZ_PG_DIR,
 * XZ_PG_PORT; XZ_OWNER_URL if set.  Stops and restarts PostgreSQL under the
 * running service, so it runs last, alone (node --test-concurrency=1).
 *
 * Node 20 built-ins only.  Top-level tests run in order and depend on the
 * cluster being up at their start; after() restarts it if a test left it
 * down.
 */

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

const BASE = (process.env.XZ_BASE_URL || 'http://127.0.0.1:18200')
    .replace(/\/$/, '');
const ROOT = process.env.XZ_ROOT ||
    path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const PG_DIR = process.env.XZ_PG_DIR;
const PG_PORT = process.env.XZ_PG_PORT;
const OWNER_URL = process.env.XZ_OWNER_URL ||
    `host=127.0.0.1 port=${PG_PORT} dbname=xiangzhi user=xiangzhi_owner` +
    ` password=${process.env.XZ_OWNER_PASSWORD || 'xiangzhi-dev-owner'}`;
const ADMIN = path.join(ROOT, 'build', 'xiangzhi-admin');
const PGCLUSTER = path.join(ROOT, 'app', 'admin', 'pgcluster.sh');

/* A village of the demo county that every test reads. */
const VILLAGE = '330599001001';
/* Scratch rows, created as the owner and removed in after(). */
const SCRATCH = '330599001951';
const DUPLICATE = '330599001952';

let token;

/* ------------------------------------------------------------ helpers */

function mint(...args)
{
	return execFileSync(ADMIN, ['token', 'mint', ...args],
	    { cwd: ROOT, encoding: 'utf8', timeout: 10000 }).trim();
}

function psql(conninfo, sql, env = {})
{
	return execFileSync('psql', ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1',
	    '-d', conninfo, '-c', sql], {
		encoding: 'utf8', timeout: 15000,
		env: { ...process.env, ...env },
		stdio: ['ignore', 'pipe', 'pipe'],
	}).trim();
}

function owner(sql)
{
	return psql(OWNER_URL, sql);
}

function superuser(sql)
{
	const pw = readFileSync(path.join(PG_DIR, 'superuser.pw'), 'utf8')
	    .trim();
	return psql(`host=127.0.0.1 port=${PG_PORT} dbname=postgres` +
	    ' user=xz_super', sql, { PGPASSWORD: pw });
}

function pgcluster(...args)
{
	execFileSync(PGCLUSTER, args, {
		cwd: ROOT, timeout: 120000,
		stdio: ['ignore', 'pipe', 'pipe'],
	});
}

function pgRunning()
{
	try {
		owner('select 1');
		return true;
	} catch {
		return false;
	}
}

/*
 * One request, bounded: a service that hangs fails the test instead of the
 * suite.  Returns { status, type, body, ms } or { error, ms }.
 */
async function call(method, p, { body, headers = {}, abortAfter,
    limit = 15000 } = {})
{
	const ac = new AbortController();
	const timer = setTimeout(() => ac.abort(), abortAfter ?? limit);
	const t0 = performance.now();
	try {
		const res = await fetch(BASE + p, {
			method,
			headers: {
				authorization: `Bearer ${token}`,
				...(body !== undefined ?
				    { 'content-type': 'application/json' } : {}),
				...headers,
			},
			body: body !== undefined ? JSON.stringify(body) : undefined,
			signal: ac.signal,
		});
		const text = await res.text();
		let json;
		try {
			json = JSON.parse(text);
		} catch {
			json = undefined;
		}
		return {
			status: res.status,
			type: res.headers.get('content-type') || '',
			etag: res.headers.get('etag'),
			body: json, text, ms: performance.now() - t0,
		};
	} catch (e) {
		return { error: e.name, ms: performance.now() - t0 };
	} finally {
		clearTimeout(timer);
	}
}

function describe(r)
{
	return r.error ? `error ${r.error} after ${Math.round(r.ms)} ms` :
	    `${r.status} ${r.type} after ${Math.round(r.ms)} ms: ` +
	    `${(r.text || '').slice(0, 200)}`;
}

/* The service's backends, as the superuser sees them. */
function appBackends()
{
	const out = superuser(`select coalesce(json_agg(json_build_object(
	    'pid', pid, 'state', state, 'wait', wait_event_type,
	    'xact', xact_start is not null, 'query', left(query, 80))), '[]')
	    from pg_stat_activity where usename = 'xiangzhi_app'`);
	return JSON.parse(out);
}

/*
 * No backend of the service sits in an open transaction, none waits on a
 * lock, and we can actually see the service's backends (not vacuous).
 */
async function assertNoOpenTransaction(label)
{
	/* Give completions in flight a moment to land. */
	let backends;
	for (let i = 0; i < 20; i++) {
		backends = appBackends();
		if (backends.every((b) => b.state === 'idle'))
			break;
		await sleep(100);
	}
	assert.ok(backends.length > 0,
	    `${label}: the superuser sees the service's backends`);
	assert.ok(backends.every((b) => b.state !== null),
	    `${label}: backend states are visible: ${JSON.stringify(backends)}`);
	const open = backends.filter((b) =>
	    b.state === 'idle in transaction' ||
	    b.state === 'idle in transaction (aborted)');
	assert.deepEqual(open, [],
	    `${label}: no backend of xiangzhi_app is idle in transaction`);
	const waiting = backends.filter((b) => b.wait === 'Lock');
	assert.deepEqual(waiting, [],
	    `${label}: no backend of xiangzhi_app still waits on a lock`);
}

/*
 * An owner session holding ACCESS EXCLUSIVE on villages until release():
 * every statement of the service on villages blocks behind it.
 */
async function lockVillages()
{
	const p = spawn('psql', ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1',
	    '-d', OWNER_URL], { stdio: ['pipe', 'pipe', 'pipe'] });
	let out = '', err = '';
	p.stdout.on('data', (d) => { out += d; });
	p.stderr.on('data', (d) => { err += d; });
	p.stdin.write('begin;\n' +
	    'lock table villages in access exclusive mode;\n' +
	    "select 'locked';\n");
	const t0 = Date.now();
	while (!out.includes('locked')) {
		if (p.exitCode !== null || Date.now() - t0 > 10000) {
			p.kill();
			throw new Error(`could not lock villages: ${err}`);
		}
		await sleep(20);
	}
	return {
		async release() {
			if (p.exitCode !== null)
				return;
			p.stdin.end('commit;\n');
			await Promise.race([once(p, 'exit'), sleep(10000)]);
			if (p.exitCode === null)
				p.kill();
			assert.equal(p.exitCode, 0, `lock session: ${err}`);
		},
		kill() {
			if (p.exitCode === null)
				p.kill();
		},
	};
}

async function getVillage(code = VILLAGE, opts = {})
{
	return call('GET', `/api/v1/villages/${code}`, opts);
}

/* Polls GET until 200 or the deadline; returns the last answer and when. */
async function until200(ms)
{
	const t0 = performance.now();
	let r;
	do {
		r = await getVillage(VILLAGE, { limit: 5000 });
		if (r.status === 200)
			break;
		await sleep(200);
	} while (performance.now() - t0 < ms);
	return { last: r, ms: performance.now() - t0 };
}

function assertUnavailable(r, label)
{
	assert.ok(!r.error, `${label}: answered (${describe(r)})`);
	assert.equal(r.status, 503, `${label}: ${describe(r)}`);
	assert.match(r.type, /^application\/problem\+json/,
	    `${label}: problem+json (${describe(r)})`);
	assert.equal(r.body?.status, 503, `${label}: problem status`);
	/* Refused at once, not after the event loop's next timer tick. */
	assert.ok(r.ms < 500,
	    `${label}: answered within 500 ms (took ${Math.round(r.ms)} ms)`);
}

/* ------------------------------------------------------------ fixtures */

before(() => {
	assert.ok(PG_DIR && PG_PORT, 'XZ_PG_DIR and XZ_PG_PORT are set');
	token = mint('--role', 'county', '--county', '330599',
	    '--sub', 'resilience-county');
	owner(`delete from villages where code in ('${SCRATCH}',
	    '${DUPLICATE}');
	    insert into villages (code, township_code, county_code, name,
		population)
	    values ('${SCRATCH}', '330599001', '330599', '韧性测试村', 10)`);
});

after(() => {
	if (!pgRunning())
		pgcluster('start', PG_DIR, PG_PORT);
	owner(`delete from villages where code in ('${SCRATCH}',
	    '${DUPLICATE}')`);
});

/* ------------------------------------------------------------ tests */

test('the service answers before the database is pushed around', async () => {
	const r = await getVillage();
	assert.equal(r.status, 200, describe(r));
	assert.equal(r.body.code, VILLAGE);
	await assertNoOpenTransaction('at rest');
});

/* Sends one request, drops it after 300 ms while it waits on the lock. */
async function abortedUnderLock(send)
{
	const lock = await lockVillages();
	let r;
	try {
		r = await send();
		/* Let the service notice the closed connection, lock still held. */
		await sleep(200);
	} finally {
		await lock.release();
	}
	/* It was in the service, blocked behind the lock, when dropped. */
	assert.equal(r.error, 'AbortError',
	    `the request was still waiting when aborted: ${describe(r)}`);
	await sleep(1000);
}

test('a GET dropped by its client mid-request leaves no open transaction',
    async () => {
	await abortedUnderLock(() => getVillage(VILLAGE, { abortAfter: 300 }));
	await assertNoOpenTransaction('after the aborted GET');
	for (let i = 0; i < 4; i++) {
		const r = await getVillage();
		assert.equal(r.status, 200, `the service still answers: ${describe(r)}`);
	}
});

test('a PATCH dropped by its client mid-request leaves no open transaction',
    async (t) => {
	const cur = await getVillage(SCRATCH);
	assert.equal(cur.status, 200, describe(cur));
	assert.ok(cur.etag, 'the GET carries an ETag');
	const audit0 = Number(owner('select coalesce(max(id), 0) from audit_log'));

	await abortedUnderLock(() => call('PATCH', `/api/v1/villages/${SCRATCH}`, {
		body: { population: 11 },
		headers: { 'if-match': cur.etag },
		abortAfter: 300,
	}));
	await assertNoOpenTransaction('after the aborted PATCH');

	/* The PATCH happened whole (row and audit row) or not at all. */
	const [version, population, audits] = owner(`select v.version,
	    v.population, (select count(*) from audit_log a
	    where a.entity = 'villages' and a.entity_id = v.code and
	    a.action = 'update' and a.id > ${audit0}) from villages v
	    where v.code = '${SCRATCH}'`)
	    .split('|').map(Number);
	const v0 = Number(cur.etag.replace(/"/g, ''));
	t.diagnostic(`the aborted PATCH was ${version === v0 ? 'not ' : ''}` +
	    'applied once the lock was released');
	if (version === v0) {
		assert.equal(population, 10, 'not applied: population unchanged');
		assert.equal(audits, 0, 'not applied: no audit row');
	} else {
		assert.equal(version, v0 + 1, 'applied once');
		assert.equal(population, 11, 'applied: the new population');
		assert.equal(audits, 1, 'applied: one audit row');
	}
	for (let i = 0; i < 4; i++) {
		const r = await getVillage();
		assert.equal(r.status, 200, `the service still answers: ${describe(r)}`);
	}
});

test('a request whose statement fails leaves no open transaction',
    async () => {
	for (let i = 0; i < 8; i++) {
		const r = await call('POST',
		    '/api/v1/townships/330599001/villages',
		    { body: { code: VILLAGE, name: '重复村', population: 1,
		    households: 1, natural_village_count: 1 } });
		assert.equal(r.status, 409, `duplicate code: ${describe(r)}`);
		assert.match(r.type, /^application\/problem\+json/);
		assert.equal(r.body?.code, 'conflict');
	}
	await assertNoOpenTransaction('after duplicate inserts');
	/* The connections that carried the failures still work. */
	for (let i = 0; i < 8; i++) {
		const r = await getVillage();
		assert.equal(r.status, 200, describe(r));
	}
	const created = await call('POST',
	    '/api/v1/townships/330599001/villages',
	    { body: { code: DUPLICATE, name: '韧性二村', population: 1,
	    households: 1, natural_village_count: 1 } });
	assert.equal(created.status, 201, `a fresh code: ${describe(created)}`);
	await assertNoOpenTransaction('after a successful insert');
});

/*
 * The next three tests share one outage: the first stops PostgreSQL, the
 * last starts it again (each copes if an earlier one failed half-way).
 */
let outageEtag = '"1"';

test('with PostgreSQL stopped, GET and /readyz answer 503 problem+json within 500 ms',
    async (t) => {
	/* Warm the pool so there are connections to lose. */
	await Promise.all(Array.from({ length: 8 }, () => getVillage()));
	outageEtag = (await getVillage(SCRATCH)).etag || outageEtag;

	pgcluster('stop', PG_DIR);
	assert.equal(pgRunning(), false, 'PostgreSQL is down');
	const ms = [];
	for (let i = 0; i < 3; i++) {
		const g = await getVillage();
		assertUnavailable(g, `GET village #${i + 1} with the database down`);
		const r = await call('GET', '/readyz');
		assertUnavailable(r, `/readyz #${i + 1} with the database down`);
		ms.push(Math.round(g.ms), Math.round(r.ms));
	}
	t.diagnostic(`503 answers took ${ms.join(', ')} ms`);
	const h = await call('GET', '/healthz');
	assert.equal(h.status, 200, `liveness stays up: ${describe(h)}`);
});

test('with PostgreSQL stopped, a PATCH answers 503 problem+json within 500 ms',
    async () => {
	if (pgRunning())
		pgcluster('stop', PG_DIR);
	assertUnavailable(await call('PATCH', `/api/v1/villages/${SCRATCH}`, {
		body: { population: 12 },
		headers: { 'if-match': outageEtag },
	}), 'PATCH with the database down');
});

test('once PostgreSQL is back, GET answers 200 within 10 s, no service restart',
    async (t) => {
	pgcluster('start', PG_DIR, PG_PORT);
	const { last, ms } = await until200(10000);
	assert.equal(last.status, 200,
	    `GET answers 200 within 10 s of the start: ${describe(last)}`);
	assert.ok(ms < 10000, `recovered in ${Math.round(ms)} ms`);
	t.diagnostic(`200 again ${Math.round(ms)} ms after the cluster started`);
	const ready = await call('GET', '/readyz');
	assert.equal(ready.status, 200, `/readyz after recovery: ${describe(ready)}`);
	const scratch = await getVillage(SCRATCH);
	assert.equal(scratch.status, 200, describe(scratch));
	assert.notEqual(scratch.body?.population, 12,
	    'the PATCH refused during the outage was not applied later');
	await assertNoOpenTransaction('after recovery');
});

test('a PostgreSQL restart under idle pooled connections costs at most one 503',
    async (t) => {
	/* Open several pooled connections in every worker and leave them idle. */
	for (let round = 0; round < 3; round++) {
		const rs = await Promise.all(Array.from({ length: 16 },
		    () => getVillage()));
		for (const r of rs)
			assert.equal(r.status, 200, describe(r));
	}
	const idle = appBackends().filter((b) => b.state === 'idle').length;
	assert.ok(idle >= 2, `the service holds idle connections (${idle})`);

	pgcluster('restart', PG_DIR);
	assert.equal(pgRunning(), true, 'PostgreSQL is back');

	const statuses = [];
	/* Sequential first: each may land on a stale connection. */
	for (let i = 0; i < 12; i++) {
		const r = await getVillage(VILLAGE, { limit: 10000 });
		statuses.push(r.status ?? r.error);
		assert.ok(!r.error, `answered: ${describe(r)}`);
		assert.ok(r.ms < 3000, `answered in ${Math.round(r.ms)} ms`);
	}
	/* Then concurrent, across workers and connections. */
	const rs = await Promise.all(Array.from({ length: 16 },
	    () => getVillage(VILLAGE, { limit: 10000 })));
	statuses.push(...rs.map((r) => r.status ?? r.error));

	t.diagnostic(`after the restart: ${JSON.stringify(statuses)}`);
	const bad = statuses.filter((s) => s !== 200);
	assert.ok(bad.length <= 1,
	    `at most one non-200 after the restart: ${JSON.stringify(statuses)}`);
	assert.ok(bad.every((s) => s === 503),
	    `the only tolerated failure is a 503: ${JSON.stringify(statuses)}`);
	/* And from here on, everything answers. */
	for (let i = 0; i < 8; i++) {
		const r = await getVillage();
		assert.equal(r.status, 200, describe(r));
	}
	await assertNoOpenTransaction('after the restart');
});

test('SIGHUP to the service is harmless (no module reload, no crash loop)',
    async () => {
	const pidfile = path.join(process.env.XZ_WORK, 'kore-main.pid');
	const pid = Number(readFileSync(pidfile, 'utf8').trim());
	assert.ok(pid > 1, `the Kore parent's pid from ${pidfile}`);
	process.kill(pid, 'SIGHUP');
	await sleep(500);
	/* Enough requests to reach both workers, and a fresh connection. */
	for (let i = 0; i < 20; i++) {
		const r = await getVillage();
		assert.equal(r.status, 200, `after SIGHUP: ${describe(r)}`);
		const ready = await call('GET', '/readyz');
		assert.equal(ready.status, 200, `readyz: ${describe(ready)}`);
	}
	process.kill(pid, 0);	/* the parent is still there */
});
