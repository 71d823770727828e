#!/usr/bin/env node
// stocktake.mjs: the stocktake page on a phone (360×740). The librarian catalogues six books,
// opens a whole-library stocktake with the page's form, types three barcodes into the scan input
// (each followed by Enter), then the network drops (context.setOffline): four more scans (one of
// them a repeat, one a barcode no copy has) wait in the page's local queue, which grows and
// survives; back online, the queue drains by itself and the server's counts are exact (every
// barcode once, the repeat counted in `scans`). Then a reload shows the counts, axe-core's WCAG
// 2.1 A/AA rules pass, the staff menu is one row scrolled to the current page's link, and the screenshot goes to tests/out/stocktake-phone.png. Console errors
// and failed requests are checked, except the scan requests the test itself cut off.
//
//   node tests/browser/stocktake.mjs     (from the repository root, after `make` and `npm ci`)

import path from 'node:path';

import { OUT, axeCheck, ok, openBrowser, password, run, sleep, startServer } from './lib.mjs';

const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

async function login(page, base, username, pw) {
	await page.goto(`${base}/login`);
	await page.fill('#username', username);
	await page.fill('#password', pw);
	await Promise.all([page.waitForURL((u) => u.pathname !== '/login'),
	                   page.click('form[action="/login"] button[type="submit"]')]);
}

async function post(page, base, url, form) {
	const csrf = await page.evaluate(() => document.querySelector('meta[name="csrf-token"]')?.content);
	const res = await page.request.post(base + url, { form: { csrf, ...form }, headers: { Accept: 'application/json' } });
	return { status: res.status(), body: await res.json().catch(() => null) };
}

async function counts(page, base, id) {
	const res = await page.request.get(`${base}/stocktakes/${id}`, { headers: { Accept: 'application/json' } });
	return res.json();
}

async function waitFor(fn, ms = 15000) {
	const end = Date.now() + ms;
	while (Date.now() < end) {
		if (await fn())
			return true;
		await sleep(100);
	}
	return false;
}

async function main() {
	const base = await startServer();
	if (!base)
		return;
	const { context, page } = await openBrowser(PHONE);
	/* Our own watch of what goes wrong: the scans cut off while offline are expected. */
	let offline = false;
	const problems = [];
	page.on('console', (m) => {
		if (m.type() === 'error' && !(offline && /Failed to load resource|ERR_INTERNET_DISCONNECTED/.test(m.text())))
			problems.push(`console: ${m.text()}`);
		if (/Content Security Policy/i.test(m.text()))
			problems.push(`csp: ${m.text()}`);
	});
	page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
	page.on('requestfailed', (r) => {
		if (!(offline && /\/stocktakes\/\d+(\/scans)?$/.test(new URL(r.url()).pathname)))
			problems.push(`failed: ${r.url()} ${r.failure()?.errorText}`);
	});
	page.on('response', (r) => {
		if (r.status() >= 400)
			problems.push(`HTTP ${r.status()}: ${r.url()}`);
	});

	await login(page, base, 'thuthu.th001', password);
	const barcodes = [];
	for (let i = 0; i < 6; i++) {
		const r = await post(page, base, '/catalog', { title: `Sách kiểm kê ${i + 1}`, doc_type: 'STK', copies: '1' });
		if (r.status === 201)
			barcodes.push(r.body.biblio.copies[0].barcode);
	}
	if (!ok(barcodes.length === 6, 'six copies catalogued', JSON.stringify(barcodes)))
		return;

	// Open the session with the list page's form.
	await page.goto(`${base}/stocktakes`);
	await page.fill('input[name="scope"]', 'all');
	await page.fill('input[name="note"]', 'Kiểm kê thử trên điện thoại');
	await Promise.all([page.waitForURL(/\/stocktakes\/\d+$/), page.click('form[action="/stocktakes"] button[type="submit"]')]);
	const id = Number(new URL(page.url()).pathname.split('/').pop());
	ok(id > 0, 'the form opens a session and shows its page', page.url());
	const before = await counts(page, base, id);
	ok(before.expected >= 6 && before.seen === 0, 'nothing seen yet', JSON.stringify(before));

	const input = page.locator('#barcode');
	ok(await input.evaluate((el) => el === document.activeElement), 'the scan input has the focus');
	const type = async (code) => {
		await page.keyboard.type(code);
		await page.keyboard.press('Enter');
	};
	for (const b of barcodes.slice(0, 3))
		await type(b);
	ok(await waitFor(async () => (await page.textContent('#queue-n')) === '0' &&
	                           (await page.locator('#last li').count()) === 3),
	   'three scans sent, shown with their result', await page.innerText('#last'));
	ok(await input.evaluate((el) => el === document.activeElement), 'the input keeps the focus after scanning');

	// The network drops: scans wait in the queue.
	offline = true;
	await context.setOffline(true);
	await type(barcodes[3]);
	await type(barcodes[4]);
	await type('KHONG-CO-TRONG-KHO');
	await type(barcodes[0]);
	await sleep(1500);
	const queued = await page.textContent('#queue-n');
	ok(queued === '4', 'offline: the queue grows to four', queued);
	const stored = await page.evaluate((k) => JSON.parse(localStorage.getItem(k) || '[]'), `thuvien.stocktake.${id}`);
	ok(stored.length === 4 && stored[2] === 'KHONG-CO-TRONG-KHO', 'the queue is kept in localStorage', JSON.stringify(stored));

	// Back online: the queue drains by itself.
	await context.setOffline(false);
	ok(await waitFor(async () => (await page.textContent('#queue-n')) === '0', 20000),
	   'online again: the queue drains', await page.textContent('#queue'));
	offline = false;
	await sleep(300);
	const after = await counts(page, base, id);
	ok(after.found === 5 && after.unknown === 1 && after.seen === 6 && after.missing === after.expected - 5 - after.on_loan,
	   'the counts are exact: five found, one unknown, six barcodes seen', JSON.stringify(after));
	const scans = await page.request.get(`${base}/stocktakes/${id}/items?result=found`, { headers: { Accept: 'application/json' } });
	const found = (await scans.json()).items;
	const first = found.find((x) => x.barcode === barcodes[0]);
	ok(first && first.scans === 2, 'the repeated barcode counted once, scanned twice', JSON.stringify(first));

	await page.reload();
	const shown = await page.textContent('[data-count="found"]');
	ok(shown === '5', 'the page shows the counts', shown);
	/* The staff menu is one row that scrolls sideways, not a first screen of links, and the
	 * current page's link (Sổ sách, far along the row) is scrolled into view. */
	const menu = await page.evaluate(() => {
		const m = document.querySelector('.topbar .menu');
		const cur = m.querySelector('[aria-current="page"]');
		const r = cur ? cur.getBoundingClientRect() : null;
		return { bar: document.querySelector('.topbar').getBoundingClientRect().height, scrolls: m.scrollWidth > m.clientWidth,
		         left: m.scrollLeft, cur: r ? [r.left, r.right] : null, width: window.innerWidth };
	});
	ok(menu.bar < 160 && menu.scrolls, 'on a phone the staff menu is one scrolling row', JSON.stringify(menu));
	ok(menu.cur && menu.cur[0] >= 0 && menu.cur[1] <= menu.width && menu.left > 0, 'the current page\'s menu link is in view',
	   JSON.stringify(menu));
	await page.screenshot({ path: path.join(OUT, 'stocktake-phone.png'), fullPage: true });
	await axeCheck(page, 'stocktake page (phone)');
	ok(problems.length === 0, 'no console errors, CSP violations or failed requests', problems.join('\n'));
}

await run(main);
