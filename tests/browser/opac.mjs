#!/usr/bin/env node
// opac.mjs: the public catalogue on a phone (issue 5). Starts its own server on a fresh demo
// city, loads 400 titles of the Vietnamese book list (../shared/data/vn) into TH001 with the
// shell's `import books`, waits for the union catalogue's sync, and then, on a 360 x 740 touch
// viewport in Chromium:
//   1. the librarian lends both copies of «Cây Cam Ngọt Của Tôi» to a teacher (so a hold makes
//      sense) and issues a reader account to a student, reading the one-time password off the page;
//   2. the student, not logged in, opens the school's catalogue, types "cay cam ngot" without
//      diacritics, finds the book first, opens it (copies "on loan until dd/mm/yyyy", no reader's
//      name), follows "log in to place a hold", logs in with the one-time password, sets a new
//      one, places the hold, and sees it in My library with its place in the queue and the card's
//      barcode;
//   3. the search page's weight (navigation + resources, as Chromium transferred them) stays under
//      50 KB, and its first contentful paint is reported.
// axe-core's WCAG 2.1 A/AA rules run on every public page; screenshots go to tests/out/
// (opac-home.png, opac-search.png, opac-record.png, opac-me.png).
//
//   node tests/browser/opac.mjs        (from the repository root, after `make` and `npm ci`)

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { BIN, OUT, ROOT, axeCheck, checkProblems, db, ok, openBrowser, password, run, sleep, startServer, tmp } from './lib.mjs';

const BOOKS = path.join(ROOT, '../shared/data/vn/tiki-book_data.csv');
const TITLE = 'Cây Cam Ngọt Của Tôi';
const LIBRARIAN = 'thuthu.th001';
const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

async function json(base, url) {
	const res = await fetch(base + url, { headers: { Accept: 'application/json' } });
	return res.status === 200 ? res.json() : null;
}

async function login(page, base, username, pw) {
	await page.goto(`${base}/login`);
	await page.fill('#username', username);
	await page.fill('#password', pw);
	await Promise.all([page.waitForURL((u) => u.pathname !== '/login'), page.click('form[action="/login"] button[type="submit"]')]);
}

async function logout(page) {
	await Promise.all([page.waitForNavigation(), page.click('form[action="/logout"] button[type="submit"]')]);
}

/* A POST as the logged-in user of page, with its CSRF token, answered as JSON. */
async function post(page, base, url, form) {
	const csrf = await page.evaluate(() => document.querySelector('meta[name="csrf-token"]')?.content ??
	                                       document.querySelector('input[name="csrf"]')?.value);
	const res = await page.request.post(base + url, { form: { csrf, ...form }, headers: { Accept: 'application/json' } });
	return { status: res.status(), body: await res.json().catch(() => null) };
}

