/*
 * The change feed under concurrent writes (issue 7): a reader pages
 * through the feed while 200 API requests write and a few transactions,
 * opened directly on the database, take their event ids first and commit
 * seconds later.  At the end the reader has read every event of the
 * county exactly once: a late commit is not hidden behind a cursor handed
 * out before it (its event gets a later tick), and nothing is repeated.
 */

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';

import { api, expectStatus, psqlOwner, tokenFor } from './lib.mjs';
import { decode, drain, head, page } from './changes-lib.mjs';
import { township } from './personnel-lib.mjs';

const WRITES = 200;
const PARALLEL = 16;
const HELD = 6;

/* psql as the owner, in the background: resolves with its exit code. */
function psqlAsync(sql)
{
	const env = { ...process.env, PGHOST: '127.0.0.1',
	    PGPORT: process.env.XZ_PG_PORT, PGDATABASE: 'xiangzhi',
	    PGUSER: 'xiangzhi_owner',
	    PGPASSWORD: process.env.XZ_OWNER_PASSWORD || 'xiangzhi-dev-owner' };
	assert.ok(process.env.XZ_PG_PORT, 'XZ_PG_PORT is set');
	return new Promise((resolve) => {
		const p = spawn('psql', ['-XAtq', '-v', 'ON_ERROR_STOP=1', '-c',
		    sql], { env, stdio: ['ignore', 'ignore', 'inherit'] });
		p.on('exit', (code) => resolve(code));
	});
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('a reader paging during 200 concurrent writes and late commits ' +
    'reads every event exactly once', async (t) => {
	const X = await township(t, 1);
	const county = tokenFor('county', { county: X.code.slice(0, 6) });
	const start = await head(county);

	/* Transactions that take their event ids now and commit late. */
	const held = [];
	for (let i = 0; i < HELD; i++) {
		held.push(psqlAsync(`begin;
insert into origin_units (county_code, township_code, name, kind)
    values ('${X.code.slice(0, 6)}', '${X.code}', 'held-${i}',
    'internal_office');
select pg_sleep(${2 + i * 0.4});
commit;`));
	}
	await sleep(400);

	let writing = true;
	const writers = (async () => {
		let next = 0;
		const one = async () => {
			while (next < WRITES) {
				const i = next++;
				const res = await api('POST', '/api/v1/origin-units',
				    { token: X.tok, body: { name: `并发-${i}`,
				    kind: 'township_body' } });
				expectStatus(res, 201);
			}
		};
		await Promise.all(Array.from({ length: PARALLEL }, one));
		assert.deepEqual(await Promise.all(held), Array(HELD).fill(0));
		writing = false;
	})();

	/* The reader: small pages, as fast as it can, until all is done. */
	const read = [];
	let cur = start, pages = 0;
	for (;;) {
		const done = !writing;
		const p = await page(county, { after: cur, limit: 7 });
		pages++;
		for (const e of p.events)
			read.push(e);
		cur = p.next;
		if (done && !p.has_more)
			break;
		if (!p.has_more)
			await sleep(5);
	}
	await writers;

	const ids = read.map((e) => e.id);
	assert.equal(new Set(ids).size, ids.length, 'no event read twice');
	const [tk, id] = decode(start);
	const inDb = psqlOwner(`select coalesce(string_agg(id::text, ','
	    order by tick, id), '') from change_events where county_code =
	    '${X.code.slice(0, 6)}' and tick is not null and
	    (tick, id) > (${tk}, ${id})`).split(',').filter(Boolean)
	    .map(Number);
	assert.deepEqual(ids, inDb, 'every event, in (tick, id) order');
	assert.equal(psqlOwner(`select count(*) from change_events
	    where tick is null and county_code = '${X.code.slice(0, 6)}'`),
	    '0', 'nothing left unpublished');
	const mine = read.filter((e) => e.type === 'origin_unit' &&
	    e.township === X.code && e.action === 'created');
	assert.equal(mine.length, WRITES + HELD);
	assert.ok(pages > 10, `${pages} pages read while writing`);

	/*
	 * The case the ticks exist for: a held event has a smaller id than
	 * events the reader was given before it, and was still read.
	 */
	const heldEvents = mine.filter((e) => e.data.name.startsWith('held-'));
	assert.equal(heldEvents.length, HELD);
	let late = 0;
	for (const h of heldEvents) {
		const at = read.indexOf(h);
		if (read.slice(0, at).some((e) => e.id > h.id))
			late++;
	}
	assert.ok(late >= 1, `${late} late commits read after larger ids`);

	/* And a second reader, in one go, agrees. */
	const again = await drain(county, { after: start });
	assert.deepEqual(again.events.map((e) => e.id), ids);
});
