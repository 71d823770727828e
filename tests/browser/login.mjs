#!/usr/bin/env node
// login.mjs: the browser test. Starts its own thuvien server (a fresh SQLite database with the demo
// city, on a free port), drives Debian's Chromium headless through playwright-core and walks the
// first thing every user does: / redirects to the Vietnamese login page; the demo librarian logs
// in and sees the home page (name, role, unit, navigation); logs out; switches the login page to
// English; in between, the librarian catalogues a book with two copies and finds it by a
// query typed without diacritics, prints the copies' barcode labels (preview, then the PDF
// read back with pdftotext), corrects its title with the edit form and adds a subject in the
// MARC21 form. Then issue 4's day at the library: the librarian imports a class list of 40
// students (a CSV with Vietnamese headers, upload, mapping and preview, commit), finds them with
// the readers list's class filter, prints their cards (the PDF read back with pdfinfo and
// pdftotext), catalogues three books and, at the lending desk, types the student's card number
// and the three barcodes, then takes one book back. Along the way: no console errors, no CSP
// violations, no failed requests, and axe-core's WCAG 2.1 A/AA rules on every page seen.
// Screenshots go to tests/out/ (home.png, catalog*.png, marc.png, patrons-import.png, desk.png,
// desk-return.png).
//
//   node tests/browser/login.mjs        (from the repository root, after `make` and `npm ci`)
//
// Environment: THUVIEN_BIN (default build/thuvien), CHROMIUM (default /usr/bin/chromium),
// KEEP_TMP=1 keeps the temporary directory (database, server log, browser profile).
// Prints one `ok ...` / `not ok ...` line per check and ends with `browser: N passed, M failed`;
// exit status 1 when anything failed.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { OUT, axeCheck, checkProblems, en, ok, openBrowser, password, run, startServer, t, tmp, vi } from './lib.mjs';

const USER = 'thuthu.th001';
const FULL_NAME = 'Nguyễn Thị Lan'; // src/cli/cmd_demo.c: thuthu.th001
const UNIT_CODE = 'TH001';
const UNIT_NAME = 'Trường Tiểu học Lê Ngọc Hân';


/* The class list of 2e: 40 students of CLASS with names of three or four words, every one with
 * its marks, student codes HS5A901..HS5A940 (the demo readers' are HS01...), born in 2016. */
const CLASS = '5A9';
function classList() {
	const family = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Huỳnh', 'Phan', 'Vũ', 'Võ', 'Đặng', 'Bùi', 'Đỗ', 'Hồ', 'Ngô'];
	const middleM = ['Văn', 'Đức', 'Quốc', 'Hữu', 'Gia', 'Minh Đức'];
	const middleF = ['Thị', 'Ngọc', 'Thùy', 'Bảo', 'Khánh', 'Tôn Nữ'];
	const givenM = ['Khôi', 'Hưng', 'Lộc', 'Thắng', 'Tùng', 'Dũng', 'Nghĩa', 'Toàn', 'Quý', 'Đạt', 'Hiển'];
	const givenF = ['Ánh', 'Hằng', 'Hường', 'Nhung', 'Thủy', 'Yến', 'Diệp', 'Trâm', 'Quỳnh', 'Uyên', 'Ngọc Hân'];
	const list = [];
	for (let i = 0; i < 40; i++) {
		const f = i % 2 === 1;
		const name = `${family[i % family.length]} ${(f ? middleF : middleM)[i % 6]} ${(f ? givenF : givenM)[(i * 7) % 11]}`;
		const day = String(1 + ((i * 11) % 28)).padStart(2, '0'), month = String(1 + (i % 12)).padStart(2, '0');
		list.push({ code: `HS5A9${String(i + 1).padStart(2, '0')}`, name, birth: `${day}/${month}/2016`, gender: f ? 'Nữ' : 'Nam' });
	}
	return list;
}

/* Types code into the desk's scan field and presses Enter, as a librarian (or a scanner) does,
 * and waits for the desk htmx swaps in. The field should have the focus already; if it has
 * not, the test focuses it (the caller checks the focus). */
