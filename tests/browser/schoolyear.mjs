#!/usr/bin/env node
// schoolyear.mjs: one school year of TH001's paperwork in a real browser (issue 7), then every
// register printed. On a fresh demo city:
//   1. the librarian enters the existing stock of the paper register by uploading a CSV in the
//      register's own columns on /stock/opening (preview, then commit): numbers 1-6 of STK, with
//      their old dates and general-register numbers 1 and 2;
//   2. two intake batches (a purchase and a gift, with their vouchers) on /acquisitions, each with
//      records and copies; the next accession numbers follow the paper register (7, 8, ...);
//   3. two loans at the desk;
//   4. a whole-library stocktake on the stocktake page: every copy on the shelf typed into the scan
//      input but two; the two on loan are counted present; closing it finds exactly 2 missing;
//   5. the librarian proposes a weeding batch of the two missing copies (reason Mất); the principal
//      (bgh.th001) approves it on the page with a decision number;
//   6. every register is downloaded as PDF and XLSX: its text read with pdftotext (the school, the
//      title, a known number, "đã thanh lọc" with the decision number in the ĐKCB register, the
//      part III line), its cells with openpyxl; `thuvien check` finds nothing wrong.
// Screenshots in tests/out/: the closed stocktake on a phone (schoolyear-stocktake-phone.png), the
// registers page, and the first page of the ĐKCB register rendered from its PDF by pdftoppm
// (schoolyear-dkcb.png).
//
//   node tests/browser/schoolyear.mjs     (from the repository root, after `make` and `npm ci`)

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { BIN, OUT, axeCheck, checkProblems, db, ok, openBrowser, password, run, sleep, startServer, tmp } from './lib.mjs';

const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const DECISION = '07/QĐ-TH001';

async function login(page, base, username) {
	await page.goto(`${base}/login`);
	await page.fill('#username', username);
	await page.fill('#password', password);
	await Promise.all([page.waitForURL((u) => u.pathname !== '/login'),
	                   page.click('form[action="/login"] button[type="submit"]')]);
}

async function logout(page) {
	await Promise.all([page.waitForNavigation(), page.click('form[action="/logout"] button[type="submit"]')]);
}

/* A POST as the page's user, with its CSRF token, answered as JSON. */
async function post(page, base, url, form) {
	const csrf = await page.evaluate(() => document.querySelector('meta[name="csrf-token"]')?.content);
	const res = await page.request.post(base + url, { form: { csrf, ...form }, headers: { Accept: 'application/json' } });
	return { status: res.status(), body: await res.json().catch(() => null) };
}

/* Open every <details> of the page, as a user clicking its summary would before filling it. */
async function openAll(page) {
	await page.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
}

async function getJson(page, base, url) {
	const res = await page.request.get(base + url, { headers: { Accept: 'application/json' } });
	return { status: res.status(), body: await res.json().catch(() => null) };
}

function sql(q) {
	const p = spawnSync('sqlite3', ['-json', db, q], { encoding: 'utf8' });
	return p.stdout.trim() ? JSON.parse(p.stdout) : [];
}

function pdfText(file) {
	return spawnSync('pdftotext', [file, '-'], { encoding: 'utf8' }).stdout;
}

function pdfPages(file) {
	const m = /Pages:\s+(\d+)/.exec(spawnSync('pdfinfo', [file], { encoding: 'utf8' }).stdout);
	return m ? Number(m[1]) : 0;
}

/* Every sheet of a workbook as typed cells, read by openpyxl (Debian's python3-openpyxl). */
function xlsxRead(file) {
	const code = `
import datetime, json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1], data_only=True)
def v(x):
    if isinstance(x, datetime.datetime): return {"date": x.date().isoformat()}
    return x
print(json.dumps([{"name": ws.title, "rows": [[v(c.value) for c in r] for r in ws.iter_rows()]} for ws in wb.worksheets]))`;
	const p = spawnSync('/usr/bin/python3', ['-c', code, file], { encoding: 'utf8' });
	return p.status === 0 ? JSON.parse(p.stdout) : null;
}

async function download(page, base, url, file) {
	const res = await page.request.get(base + url);
	const body = await res.body();
	fs.writeFileSync(file, body);
	return { status: res.status(), type: res.headers()['content-type'] ?? '', size: body.length };
}

