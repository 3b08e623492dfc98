/*
 * Shared helpers of the export suites (issue 7): download an export, read
 * a CSV (RFC 4180, BOM) and an XLSX (tests/api/exports-xlsx.py: Python's
 * zipfile + xml, as a spreadsheet reads it), and page through a list.
 */

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { BASE, ROOT, api, expectStatus } from './lib.mjs';

export const XLSX_TYPE =
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/* GET an export: { status, headers, buf, text, json (problems) }. */
export async function download(p, token)
{
	const res = await fetch(BASE + p, {
		headers: token ? { authorization: `Bearer ${token}` } : {},
	});
	const buf = Buffer.from(await res.arrayBuffer());
	const out = { status: res.status, headers: res.headers, buf,
	    text: buf.toString('utf8') };
	if ((res.headers.get('content-type') || '').includes('json'))
		out.json = JSON.parse(out.text);
	return out;
}

/* An RFC 4180 CSV (CRLF rows, quoted fields) after its UTF-8 BOM. */
export function parseCsv(buf)
{
	assert.deepEqual([...buf.subarray(0, 3)], [0xef, 0xbb, 0xbf],
	    'the CSV starts with the UTF-8 BOM');
	const s = buf.subarray(3).toString('utf8');
	const rows = [];
	let row = [], field = '', i = 0, quoted = false;
	while (i < s.length) {
		const ch = s[i];
		if (quoted) {
			if (ch === '"' && s[i + 1] === '"') {
				field += '"';
				i += 2;
				continue;
			}
			if (ch === '"') {
				quoted = false;
				i++;
				continue;
			}
			field += ch;
			i++;
			continue;
		}
		if (ch === '"' && field === '') {
			quoted = true;
			i++;
		} else if (ch === ',') {
			row.push(field);
			field = '';
			i++;
		} else if (ch === '\r' && s[i + 1] === '\n') {
			row.push(field);
			rows.push(row);
			row = [];
			field = '';
			i += 2;
		} else {
			assert.notEqual(ch, '\n', 'rows end with CRLF');
			field += ch;
			i++;
		}
	}
	assert.equal(field, '', 'the CSV ends with CRLF');
	assert.equal(row.length, 0, 'the CSV ends with CRLF');
	return rows;
}

/*
 * Reads an XLSX with the standard library of Debian's python3; with
 * count, each sheet's rows is only their number.
 */
export function readXlsx(buf, count = false)
{
	const dir = mkdtempSync(path.join(os.tmpdir(), 'xz-export-'));
	try {
		const f = path.join(dir, 'x.xlsx');
		writeFileSync(f, buf);
		const out = execFileSync('/usr/bin/python3',
		    [path.join(ROOT, 'tests/api/exports-xlsx.py'),
		    ...(count ? ['--count'] : []), f],
		    { encoding: 'utf8', maxBuffer: 1 << 30 });
		return JSON.parse(out);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

/* Every item of a paged list (limit 200, following next_cursor). */
export async function listAll(p, token)
{
	const items = [];
	let cursor = null;
	for (;;) {
		const sep = p.includes('?') ? '&' : '?';
		const res = await api('GET', `${p}${sep}limit=200` +
		    (cursor ? `&cursor=${cursor}` : ''), { token });
		expectStatus(res, 200);
		items.push(...res.json.items);
		if (!res.json.next_cursor)
			return items;
		cursor = res.json.next_cursor;
	}
}

/* An Excel date serial (1900 system) as YYYY-MM-DD. */
export function serialDate(n)
{
	return new Date(Date.UTC(1899, 11, 30) + Math.round(n) * 86400000)
	    .toISOString().slice(0, 10);
}

/* fen as the CSV writes yuan: 1234.56 */
export function yuan(fen)
{
	const neg = fen < 0;
	const a = Math.abs(fen);
	return `${neg ? '-' : ''}${Math.floor(a / 100)}.` +
	    `${String(a % 100).padStart(2, '0')}`;
}