async function deskScan(page, code) {
	await page.evaluate(() => { document.getElementById('desk').dataset.stale = '1'; });
	if (!(await page.evaluate(() => document.activeElement?.id === 'circ-code')))
		await page.focus('#circ-code');
	await page.keyboard.type(code);
	await page.keyboard.press('Enter');
	await page.waitForFunction(() => {
		const d = document.getElementById('desk');
		return d && !d.dataset.stale && !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling');
	});
	await page.waitForFunction(() => document.activeElement?.id === 'circ-code', null, { timeout: 2000 }).catch(() => {});
}
async function main() {
	const base = await startServer();
	if (!base)
		return;
	const { context, page } = await openBrowser();


	// 1. / sends an anonymous visitor to the login page, in Vietnamese.
	await page.goto(`${base}/`);
	const u1 = new URL(page.url());
	ok(u1.pathname === '/login' && u1.searchParams.get('next') === '/', 'GET / redirects to /login?next=/', page.url());
	ok((await page.getAttribute('html', 'lang')) === 'vi', 'login page is <html lang="vi">',
	   await page.getAttribute('html', 'lang'));
	const h1 = (await page.textContent('h1'))?.trim();
	ok(vi.has('login.title') && h1 === vi.get('login.title'), 'login heading is vi.txt login.title',
	   `got ${JSON.stringify(h1)}, want ${JSON.stringify(vi.get('login.title'))}`);
	ok((await page.title()).includes(t('vi', 'app.name')), 'title names the application', await page.title());
	await axeCheck(page, 'the login page (vi)');

	// 2. The librarian logs in and lands on the home page.
	await page.fill('#username', USER);
	await page.fill('#password', password);
	await Promise.all([page.waitForURL((u) => u.pathname !== '/login'), page.click('form[action="/login"] button[type="submit"]')]);
	const u2 = new URL(page.url());
	ok(u2.pathname === '/' && u2.search === '', 'after login the URL is /', page.url());
	ok((await page.getAttribute('html', 'lang')) === 'vi', 'home page is <html lang="vi">');
	const body = await page.innerText('body');
	ok(body.includes(FULL_NAME), `home page shows the user's name (${FULL_NAME})`, body);
	const role = t('vi', 'role.librarian');
	ok(vi.has('role.librarian') && body.includes(role), `home page shows the role (${role})`,
	   vi.has('role.librarian') ? body : 'i18n/vi.txt has no role.librarian');
	ok(body.includes(UNIT_CODE) && body.includes(UNIT_NAME), `home page shows the unit (${UNIT_NAME}, ${UNIT_CODE})`, body);
	const hello = t('vi', 'home.hello');
	const homeH1 = (await page.textContent('h1'))?.trim();
	ok(vi.has('home.hello') && homeH1 === `${hello}, ${FULL_NAME}`, 'home heading greets the user (vi.txt home.hello)',
	   `got ${JSON.stringify(homeH1)}`);
	const nav = page.locator('header nav');
	const navLinks = await nav.locator('a').evaluateAll((as) => as.map((a) => [a.getAttribute('href'), a.textContent.trim()]));
	const hrefs = navLinks.map(([h]) => h);
	ok((await nav.count()) === 1 && hrefs.includes('/') && hrefs.includes('/units') && hrefs.includes('/password'),
	   'navigation has links to /, /units and /password', JSON.stringify(navLinks));
	const navLabel = await nav.getAttribute('aria-label');
	ok(navLabel === t('vi', 'nav.main') && vi.has('nav.main'), 'navigation is labelled (vi.txt nav.main)', navLabel);
	const untranslated = navLinks.map(([, l]) => l).filter((l) => /^[a-z]+(\.[a-z_]+)+$/.test(l));
	ok(untranslated.length === 0, 'navigation labels are translated (no raw i18n keys)', untranslated.join(', '));
	ok((await page.locator('a[aria-current="page"]').getAttribute('href')) === '/', 'home link is aria-current="page"');
	fs.mkdirSync(OUT, { recursive: true });
	await page.screenshot({ path: path.join(OUT, 'home.png'), fullPage: true });
	ok(fs.statSync(path.join(OUT, 'home.png')).size > 1000, 'screenshot saved to tests/out/home.png');
	await axeCheck(page, 'the home page');

	// 2b. The librarian catalogues a book with two copies through the short form, then finds it
	// by a query typed without diacritics.
	await page.goto(`${base}/catalog/new`);
	await page.fill('#title', 'Tiếng Việt 5');
	await page.fill('#authors', 'Nguyễn Minh Thuyết');
	await page.selectOption('#doc_type', 'SGK');
	await page.fill('#year', '2024');
	await page.fill('#price', '15000');
	await page.fill('#copies', '2');
	// The class number field suggests numbers as one types (htmx); picking one fills the field,
	// and the call-number button fills the call number from it and the author, still editable.
	await page.fill('#class_number', '372.');
	const pick = page.locator('#class-suggest a.class-pick[data-class="372.6"]');
	await pick.waitFor({ timeout: 5000 }).catch(() => {});
	ok((await pick.count()) === 1, 'typing "372." in the class number field suggests 372.6',
	   await page.innerText('#class-suggest').catch(() => ''));
	await axeCheck(page, 'the cataloguing form with class suggestions');
	if (await pick.count())
		await pick.click();
	ok(await page.inputValue('#class_number') === '372.6', 'picking the suggestion fills the class number',
	   await page.inputValue('#class_number'));
	await page.click(`button:has-text("${t('vi', 'classes.make_callnumber')}")`);
	await page.waitForFunction(() => document.getElementById('call_number').value !== '', null, { timeout: 5000 })
		.catch(() => {});
	ok(await page.inputValue('#call_number') === '372.6 NGU', 'the button makes the call number 372.6 NGU',
	   await page.inputValue('#call_number'));
	await page.screenshot({ path: path.join(OUT, 'catalog-new.png'), fullPage: true });
	await axeCheck(page, 'the cataloguing form');
	await Promise.all([page.waitForURL((u) => /^\/catalog\/\d+$/.test(u.pathname)),
	                   page.click('form[action="/catalog"] button[type="submit"]')]);
	const recordPath = new URL(page.url()).pathname;
	const record = await page.innerText('main');
	ok(/^\/catalog\/\d+$/.test(recordPath), 'the short form leads to the new record', page.url());
	ok(record.includes('SGK-000001') && record.includes('SGK-000002') && !record.includes('SGK-000003'),
	   'the record has two copies, SGK-000001 and SGK-000002', record);
	ok(record.includes('372.6 NGU'), 'the record keeps the call number 372.6 NGU', record);
	await axeCheck(page, 'a record page');
	await page.goto(`${base}/catalog?q=${encodeURIComponent('tieng viet 5')}`);
	const hits = await page.locator('main table tbody a').evaluateAll((as) => as.map((a) => [a.getAttribute('href'), a.textContent.trim()]));
	ok(hits.some(([h, title]) => h === recordPath && title === 'Tiếng Việt 5'),
	   'searching "tieng viet 5" finds "Tiếng Việt 5"', JSON.stringify(hits));
	await page.screenshot({ path: path.join(OUT, 'catalog.png'), fullPage: true });
	await axeCheck(page, 'the catalogue search');

	// 2c. From the record, the librarian prints the barcode labels of its two copies: the button
	// opens the preview of the sheets, whose link gives the PDF (fetched with the page's cookies
	// and read back with pdftotext): one label per copy, each with the school's name.
	await page.goto(`${base}${recordPath}`);
	const printLink = page.locator('main a[href^="/labels/preview"]', { hasText: t('vi', 'labels.print') }).first();
	ok((await printLink.count()) === 1, `the record page has a "${t('vi', 'labels.print')}" button`,
	   await page.innerText('main'));
	await Promise.all([page.waitForURL((u) => u.pathname === '/labels/preview'), printLink.click()]);
	const pv = new URL(page.url());
	ok(pv.searchParams.get('biblio') === recordPath.split('/').pop() && !pv.searchParams.get('kind'),
	   'the button opens the label preview of the record', page.url());
	const preview = await page.innerText('main');
	ok(preview.includes('SGK-000001') && preview.includes('SGK-000002') && !preview.includes('SGK-000003'),
	   'the preview shows the labels of SGK-000001 and SGK-000002', preview);
	await axeCheck(page, 'the label preview');
	const pdfHref = await page.locator('main a[href^="/labels?"]').first().getAttribute('href').catch(() => null);
	ok(pdfHref && new URL(pdfHref, base).searchParams.get('biblio') === pv.searchParams.get('biblio'),
	   'the preview links to the PDF of the same copies', pdfHref);
	if (pdfHref) {
		const res = await page.request.get(new URL(pdfHref, base).href);
		const pdf = await res.body();
		ok(res.status() === 200 && res.headers()['content-type'] === 'application/pdf' &&
		   pdf.subarray(0, 5).toString('latin1') === '%PDF-',
		   'the link answers a PDF', `${res.status()} ${res.headers()['content-type']} ${pdf.subarray(0, 40)}`);
		const pdfFile = path.join(tmp, 'labels.pdf');
		fs.writeFileSync(pdfFile, pdf);
		const txt = spawnSync('pdftotext', ['-enc', 'UTF-8', '-layout', pdfFile, '-'], { encoding: 'utf8' });
		const text = (txt.stdout || '').replace(/[ \t]+/g, ' ');
		const count = (s) => text.split(s).length - 1;
		ok(txt.status === 0 && count('SGK-000001') === 1 && count('SGK-000002') === 1 && count('SGK-000003') === 0,
		   'the PDF has exactly two labels, SGK-000001 and SGK-000002',
		   `pdftotext exit ${txt.status} ${txt.stderr ?? ''}\n${text}`);
		ok(count(UNIT_NAME) === 2, `the school's name "${UNIT_NAME}" is on both labels, intact`, text);
	}

	// 2d. The librarian corrects the record with the short form (the "Sửa" link of the record
	// page), finds it by its new title typed without diacritics, then adds a subject in the full
	// MARC21 form: "add field" shows the form again with an empty row (no script needed), Save
	// writes it, and the MARC view shows the line.
	await page.goto(`${base}${recordPath}`);
	await Promise.all([page.waitForURL((u) => u.pathname === `${recordPath}/edit`),
	                   page.click(`main a[href="${recordPath}/edit"]`)]);
	ok((await page.inputValue('#title')) === 'Tiếng Việt 5', 'the edit form is filled with the record', await page.inputValue('#title'));
	await axeCheck(page, 'the edit form');
	await page.fill('#title', 'Tiếng Việt 5 tập hai');
	await Promise.all([page.waitForURL((u) => u.pathname === recordPath),
	                   page.click(`form[action="${recordPath}/edit"] button[type="submit"]`)]);
	ok((await page.innerText('main')).includes(t('vi', 'ok.biblio.edited')), 'the record says the edit was saved',
	   await page.innerText('main'));
	await page.goto(`${base}/catalog?q=${encodeURIComponent('tieng viet 5 tap hai')}`);
	const edited = await page.locator('main table tbody a').evaluateAll((as) => as.map((a) => [a.getAttribute('href'), a.textContent.trim()]));
	ok(edited.some(([h, title]) => h === recordPath && title === 'Tiếng Việt 5 tập hai'),
	   'searching "tieng viet 5 tap hai" finds the edited title', JSON.stringify(edited));
	await page.goto(`${base}${recordPath}/marc`);
	await axeCheck(page, 'the MARC21 form');
	await page.fill('#new_tag', '650');
	// htmx sends the row buttons' forms and swaps the page's main part (without script they are
	// plain submits; tests/http/test_edit.py drives those).
	await page.evaluate(() => { window.sameDocument = true; });
	await page.click('button[name="action"][value="add_field"]');
	await page.locator('table.marc input[name^="t"][value="650"]').first().waitFor({ timeout: 5000 }).catch(() => {});
	ok(await page.evaluate(() => window.sameDocument === true), '"add field" is done by htmx, without reloading the page');
	const row = page.locator('tr', { has: page.locator('input[name^="t"][value="650"]') }).first();
	ok((await row.count()) === 1, '"add field" shows the form again with an empty 650 row', await page.innerText('main'));
	await page.screenshot({ path: path.join(OUT, 'marc.png'), fullPage: true });
	await row.locator('input[name^="v"]').first().fill('Tiếng Việt – Sách giáo khoa');
	await Promise.all([page.waitForURL((u) => u.pathname === `${recordPath}/marc/view`),
	                   page.locator('button[name="action"][value="save"]').first().click()]);
	const lines = await page.innerText('main pre');
	ok(lines.includes('245 00 $a Tiếng Việt 5 tập hai') && lines.includes('650 ## $a Tiếng Việt – Sách giáo khoa'),
	   'the MARC view shows the edited title and the new subject', lines);
	await axeCheck(page, 'the MARC view');

	// 2e. A class list arrives from the school's records: 40 students of 5A9 in a CSV saved as
	// "CSV UTF-8" (with the BOM Excel writes), Vietnamese headers, an STT column the import does
	// not need. The librarian uploads it, checks the guessed mapping and the preview, commits,
	// and finds the 40 readers with the list's class filter.
	const students = classList();
	const csvFile = path.join(tmp, 'danh-sach-lop-5A9.csv');
	fs.writeFileSync(csvFile, '\uFEFF' + ['STT,Mã học sinh,Họ và tên,Ngày sinh,Giới tính,Lớp',
		...students.map((s, i) => `${i + 1},${s.code},${s.name},${s.birth},${s.gender},${CLASS}`)].join('\r\n') + '\r\n');
	const reader = students[6];
	await page.goto(`${base}/patrons`);
	await Promise.all([page.waitForURL((u) => u.pathname === '/patrons/import'),
	                   page.click('main a[href="/patrons/import"]')]);
	await axeCheck(page, 'the class list upload form');
	await page.setInputFiles('#file', csvFile);
	await page.click('form[action="/patrons/import"] button[type="submit"]');
	await page.locator('#n-read').waitFor();
	const mapped = async (field) => (await page.locator(`select[name="map_${field}"] option:checked`).innerText()).trim();
	const mapping = { full_name: await mapped('full_name'), student_code: await mapped('student_code'),
	                  birth_date: await mapped('birth_date'), gender: await mapped('gender'), class_name: await mapped('class_name') };
	ok(mapping.full_name === 'Họ và tên' && mapping.student_code === 'Mã học sinh' && mapping.birth_date === 'Ngày sinh' &&
	   mapping.gender === 'Giới tính' && mapping.class_name === 'Lớp',
	   'the preview maps the Vietnamese headers to the readers\' fields', JSON.stringify(mapping));
	const count = async (id) => (await page.locator(`#${id}`).innerText()).trim();
	ok(await count('n-read') === '40' && await count('n-created') === '40' && await count('n-errors') === '0',
	   'the preview reads 40 rows: 40 readers to create, no errors',
	   `read ${await count('n-read')}, create ${await count('n-created')}, errors ${await count('n-errors')}`);
	ok((await page.innerText('main')).includes(reader.name), `the preview lists ${reader.name}`);
	await page.screenshot({ path: path.join(OUT, 'patrons-import.png'), fullPage: true });
	await axeCheck(page, 'the class list preview');
	await Promise.all([page.waitForURL((u) => u.pathname === '/patrons/import/commit'),
	                   page.click('form[action="/patrons/import/commit"] button[type="submit"]')]);
	ok(await count('n-created') === '40' && await count('n-updated') === '0' && await count('n-errors') === '0' &&
	   (await page.innerText('main')).includes(t('vi', 'pimport.written')),
	   'the import says 40 readers created', await page.innerText('main'));
	await axeCheck(page, 'the class list import result');
	await page.goto(`${base}/patrons`);
	await page.selectOption('main select[name="class"]', CLASS);
	await Promise.all([page.waitForURL((u) => u.searchParams.get('class') === CLASS),
	                   page.click('main form[action="/patrons"] button[type="submit"]')]);
	const listed = await page.locator('main table tbody tr').evaluateAll((trs) => trs.map((tr) =>
		[tr.cells[1]?.querySelector('a')?.textContent.trim(), tr.cells[2]?.textContent.trim(), tr.cells[3]?.textContent.trim()]));
	ok(listed.length === 40 && listed.every(([, , c]) => c === CLASS) &&
	   students.every((s) => listed.some(([n, code]) => n === s.name && code === s.code)),
	   `the readers list filtered by class ${CLASS} shows the 40 students, card number = student code`,
	   JSON.stringify(listed.slice(0, 5)) + ` ... (${listed.length} rows)`);
	ok((await page.innerText('main')).includes(`40 ${t('vi', 'patron.count')}`), 'the list counts 40 readers');
	await axeCheck(page, 'the readers list of a class');

	// 2f. Their cards: the cards form, class 5A9, the default grid of 2 x 5 cards a sheet. The
	// form opens the PDF in a new tab; the test sends the request the form makes, with the page's
	// cookies, and reads the PDF back: 4 pages, the students' names and card numbers on them.
	await page.goto(`${base}/patrons/cards`);
	const classOption = (await page.locator(`main select[name="class"] option[value="${CLASS}"]`).innerText().catch(() => '')).trim();
	ok(classOption === `${CLASS} (40)`, `the cards form offers class ${CLASS} with its 40 readers`, classOption);
	await page.selectOption('main select[name="class"]', CLASS);
	await axeCheck(page, 'the cards form');
	const cardsHref = await page.evaluate(() => {
		const f = document.querySelector('form[action="/patrons/cards.pdf"]');
		return f.getAttribute('action') + '?' + new URLSearchParams(new FormData(f)).toString();
	});
	const cardsUrl = new URL(cardsHref, base);
	ok(cardsUrl.searchParams.get('class') === CLASS, `the form asks for the cards of ${CLASS}`, cardsHref);
	const cardsRes = await page.request.get(cardsUrl.href);
	const cardsPdf = await cardsRes.body();
	ok(cardsRes.status() === 200 && cardsRes.headers()['content-type'] === 'application/pdf' &&
	   cardsPdf.subarray(0, 5).toString('latin1') === '%PDF-',
	   'the cards form answers a PDF', `${cardsRes.status()} ${cardsRes.headers()['content-type']} ${cardsPdf.subarray(0, 60)}`);
	const cardsFile = path.join(tmp, 'cards-5A9.pdf');
	fs.writeFileSync(cardsFile, cardsPdf);
	const info = spawnSync('pdfinfo', [cardsFile], { encoding: 'utf8' });
	const pages = Number(/^Pages:\s+(\d+)/m.exec(info.stdout || '')?.[1]);
	ok(info.status === 0 && pages === 4, '40 cards on the default 2 x 5 grid are 4 A4 pages',
	   `pdfinfo exit ${info.status} ${info.stderr ?? ''}\n${info.stdout}`);
	const cardsTxt = spawnSync('pdftotext', ['-enc', 'UTF-8', cardsFile, '-'], { encoding: 'utf8' });
	const cardsText = (cardsTxt.stdout || '').normalize('NFC').replace(/\s+/g, ' ');
	ok(cardsTxt.status === 0 && cardsText.includes(reader.name) && cardsText.includes(reader.code),
	   `${reader.name}'s card, with card number ${reader.code}, is in the PDF`, cardsText.slice(0, 2000));
	const missing = students.filter((s) => !cardsText.includes(s.name)).map((s) => s.name);
	ok(missing.length === 0, 'every student of the class has a card', missing.join(', '));

	// 2g. Three books for the desk: children's and reference books (lendable to students), one
	// copy each, through the short cataloguing form; their barcodes read from the record page.
	const books = [
		{ title: 'Dế Mèn phiêu lưu ký', authors: 'Tô Hoài', type: 'TN' },
		{ title: 'Hoàng tử bé', authors: 'Antoine de Saint-Exupéry', type: 'TN' },
		{ title: 'Mười vạn câu hỏi vì sao: Vũ trụ', authors: 'Lý Tuấn', type: 'STK' },
	];
	for (const b of books) {
		await page.goto(`${base}/catalog/new`);
		await page.fill('#title', b.title);
		await page.fill('#authors', b.authors);
		await page.selectOption('#doc_type', b.type);
		await page.fill('#year', '2023');
		await page.fill('#price', '45000');
		await page.fill('#copies', '1');
		await Promise.all([page.waitForURL((u) => /^\/catalog\/\d+$/.test(u.pathname)),
		                   page.click('form[action="/catalog"] button[type="submit"]')]);
		const codes = await page.locator('main table tbody tr td:nth-child(2) code').allInnerTexts();
		b.barcode = codes.length === 1 ? codes[0].trim() : '';
		ok(b.barcode.startsWith(b.type), `"${b.title}" is catalogued with one ${b.type} copy`, JSON.stringify(codes));
	}

	// 2h. At the desk the librarian types the student's card number and Enter: the reader comes
	// up (htmx, in place); then each barcode and Enter lends the copy. After every answer the
	// scan field has the focus again (static/app.js), so the next code is typed straight away.
	await page.goto(`${base}/circ`);
	await axeCheck(page, 'the lending desk');
	const focused = () => page.evaluate(() => document.activeElement?.id === 'circ-code');
	ok(await focused(), 'the desk opens with the focus in the scan field');
	await deskScan(page, reader.code);
	const readerBox = page.locator(`#circ-reader[data-patron="${reader.code}"]`);
	ok((await readerBox.count()) === 1 && (await readerBox.locator('h2').innerText()).includes(reader.name),
	   `typing the card number ${reader.code} loads ${reader.name}`, await page.innerText('#desk'));
	ok((await page.innerText('#circ-loans')).includes(t('vi', 'circ.no_loans')), 'the reader has no loans yet',
	   await page.innerText('#circ-loans').catch(() => ''));
	for (const [i, b] of books.entries()) {
		ok(await focused(), `the scan field has the focus for barcode ${i + 1}`);
		await deskScan(page, b.barcode);
		const msg = page.locator('#circ-result');
		const text = await msg.innerText().catch(() => '');
		ok((await msg.getAttribute('class').catch(() => '')) === 'circ-msg ok' &&
		   (await msg.getAttribute('data-key').catch(() => '')) === 'circ.ok.checkout' &&
		   text.includes(b.title) && text.includes(b.barcode) && text.includes(reader.name),
		   `${b.barcode} is lent: a green message names the book and the reader`, text || await page.innerText('#desk'));
		const rows = await page.locator('#circ-loans tbody tr').count();
		ok(rows === i + 1, `the reader's loans list shows ${i + 1} loan${i ? 's' : ''}`, await page.innerText('#circ-loans'));
	}
	const loanCodes = await page.locator('#circ-loans tbody td:nth-child(2) code').allInnerTexts();
	ok(books.every((b) => loanCodes.includes(b.barcode)), 'the three barcodes are on the reader\'s loans list', loanCodes.join(', '));
	await page.screenshot({ path: path.join(OUT, 'desk.png'), fullPage: true });
	await axeCheck(page, 'the desk with a reader and three loans');

	// 2i. One book comes back: "another reader" empties the desk, the barcode typed with nobody
	// loaded is a return; the reader's desk view and page then count two loans.
	await Promise.all([page.waitForURL((u) => u.pathname === '/circ' && !u.search),
	                   page.click(`#circ-reader a[href="/circ"]:has-text("${t('vi', 'circ.next_reader')}")`)]);
	ok((await page.locator('#circ-reader').count()) === 0 && await focused(),
	   `"${t('vi', 'circ.next_reader')}" empties the desk, ready for a scan`);
	const back = books[1];
	await deskScan(page, back.barcode);
	const retMsg = page.locator('#circ-result');
	const retText = await retMsg.innerText().catch(() => '');
	ok((await retMsg.getAttribute('class').catch(() => '')) === 'circ-msg ok' &&
	   (await retMsg.getAttribute('data-key').catch(() => '')) === 'circ.ok.return' &&
	   retText.includes(back.title) && retText.includes(reader.name),
	   `${back.barcode} typed with no reader loaded is returned from ${reader.name}`, retText || await page.innerText('#desk'));
	await page.screenshot({ path: path.join(OUT, 'desk-return.png'), fullPage: true });
	await axeCheck(page, 'the desk after a return');
	await page.goto(`${base}/circ?patron=${encodeURIComponent(reader.code)}`);
	const left = await page.locator('#circ-loans tbody td:nth-child(2) code').allInnerTexts();
	ok(left.length === 2 && !left.includes(back.barcode) && left.includes(books[0].barcode) && left.includes(books[2].barcode),
	   `the desk now shows ${reader.name} with two loans`, left.join(', '));
	await page.goto(`${base}/patrons?q=${encodeURIComponent(reader.code)}`);
	await Promise.all([page.waitForURL((u) => /^\/patrons\/\d+$/.test(u.pathname)),
	                   page.click(`main table tbody a:has-text("${reader.name}")`)]);
	const open = (await page.locator('#open-loans').innerText().catch(() => '')).trim();
	ok(open === '2', `${reader.name}'s page says 2 books on loan`, await page.innerText('main'));
	await axeCheck(page, 'a reader\'s page');

	// 3. The logout button ends the session and shows the login page again.
	await Promise.all([page.waitForURL((u) => u.pathname === '/login'), page.click('form[action="/logout"] button')]);
	ok(new URL(page.url()).pathname === '/login', 'logout leads to /login', page.url());
	const h1Again = (await page.textContent('h1'))?.trim();
	ok(vi.has('login.title') && h1Again === vi.get('login.title'), 'login page shown again after logout', `h1: ${JSON.stringify(h1Again)}`);
	const cookies = await context.cookies(base);
	ok(!cookies.some((c) => c.name === 'tv_session' && c.value), 'session cookie cleared', JSON.stringify(cookies));
	await page.goto(`${base}/`);
	ok(new URL(page.url()).pathname === '/login', 'after logout / redirects to the login page again', page.url());

	// 4. The language button switches the login page to English.
	const langButton = page.locator('form[action="/lang"] button');
	ok((await langButton.innerText()).trim() === 'English', 'the language button says "English"', await langButton.innerText());
	await Promise.all([page.waitForLoadState('load'), page.waitForResponse((r) => r.url().endsWith('/lang')), langButton.click()]);
	await page.waitForFunction(() => document.documentElement.lang === 'en');
	ok(new URL(page.url()).pathname === '/login', 'after switching language the login page is shown again', page.url());
	ok((await page.getAttribute('html', 'lang')) === 'en', 'login page is now <html lang="en">');
	const enH1 = (await page.textContent('h1'))?.trim();
	ok(en.has('login.title') && enH1 === en.get('login.title'), 'login heading is en.txt login.title',
	   `got ${JSON.stringify(enH1)}, want ${JSON.stringify(en.get('login.title'))}`);
	const submit = (await page.innerText('form[action="/login"] button[type="submit"]')).trim();
	ok(en.has('login.submit') && submit === en.get('login.submit'), 'login button is en.txt login.submit',
	   `got ${JSON.stringify(submit)}`);
	ok((await page.locator('form[action="/lang"] button').innerText()).trim() === 'Tiếng Việt',
	   'the language button now offers "Tiếng Việt"');
	await axeCheck(page, 'the login page (en)');
	checkProblems();
}

await run(main);
