/*
 * No resident ID number in any log (issue 6): the cooperative suites note
 * every resident ID number they send, valid or not (noteResidentId in
 * lib.mjs, into RESIDENT_IDS_FILE next to SECRETS_FILE); this suite, which
 * runs after them (name order), greps the service's whole log
 * (SERVICE_LOG: kore.log, access log lines included) and the PostgreSQL
 * server log for each number (as sent, in JSON, lower case), for its
 * unmasked tail (birth date, sequence and check character: what the mask
 * hides) and for its HMAC-SHA256 (what the service stores), and looks for
 * them in the audit trail and the member rows.
 *
 * It fails when nothing was noted, so it cannot pass vacuously (run it
 * with the cooperative suites, as `make test` does).
 */

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import {
	RESIDENT_IDS_FILE, SERVICE_LOG, maskResidentId, psqlOwner,
	residentIdHmac,
} from './lib.mjs';

function noted()
{
	assert.ok(existsSync(RESIDENT_IDS_FILE), 'no resident ID numbers were ' +
	    `noted in ${RESIDENT_IDS_FILE}: run the cooperative suites first`);
	const ids = new Set(readFileSync(RESIDENT_IDS_FILE, 'utf8').split('\n')
	    .filter((l) => l.length > 0).map((l) => JSON.parse(l))
	    .filter((v) => typeof v === 'string' && v.length >= 15));
	assert.ok(ids.size >= 20, `${ids.size} resident ID numbers noted`);
	return ids;
}

/* The forms a number (or what stands for it) could take in a log. */
function forms(id)
{
	const f = [id, id.toLowerCase(), JSON.stringify(id).slice(1, -1)];
	/* What the mask hides, with what follows it. */
	if (id.length >= 18)
		f.push(id.slice(6));
	if (/^[0-9]{17}[0-9X]$/.test(id))
		f.push(residentIdHmac(id), residentIdHmac(id).toUpperCase());
	return [...new Set(f)];
}

function readLog(file)
{
	assert.ok(file, 'the log path is set');
	assert.ok(existsSync(file), `${file} exists`);
	return readFileSync(file, 'utf8');
}

/* The numbers found in text, shown masked: [string]. */
function leaks(text, ids)
{
	const found = [];
	for (const id of ids) {
		for (const form of forms(id)) {
			const i = text.indexOf(form);
			if (i < 0)
				continue;
			const from = text.lastIndexOf('\n', i) + 1;
			found.push(`${maskResidentId(id)}: ` + text.slice(from,
			    text.indexOf('\n', i) >>> 0).split(form)
			    .join('<resident-id>').slice(0, 300));
			break;
		}
	}
	return found;
}

test('resident IDs: the cooperative suites noted numbers and wrote to the ' +
    'service log', () => {
	const ids = noted();
	const valid = [...ids].filter((v) => /^[0-9]{17}[0-9X]$/.test(v));
	assert.ok(valid.length >= 10, `${valid.length} valid numbers noted`);
	const log = readLog(SERVICE_LOG);
	assert.ok(log.includes('/api/v1/members/search'),
	    'the member searches were logged');
	assert.ok(/\/api\/v1\/cooperatives\/[0-9a-f-]{36}\/members/.test(log),
	    'member creations were logged');
});

test('resident IDs: none in the service log', () => {
	const found = leaks(readLog(SERVICE_LOG), noted());
	assert.deepEqual(found, [], `resident IDs in ${SERVICE_LOG}`);
});

test('resident IDs: none in the PostgreSQL server log', () => {
	const dir = process.env.XZ_PG_DIR || (process.env.XZ_WORK &&
	    path.join(process.env.XZ_WORK, 'pg'));
	assert.ok(dir, 'XZ_PG_DIR (the test cluster) is set');
	const file = path.join(dir, 'postgres.log');
	const found = leaks(readLog(file), noted());
	assert.deepEqual(found, [], `resident IDs in ${file}`);
});

test('resident IDs: none in the audit trail or the member rows', () => {
	const ids = [...noted()].filter((v) => /^[0-9A-Za-z]{15,20}$/.test(v));
	assert.ok(ids.length > 0);
	const list = ids.map((v) => `('${v}')`).join(',');
	const out = psqlOwner(`with n(v) as (values ${list})
select 'audit ' || count(*) from audit_log a, n
    where a.before::text like '%' || n.v || '%'
    or a.after::text like '%' || n.v || '%'
union all
select 'members ' || count(*) from members m, n
    where m::text like '%' || n.v || '%'
union all
select 'identities ' || count(*) from member_identities i, n
    where i::text like '%' || n.v || '%'`);
	assert.deepEqual(out.split('\n'), ['audit 0', 'members 0',
	    'identities 0']);
	/* The masked form is what the rows hold: the check itself works. */
	const masked = psqlOwner(`select count(*) from member_identities
	    where resident_id_masked like '%********%'`);
	assert.ok(Number(masked) > 0, 'member identities hold masked numbers');
});
