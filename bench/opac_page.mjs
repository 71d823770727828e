#!/usr/bin/env node
// opac_page.mjs: what the catalogue's search page costs a phone (issue 5's second figure).
// Starts thuvien on a fresh demo city with the whole Vietnamese book list (../shared/data/vn) in
// TH001, waits for the OPAC's sync, then opens the school's search page for a query typed without
// diacritics (a full first page of hits) RUNS times, each in a fresh browser context (empty cache,
// as a first visit), on a 360 x 740 phone viewport, first on the machine's loopback and then under
// DevTools' network emulation of a slow school connection (400 ms round trip, 400 kbit/s down, 200
// kbit/s up), and prints Chromium's own performance timing: bytes transferred (navigation + every
// resource), the HTML's and the stylesheet's share, time to first byte, first contentful paint and
// the load event, as median and worst.
//
//   node bench/opac_page.mjs            (after `make` and `npm ci`; RUNS=20 by default)
//
// Environment: THUVIEN_BIN, CHROMIUM, RUNS, QUERY (default "tam ly": a full page of 20 hits).
// A load whose first paint Chromium did not report is left out of that figure.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { BIN, CHROMIUM, ROOT, db, run, sleep, startServer, tmp } from '../tests/browser/lib.mjs';

const RUNS = Number(process.env.RUNS || 20);
const QUERY = process.env.QUERY || 'tam ly';
const BOOKS = path.join(ROOT, '../shared/data/vn/tiki-book_data.csv');
const SLOW = { offline: false, latency: 400, downloadThroughput: 400 * 1024 / 8, uploadThroughput: 200 * 1024 / 8 };

const finite = (v) => v.filter((x) => Number.isFinite(x));
const median = (v) => [...finite(v)].sort((a, b) => a - b)[Math.floor(finite(v).length / 2)];
const worst = (v) => Math.max(...finite(v));

async function measure(browser, url, network) {
	const rows = [];
	for (let i = 0; i < RUNS; i++) {
		const ctx = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true,
		                                        deviceScaleFactor: 2, locale: 'vi-VN' });
		const page = await ctx.newPage();
		if (network) {
			const cdp = await ctx.newCDPSession(page);
			await cdp.send('Network.enable');
			await cdp.send('Network.emulateNetworkConditions', network);
		}
		await page.goto(url, { waitUntil: 'load' });
		rows.push(await page.evaluate(() => {
			const nav = performance.getEntriesByType('navigation')[0];
			const res = performance.getEntriesByType('resource');
			const fcp = performance.getEntriesByName('first-contentful-paint')[0];
			return {
				bytes: nav.transferSize + res.reduce((s, r) => s + r.transferSize, 0),
				html: nav.transferSize,
				css: res.filter((r) => r.name.endsWith('.css') || r.name.includes('.css?')).reduce((s, r) => s + r.transferSize, 0),
				resources: res.length,
				ttfb: nav.responseStart,
				fcp: fcp ? fcp.startTime : NaN,
				load: nav.loadEventEnd,
			};
		}));
		await ctx.close();
	}
	return rows;
}

function report(what, rows) {
	const f = (k, d = 0) => `${median(rows.map((r) => r[k])).toFixed(d)} (worst ${worst(rows.map((r) => r[k])).toFixed(d)})`;
	console.log(`${what}: ${rows.length} cold loads`);
	console.log(`  transferred   ${f('bytes')} bytes: HTML ${f('html')}, CSS ${f('css')}, ${rows[0].resources} resource(s)`);
	console.log(`  first byte    ${f('ttfb', 1)} ms`);
	console.log(`  first paint   ${f('fcp', 1)} ms (first contentful paint)`);
	console.log(`  load event    ${f('load', 1)} ms`);
}

async function main() {
	const base = await startServer();
	if (!base)
		return;
	const imp = spawnSync(BIN, ['--db', db, 'import', 'books', '--school', 'TH001', '--copies', '2', BOOKS],
	                      { cwd: tmp, encoding: 'utf8' });
	console.log(`# ${imp.stdout.trim().split('\n').pop()}`);
	const q = encodeURIComponent(QUERY).replace(/%20/g, '+');
	const url = `${base}/opac/s/TH001?q=${q}`;
	for (let i = 0; i < 100; i++) {
		const r = await fetch(url, { headers: { Accept: 'application/json' } }).then((x) => x.json()).catch(() => null);
		if (r && r.total > 0)
			break;
		await sleep(100);
	}
	const { chromium } = await import('playwright-core');
	const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
	                                         args: ['--no-sandbox', '--disable-gpu', '--disable-quic'] });
	console.log(`# ${url} on ${os.cpus().length} x ${os.cpus()[0].model}; Chromium ${browser.version()}`);
	report('loopback', await measure(browser, url, null));
	report('slow school network (400 ms RTT, 400/200 kbit/s)', await measure(browser, url, SLOW));
	await browser.close();
	if (!fs.existsSync(BOOKS))
		console.log('# the book list is missing: the page measured an empty catalogue');
}

await run(main);