async function main() {
	const base = await startServer();
	if (!base)
		return;
	const { context, page } = await openBrowser({ viewport: { width: 1280, height: 900 } });
	fs.mkdirSync(OUT, { recursive: true });
	const th1 = sql("SELECT id FROM units WHERE code = 'TH001'")[0].id;

	/* 1. The existing stock, in the paper register's columns. */
	await login(page, base, 'thuthu.th001');
	const csv = [
		'Ngày vào sổ,Số ĐKCB,Tên sách,Tác giả,Nơi XB,Nhà XB,Năm XB,Giá tiền,Số vào sổ tổng quát,Môn loại,Ghi chú',
		'12/09/2019,1,Dế Mèn phiêu lưu ký,Tô Hoài,Hà Nội,Kim Đồng,2018,45000,1,895.9223,',
		'12/09/2019,2,Dế Mèn phiêu lưu ký,Tô Hoài,Hà Nội,Kim Đồng,2018,45000,1,895.9223,',
		'12/09/2019,3,Đất rừng phương Nam,Đoàn Giỏi,TP. Hồ Chí Minh,Kim Đồng,2019,60000,1,895.9223,',
		'05/10/2020,4,Toán học vui,Nguyễn Cảnh Toàn,Hà Nội,Giáo dục,2020,32000,2,510,',
		'05/10/2020,5,Toán học vui,Nguyễn Cảnh Toàn,Hà Nội,Giáo dục,2020,32000,2,510,',
		'05/10/2020,6,Lịch sử Việt Nam bằng tranh,Trần Bạch Đằng,TP. Hồ Chí Minh,Trẻ,2017,25000,2,959.7,',
	].join('\r\n') + '\r\n';
	await page.goto(`${base}/stock/opening`);
	await page.setInputFiles('form[action="/stock/opening/import"] input[type="file"]',
	                         { name: 'so-dkcb-cu.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
	await page.selectOption('#kind2', 'STK');
	await Promise.all([page.waitForNavigation(), page.click('form[action="/stock/opening/import"] button[type="submit"]')]);
	const preview = await page.textContent('main');
	ok(/Dế Mèn phiêu lưu ký/.test(preview) && (await page.locator('form[action="/stock/opening/commit"]').count()) === 1,
	   'the existing stock previews with a commit button', preview.slice(0, 600));
	await Promise.all([page.waitForNavigation(), page.click('form[action="/stock/opening/commit"] button[type="submit"]')]);
	const opening = sql(`SELECT COUNT(*) AS n, MAX(accession_no) AS hi FROM items WHERE unit_id = ${th1} AND register = 'STK'`)[0];
	ok(opening.n === 6 && opening.hi === 6, 'six copies of the paper register entered with their numbers', JSON.stringify(opening));
	const legacy = sql(`SELECT number, received FROM acquisitions WHERE unit_id = ${th1} AND legacy = 1 ORDER BY number`);
	ok(JSON.stringify(legacy) === JSON.stringify([{ number: 1, received: '2019-09-12' }, { number: 2, received: '2020-10-05' }]),
	   'the paper register\'s general-register lines 1 and 2 with their days', JSON.stringify(legacy));

	/* 2. Two intake batches this year, with their vouchers. */
	const batches = [];
	for (const [source, voucher, supplier, books] of [
		['purchase', 'HĐ 0012345', 'Nhà sách Fahasa', [['Tuổi thơ dữ dội', 'Phùng Quán', 3], ['Kính vạn hoa', 'Nguyễn Nhật Ánh', 2]]],
		['gift', 'BB 03/2026', 'Hội Cha mẹ học sinh', [['Hoàng tử bé', 'Antoine de Saint-Exupéry', 2]]],
	]) {
		await page.goto(`${base}/acquisitions`);
		await page.click('details:has(form[action="/acquisitions"]) summary');
		await page.selectOption('select[name="source"]', source);
		await page.fill('input[name="doc_number"]', voucher);
		await page.fill('input[name="supplier"]', supplier);
		await Promise.all([page.waitForNavigation(), page.click('form[action="/acquisitions"] button[type="submit"]')]);
		const id = Number(/\/acquisitions\/(\d+)/.exec(page.url())?.[1]);
		batches.push(id);
		for (const [title, authors, copies] of books) {
			const r = await post(page, base, '/catalog', { title, authors, doc_type: 'STK', price: '52000',
			                                                 class_number: '895.9223', acquisition_id: String(id), copies: String(copies) });
			ok(r.status === 201, `«${title}» catalogued with ${copies} copies in batch ${voucher}`, JSON.stringify(r));
		}
	}
	const acc = sql(`SELECT accession_no AS n FROM items WHERE unit_id = ${th1} AND register = 'STK' ORDER BY accession_no`).map((r) => r.n);
	ok(JSON.stringify(acc) === JSON.stringify([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]),
	   'the new copies continue the paper register: 7 to 13', JSON.stringify(acc));
	const tq = sql(`SELECT number FROM acquisitions WHERE id IN (${batches.join(',')}) ORDER BY number`).map((r) => r.number);
	ok(JSON.stringify(tq) === '[3,4]', 'the two batches are lines 3 and 4 of the general register', JSON.stringify(tq));

	/* 3. Two loans at the desk. */
	const copies = sql(`SELECT i.id, i.barcode, i.accession_no FROM items i WHERE i.unit_id = ${th1} ORDER BY i.accession_no`);
	const card = sql(`SELECT code AS card_no FROM patrons WHERE unit_id = ${th1} AND kind = 'student' AND status = 'active' ORDER BY id LIMIT 1`)[0].card_no;
	for (const c of [copies[7], copies[8]]) {
		const r = await post(page, base, '/circ/checkout', { patron: card, item: c.barcode });
		ok(r.status === 200 || r.status === 201, `copy ${c.barcode} lent to ${card}`, JSON.stringify(r));
	}

	/* 4. The stocktake: everything on the shelf scanned but copies 4 and 11. */
	await page.goto(`${base}/stocktakes`);
	await page.fill('form.stocktake-new input[name="note"]', 'Kiểm kê cuối năm học');
	await Promise.all([page.waitForNavigation(), page.click('form.stocktake-new button[type="submit"]')]);
	const stId = Number(/\/stocktakes\/(\d+)/.exec(page.url())?.[1]);
	const missingAcc = [4, 11];
	const onShelf = copies.filter((c) => !missingAcc.includes(c.accession_no) && c.accession_no !== 8 && c.accession_no !== 9);
	for (const c of onShelf) {
		await page.fill('#barcode', c.barcode);
		await page.press('#barcode', 'Enter');
		await sleep(50);
	}
	const seen = await (async () => {
		for (let i = 0; i < 150; i++) {
			const r = await getJson(page, base, `/stocktakes/${stId}`);
			if (r.body && r.body.found === onShelf.length)
				return r.body;
			await sleep(100);
		}
		return (await getJson(page, base, `/stocktakes/${stId}`)).body;
	})();
	ok(seen && seen.found === onShelf.length && seen.on_loan === 2 && seen.unknown === 0,
	   `the page sent every scan: ${onShelf.length} found, 2 on loan`, JSON.stringify(seen));
	await page.reload();
	await page.click('details:has(form[action$="/close"]) summary');
	await page.fill('form[action$="/close"] textarea[name="members"]', 'Nguyễn Thị Thư (thủ thư), Trần Văn Hùng (phó hiệu trưởng)');
	await Promise.all([page.waitForNavigation(), page.click('form[action$="/close"] button[type="submit"]')]);
	const closed = (await getJson(page, base, `/stocktakes/${stId}`)).body;
	ok(closed && closed.status === 'closed' && closed.missing === 2 && closed.found === onShelf.length && closed.on_loan === 2,
	   'closing finds exactly the two copies not scanned missing', JSON.stringify(closed));
	const balance = sql(`SELECT in_copies, out_copies, on_hand_copies FROM stock_balances WHERE unit_id = ${th1}`);
	ok(balance.length === 1 && balance[0].on_hand_copies === 13, 'part III has its line: 13 copies on hand', JSON.stringify(balance));

	/* The closed stocktake on a phone. */
	{
		const phone = await context.browser().newContext({ ...PHONE, storageState: await context.storageState() });
		const p = await phone.newPage();
		await p.goto(`${base}/stocktakes/${stId}`);
		await p.screenshot({ path: path.join(OUT, 'schoolyear-stocktake-phone.png'), fullPage: true });
		const wide = await p.evaluate(() => document.documentElement.scrollWidth);
		ok(wide <= 360, 'the stocktake page fits a 360 px phone', `scrollWidth ${wide}`);
		await phone.close();
	}

	/* 5. Weeding: the two missing copies, proposed by the librarian, approved by the principal. */
	await page.goto(`${base}/withdrawals`);
	await openAll(page);
	await page.fill('form[action="/withdrawals"] input[name="title"]', 'Thanh lọc sách mất sau kiểm kê');
	await Promise.all([page.waitForNavigation(), page.click('form[action="/withdrawals"] button[type="submit"]')]);
	const wdId = Number(/\/withdrawals\/(\d+)/.exec(page.url())?.[1]);
	const lost = copies.filter((c) => missingAcc.includes(c.accession_no));
	await openAll(page);
	await page.fill('textarea[name="barcodes"]', lost.map((c) => c.barcode).join('\n'));
	await page.selectOption('form:has(textarea[name="barcodes"]) select[name="reason"]', 'MAT');
	await Promise.all([page.waitForNavigation(), page.click('form:has(textarea[name="barcodes"]) button[type="submit"]')]);
	await Promise.all([page.waitForNavigation(), page.click(`form[action="/withdrawals/${wdId}/propose"] button[type="submit"]`)]);
	await logout(page);
	await login(page, base, 'bgh.th001');
	await page.goto(`${base}/withdrawals/${wdId}`);
	await openAll(page);
	await page.fill(`form[action="/withdrawals/${wdId}/approve"] input[name="decision_no"]`, DECISION);
	await Promise.all([page.waitForNavigation(), page.click(`form[action="/withdrawals/${wdId}/approve"] button[type="submit"]`)]);
	const wd = sql(`SELECT status, number, decision_no FROM withdrawals WHERE id = ${wdId}`)[0];
	ok(wd && wd.status === 'approved' && wd.number === 1 && wd.decision_no === DECISION,
	   'the principal approved the weeding: line 1 of part II', JSON.stringify(wd));
	const gone = sql(`SELECT COUNT(*) AS n FROM items WHERE unit_id = ${th1} AND status = 'withdrawn' AND withdrawal_id = ${wdId}`)[0].n;
	ok(gone === 2, 'both copies withdrawn, their lines kept', String(gone));
	await logout(page);
	await login(page, base, 'thuthu.th001');

	/* 6. Every register, on the page and printed. */
	await page.goto(`${base}/registers`);
	await axeCheck(page, 'the registers page');
	await page.screenshot({ path: path.join(OUT, 'schoolyear-registers.png'), fullPage: true });
	const kinds = {
		tongquat: ['SỔ ĐĂNG KÝ TỔNG QUÁT', 'HĐ 0012345', DECISION],
		dkcb: ['SỔ ĐĂNG KÝ CÁ BIỆT', 'Dế Mèn phiêu lưu ký', 'đã thanh lọc', DECISION],
		sgk: ['SÁCH GIÁO KHOA'],
		baochi: ['BÁO'],
		muon: ['MƯỢN'],
		doctaicho: ['TẠI CHỖ'],
	};
	for (const [kind, words] of Object.entries(kinds)) {
		const q = kind === 'dkcb' ? '?register=STK&school_year=all&format=' : '?school_year=all&format=';
		const pdf = path.join(tmp, `${kind}.pdf`);
		const r = await download(page, base, `/registers/${kind}${q}pdf`, pdf);
		const text = r.status === 200 ? pdfText(pdf) : '';
		/* A cell wraps within its column: compare without the spaces and line breaks. */
		const flat = text.replace(/\s+/g, '');
		const missing = words.filter((w) => !flat.includes(w.replace(/\s+/g, '')));
		ok(r.status === 200 && r.type.startsWith('application/pdf') && pdfPages(pdf) >= 1 && missing.length === 0 &&
		   /TRƯỜNG/i.test(text),
		   `the ${kind} register prints (${pdfPages(pdf)} pages)`, `status ${r.status}; missing ${JSON.stringify(missing)}\n${text.slice(0, 800)}`);
		const xl = path.join(tmp, `${kind}.xlsx`);
		const rx = await download(page, base, `/registers/${kind}${q}xlsx`, xl);
		const book = rx.status === 200 ? xlsxRead(xl) : null;
		ok(book && book.length >= 1, `the ${kind} register downloads as a workbook openpyxl reads`, `status ${rx.status}`);
		if (kind === 'dkcb' && book) {
			const rows = book.flatMap((s) => s.rows);
			const line = rows.find((row) => row.includes(11) || row.includes('11'));
			ok(line && line.some((c) => typeof c === 'string' && c.includes('đã thanh lọc') && c.includes(DECISION)) &&
			   line.some((c) => c && typeof c === 'object' && c.date),
			   'copy 11 keeps its line in the ĐKCB workbook, noted "đã thanh lọc" with the decision, its day a date',
			   JSON.stringify(line));
		}
		if (kind === 'dkcb') {
			const png = path.join(OUT, 'schoolyear-dkcb');
			const p = spawnSync('pdftoppm', ['-png', '-r', '80', '-f', '2', '-l', '2', '-singlefile', pdf, png]);
			ok(p.status === 0 && fs.existsSync(`${png}.png`), 'the ĐKCB register\'s first page rendered to tests/out/schoolyear-dkcb.png',
			   String(p.stderr));
		}
	}

	/* What the registers rest on holds. */
	const chk = spawnSync(BIN, ['--db', db, 'check'], { encoding: 'utf8' });
	ok(chk.status === 0, 'thuvien check finds nothing wrong after the year', chk.stdout + chk.stderr);
	checkProblems();
}

run(main);
