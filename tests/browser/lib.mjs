// lib.mjs: what every browser test shares: its own thuvien server on a fresh SQLite demo
// database and a free port, Debian's Chromium headless through playwright-core with every console
// error, CSP violation and failed request collected, axe-core's WCAG 2.1 A/AA check of a page, and
// the `ok N - name` / `browser: N passed, M failed` reporting.
//
// Environment: THUVIEN_BIN (default build/thuvien), CHROMIUM (default /usr/bin/chromium),
// KEEP_TMP=1 keeps the temporary directory (database, server log, browser profile).

import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.resolve(process.env.THUVIEN_BIN || path.join(ROOT, 'build/thuvien'));
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const OUT = path.join(ROOT, 'tests/out');
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

let passed = 0;
let failed = 0;
export function ok(cond, name, detail) {
	if (cond) {
		passed++;
		console.log(`ok ${passed + failed} - ${name}`);
	} else {
		failed++;
		console.log(`not ok ${passed + failed} - ${name}`);
		if (detail !== undefined)
			for (const line of String(detail).split('\n'))
				console.log(`#   ${line}`);
	}
	return cond;
}

/* i18n/*.txt: `key = text` lines, # comments (src/base/i18n.c reads the same format). */
export function readI18n(lang) {
	const map = new Map();
	const text = fs.readFileSync(path.join(ROOT, 'i18n', `${lang}.txt`), 'utf8');
	for (const raw of text.split('\n')) {
		const line = raw.trim();
		if (!line || line.startsWith('#'))
			continue;
		const eq = line.indexOf('=');
		if (eq > 0)
			map.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
	}
	return map;
}
export const vi = readI18n('vi');
export const en = readI18n('en');
/* The text a key shows in a language: en falls back to vi, a key missing everywhere shows itself. */
export const t = (lang, key) => (lang === 'en' && en.has(key) ? en.get(key) : vi.get(key) ?? key);

export function freePort() {
	return new Promise((resolve, reject) => {
		const s = net.createServer();
		s.on('error', reject);
		s.listen(0, '127.0.0.1', () => {
			const { port } = s.address();
			s.close(() => resolve(port));
		});
	});
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/* The environment for the server: no THUVIEN_* settings of the caller's leak in. */
export function serverEnv() {
	const env = {};
	for (const [k, v] of Object.entries(process.env))
		if (!k.startsWith('THUVIEN_'))
			env[k] = v;
	return env;
}

export const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'thuvien-browser-'));
export const db = path.join(tmp, 'thuvien.db');
export const password = 'Demo-' + randomBytes(9).toString('base64url');
let server = null;
let serverExit = null;
let context = null;
let serverLog = '';
export const counts = () => ({ passed, failed });