async function main() {
	if (!ok(fs.existsSync(BOOKS), 'the Vietnamese book list is beside the project', BOOKS))
		return;
	const base = await startServer();
	if (!base)
		return;

	// The school's catalogue: the list's first 400 titles, two copies each.
	const lines = fs.readFileSync(BOOKS, 'utf8').split('\n');
	const slice = path.join(tmp, 'sach.csv');
	fs.writeFileSync(slice, lines.slice(0, 401).join('\n') + '\n');
	const imp = spawnSync(BIN, ['--db', db, 'import', 'books', '--school', 'TH001', '--copies', '2', slice],
	                      { cwd: tmp, encoding: 'utf8' });
	ok(imp.status === 0 && /imported \d+ record/.test(imp.stdout), 'thuvien import books loads the list into TH001',
	   `${imp.stdout}${imp.stderr}`);
	let found = null;
	for (let i = 0; i < 100 && !found; i++) {
		const r = await json(base, '/opac/s/TH001?q=cay+cam+ngot');
		found = r && r.total >= 1 ? r : null;
		if (!found)
			await sleep(100);
	}
	if (!ok(found, 'the records reach the catalogue within 10 s (the sync)', JSON.stringify(found)))
		return;

	const { page } = await openBrowser(PHONE);

	// 1. The librarian: both copies lent to a teacher; a reader account for a student.
	await login(page, base, LIBRARIAN, password);
	const hit = found.hits[0];
	const rec = await page.request.get(`${base}/catalog/${hit.id}`, { headers: { Accept: 'application/json' } });
	const recJson = await rec.json();
	const barcodes = (recJson.biblio?.copies ?? []).map((c) => c.barcode);
	ok(barcodes.length === 2, 'the record has its two copies', JSON.stringify(recJson).slice(0, 400));
	const teachers = await (await page.request.get(`${base}/patrons?kind=teacher`, { headers: { Accept: 'application/json' } })).json();
	const teacher = (teachers.patrons ?? teachers.rows ?? [])[0];
	for (const b of barcodes) {
		const r = await post(page, base, '/circ/checkout', { patron: teacher.code, item: b });
		ok(r.status === 200, `copy ${b} lent to the teacher ${teacher.code}`, JSON.stringify(r));
	}
	const students = await (await page.request.get(`${base}/patrons?class=4A1`, { headers: { Accept: 'application/json' } })).json();
	const student = (students.patrons ?? students.rows ?? [])[0];
	await page.goto(`${base}/patrons/${student.id}`);
	await Promise.all([page.waitForNavigation(), page.click('#reader-account button[type="submit"]')]);
	const issued = await page.evaluate(() => ({
		username: document.querySelector('.slip code.username')?.textContent.trim(),
		password: document.querySelector('.slip code.password')?.textContent.trim(),
	}));
	ok(issued.username && issued.password, 'the reader account is issued and its one-time password shown',
	   JSON.stringify(issued));
	await logout(page);

	// 2. The student, on a phone, not logged in.
	fs.mkdirSync(OUT, { recursive: true });
	await page.goto(`${base}/opac/s/TH001`);
	await page.screenshot({ path: path.join(OUT, 'opac-home.png'), fullPage: true });
	await axeCheck(page, "the school's catalogue home (phone)");
	await page.fill('#q', 'cay cam ngot');
	await Promise.all([page.waitForNavigation(), page.press('#q', 'Enter')]);
	const first = (await page.locator('ol.hits li a').first().innerText()).trim();
	ok(first === TITLE, `"cay cam ngot" typed without diacritics finds «${TITLE}» first`, first);
	const weight = await page.evaluate(() => {
		const nav = performance.getEntriesByType('navigation')[0];
		const res = performance.getEntriesByType('resource');
		const fcp = performance.getEntriesByName('first-contentful-paint')[0];
		return {
			bytes: nav.transferSize + res.reduce((s, r) => s + r.transferSize, 0),
			html: nav.transferSize, resources: res.length, fcp: fcp ? Math.round(fcp.startTime) : null,
		};
	});
	ok(weight.bytes > 0 && weight.bytes < 50 * 1024, `the search page weighs under 50 KB transferred (${weight.bytes} bytes, ` +
	   `${weight.resources} resource(s); first contentful paint ${weight.fcp} ms)`, JSON.stringify(weight));
	const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
	ok(!overflow, 'the results fit the phone\'s width (no sideways scrolling)');
	await page.screenshot({ path: path.join(OUT, 'opac-search.png'), fullPage: true });
	await axeCheck(page, 'the search results (phone)');

	await Promise.all([page.waitForNavigation(), page.locator('ol.hits li a').first().click()]);
	const h1 = (await page.textContent('h1'))?.trim();
	ok(h1?.startsWith(TITLE), 'the record page is the book\'s', h1);
	const body = await page.innerText('main');
	ok(/\d\d\/\d\d\/\d{4}/.test(body), 'its copies say until when they are on loan (dd/mm/yyyy)', body);
	ok(!body.includes(teacher.full_name), 'no reader\'s name on the public record page', teacher.full_name);
	await page.screenshot({ path: path.join(OUT, 'opac-record.png'), fullPage: true });
	await axeCheck(page, 'the record page (phone)');
	const recordUrl = page.url();

	// Log in from the record page, change the one-time password, come back, place the hold.
	await Promise.all([page.waitForNavigation(), page.locator('a[href^="/login"]').last().click()]);
	ok(new URL(page.url()).pathname === '/login', '"log in to place a hold" leads to the login page', page.url());
	await page.fill('#username', issued.username);
	await page.fill('#password', issued.password);
	await Promise.all([page.waitForNavigation(), page.click('form[action="/login"] button[type="submit"]')]);
	ok(new URL(page.url()).pathname === '/password', 'the one-time password must be changed first', page.url());
	const newPw = 'Sach-hay-' + Date.now();
	await page.fill('#current', issued.password).catch(() => {});
	await page.fill('#password', newPw).catch(() => {});
	await page.fill('#confirm', newPw).catch(() => {});
	await Promise.all([page.waitForNavigation(), page.click('form[action="/password"] button[type="submit"]')]);
	await page.goto(recordUrl);
	await Promise.all([page.waitForNavigation(), page.click('form[action$="/hold"] button[type="submit"]')]);
	if (new URL(page.url()).pathname !== '/me')
		await page.goto(`${base}/me`);
	const me = await page.innerText('main');
	ok(me.includes(TITLE), 'My library lists the hold on the book', me);
	ok(/\b1\b/.test(me), 'with its place in the queue', me);
	const card = await page.locator('img[src="/me/card.svg"]').count();
	ok(card === 1, 'My library shows the reader\'s card barcode');
	await page.screenshot({ path: path.join(OUT, 'opac-me.png'), fullPage: true });
	await axeCheck(page, 'My library (phone)');
	checkProblems();
}

await run(main);