export async function startServer() {
	const demo = spawnSync(BIN, ['--db', db, 'demo', '--password', password],
	                       { cwd: tmp, env: serverEnv(), encoding: 'utf8' });
	if (!ok(demo.status === 0, 'demo city created in a fresh database',
	        `${BIN} demo: exit ${demo.status}\n${demo.error ?? ''}${demo.stderr}`))
		return null;
	const port = await freePort();
	const base = `http://127.0.0.1:${port}`;
	server = spawn(BIN, ['--db', db, 'serve', '--listen', `127.0.0.1:${port}`],
	               { cwd: tmp, env: serverEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
	server.stdout.on('data', (d) => (serverLog += d));
	server.stderr.on('data', (d) => (serverLog += d));
	server.on('exit', (code, sig) => (serverExit = { code, sig }));
	let healthy = false;
	for (let i = 0; i < 100 && !serverExit && !healthy; i++) {
		try {
			const res = await fetch(`${base}/healthz`);
			healthy = res.status === 200 && (await res.json()).status === 'ok';
		} catch {
			await sleep(100);
		}
	}
	if (!ok(healthy, `server answers /healthz on ${base}`,
	        serverExit ? `server exited: ${JSON.stringify(serverExit)}\n${serverLog}` : serverLog))
		return null;
	return base;
}

export async function stopServer() {
	if (!server || serverExit)
		return;
	server.kill('SIGTERM');
	for (let i = 0; i < 150 && !serverExit; i++)
		await sleep(100);
	ok(serverExit && serverExit.code === 0, 'server stops cleanly on SIGTERM',
	   serverExit ? JSON.stringify(serverExit) : 'still running after 15 s');
	if (!serverExit)
		server.kill('SIGKILL');
}

/* axe-core, when package.json has it. It is evaluated through the DevTools protocol, which the
 * page's Content-Security-Policy does not apply to, so it cannot cause a CSP report itself. */
let axeSource = null;
try {
	const require = createRequire(path.join(ROOT, 'package.json'));
	axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
} catch {
	axeSource = null;
}

export async function axeCheck(page, what) {
	if (!axeSource)
		return;
	const found = await page.evaluate(async ([src, tags]) => {
		if (!window.axe)
			(0, eval)(src);
		const res = await window.axe.run(document, { runOnly: { type: 'tag', values: tags } });
		return res.violations.map((v) => ({
			id: v.id, impact: v.impact, help: v.help,
			nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ') + ': ' + n.failureSummary.replace(/\n\s*/g, ' ')),
		}));
	}, [axeSource, AXE_TAGS]);
	ok(found.length === 0, `axe-core: no WCAG 2.1 A/AA violations on ${what}`,
	   found.map((v) => `${v.id} (${v.impact}): ${v.help}\n  ${v.nodes.join('\n  ')}`).join('\n'));
}

/* Chromium with a persistent profile under the temporary directory; options are playwright's
 * (viewport, isMobile, ...). Collects what goes wrong in every page of the context; checkPage()
 * reports it at the end. */
const problems = { console: [], csp: [], requests: [] };
export async function openBrowser(options = {}) {
	const { chromium } = await import('playwright-core');
	const profile = path.join(tmp, `chromium-profile-${Date.now()}`);
	context = await chromium.launchPersistentContext(profile, {
		executablePath: CHROMIUM,
		headless: true,
		locale: 'vi-VN',
		viewport: { width: 1280, height: 800 },
		...options,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
		       '--disable-background-networking', '--disable-component-update', '--disable-sync'],
	});
	context.setDefaultTimeout(10000);
	await context.exposeBinding('__thuvienCSP', ({ page }, v) => problems.csp.push(`${page.url()}: ${v}`));
	await context.addInitScript(() => {
		document.addEventListener('securitypolicyviolation', (e) => {
			window.__thuvienCSP(`${e.violatedDirective} blocked ${e.blockedURI || '(inline)'}` +
			                    ` at ${e.sourceFile || ''}:${e.lineNumber || ''}`);
		});
	});
	const page = context.pages()[0] ?? (await context.newPage());
	page.on('console', (m) => {
		if (m.type() === 'error') {
			const where = m.location()?.url;
			problems.console.push(`on ${page.url()}: ${m.text()}${where && where !== page.url() ? ` [${where}]` : ''}`);
		}
		if (/Content Security Policy/i.test(m.text()))
			problems.csp.push(`${page.url()}: ${m.text()}`);
	});
	page.on('pageerror', (e) => problems.console.push(`${page.url()}: uncaught ${e.message}`));
	page.on('requestfailed', (req) => problems.requests.push(`${req.url()}: ${req.failure()?.errorText}`));
	page.on('response', (res) => {
		if (res.status() >= 400 && !expected4xx.some((re) => re.test(res.url())))
			problems.requests.push(`${res.url()}: HTTP ${res.status()}`);
	});
	return { context, page };
}

/* URLs whose 4xx answers a test provokes on purpose (not counted as failed requests). */
const expected4xx = [];
export function expectError(re) {
	expected4xx.push(re);
}

/* The three checks of everything collected since openBrowser. */
export function checkProblems() {
	ok(problems.console.length === 0, 'no console errors', problems.console.join('\n'));
	ok(problems.csp.length === 0, 'no Content-Security-Policy violations', problems.csp.join('\n'));
	ok(problems.requests.length === 0, 'no failed requests (network errors, HTTP 4xx/5xx)', problems.requests.join('\n'));
}

/* Run main, then stop everything, report, and exit with 1 when anything failed. */
export async function run(main) {
	let exitCode = 0;
	try {
		if (!fs.existsSync(BIN))
			ok(false, `thuvien binary at ${BIN}`, 'build it with `make` or set THUVIEN_BIN');
		else
			await main();
	} catch (e) {
		ok(false, 'the test ran to the end', e.stack || String(e));
	} finally {
		if (context)
			await context.close().catch(() => {});
		await stopServer();
		const errors = serverLog.split('\n').filter((l) => /\b(ERROR|FATAL)\b/.test(l));
		if (server)
			ok(errors.length === 0, 'server log has no errors', errors.join('\n'));
		if (failed && serverLog)
			console.log('# server log (last 20 lines):\n' + serverLog.trim().split('\n').slice(-20).map((l) => '#   ' + l).join('\n'));
		if (process.env.KEEP_TMP)
			console.log(`# kept ${tmp}`);
		else
			fs.rmSync(tmp, { recursive: true, force: true });
		if (!axeSource)
			console.log('# axe-core not installed: accessibility checks skipped');
		console.log(`browser: ${passed} passed, ${failed} failed`);
		exitCode = failed ? 1 : 0;
	}
	process.exit(exitCode);
}
