/* stocktake.js: the scanning page of a stocktake (templates/stocktake.html).
 *
 * Every scan goes into a local queue first (localStorage, keyed by the session), so a fast
 * scanner or a dropped connection loses nothing; the queue is sent in batches (up to 500
 * barcodes a request, with the CSRF header) and a batch leaves the queue only when the server
 * has answered it; a failed send keeps it and tries again. The server deduplicates, so sending a
 * batch twice (an answer lost on the way back) counts nothing twice. The page polls the
 * session's counts every few seconds. The input keeps the focus; results beep and colour. */
(function () {
	"use strict";
	var form = document.getElementById("scan-form");
	if (!form) return;
	var id = form.getAttribute("data-id");
	var key = "thuvien.stocktake." + id;
	var meta = document.querySelector('meta[name="csrf-token"]');
	var csrf = meta ? meta.getAttribute("content") : "";
	var input = document.getElementById("barcode");
	var qn = document.getElementById("queue-n");
	var net = document.getElementById("net");
	var last = document.getElementById("last");
	var sending = false, stopped = false, retry = null;

	function load() {
		try { return JSON.parse(localStorage.getItem(key) || "[]"); } catch (e) { return []; }
	}
	function save(q) { localStorage.setItem(key, JSON.stringify(q)); }
	function show() { qn.textContent = String(load().length); }
	function status(text, bad) {
		net.textContent = text;
		net.className = "net" + (bad ? " bad" : "");
	}

	var audio = null;
	function beep(result) {
		try {
			audio = audio || new (window.AudioContext || window.webkitAudioContext)();
			var o = audio.createOscillator(), g = audio.createGain();
			var good = result === "found" || result === "on_loan";
			o.frequency.value = good ? 1200 : 300;
			g.gain.value = 0.1;
			o.connect(g); g.connect(audio.destination);
			o.start(); o.stop(audio.currentTime + (good ? 0.08 : 0.35));
		} catch (e) { /* no sound: colours only */ }
		if (!(result === "found" || result === "on_loan") && navigator.vibrate) navigator.vibrate(200);
	}

	function addResult(r) {
		var li = document.createElement("li");
		li.className = "r-" + r.result;
		var code = document.createElement("code");
		code.textContent = r.barcode;
		li.appendChild(code);
		li.appendChild(document.createTextNode(" " + r.label + (r.title ? " · " + r.title : "") +
			(r.repeat ? " · ×" + r.scans : "")));
		last.insertBefore(li, last.firstChild);
		while (last.children.length > 12) last.removeChild(last.lastChild);
	}

	function later() {
		if (retry) return;
		retry = setTimeout(function () { retry = null; send(); }, 3000);
	}

	function send() {
		if (sending || stopped) return;
		var q = load();
		if (!q.length) { status("", false); return; }
		sending = true;
		var batch = q.slice(0, 500);
		var body = batch.map(function (b) { return "barcode=" + encodeURIComponent(b); }).join("&");
		fetch("/stocktakes/" + id + "/scans", {
			method: "POST", credentials: "same-origin", body: body,
			headers: { "Content-Type": "application/x-www-form-urlencoded", "X-CSRF-Token": csrf,
				"Accept": "application/json" }
		}).then(function (resp) {
			return resp.json().then(function (j) { return { s: resp.status, j: j }; },
				function () { return { s: resp.status, j: {} }; });
		}).then(function (x) {
			sending = false;
			if (x.s === 200) {
				var q2 = load();
				q2.splice(0, batch.length);
				save(q2);
				show();
				status("", false);
				(x.j.results || []).forEach(function (r) { addResult(r); beep(r.result); });
				if (x.j.counts) setCounts(x.j.counts, false);
				if (q2.length) send();
			} else if (x.s === 409 || x.s === 404 || x.s === 403 || x.s === 400) {
				/* The session is closed (or the batch is refused): keep the queue, stop, say why. */
				stopped = x.s !== 400;
				status(x.j.error ? x.j.error.message : String(x.s), true);
				if (x.s === 400) { var q3 = load(); q3.splice(0, batch.length); save(q3); show(); }
			} else {
				status(form.getAttribute("data-retry") || "…", true);
				later();
			}
		}, function () {
			sending = false;
			status("offline", true);
			later();
		});
	}

	function setCounts(c, full) {
		Object.keys(c).forEach(function (k) {
			var el = document.querySelector('[data-count="' + k + '"]');
			if (el && typeof c[k] === "number") el.textContent = String(c[k]);
		});
		if (!full) return;
		var bar = document.getElementById("bar");
		if (bar) { bar.max = c.expected || 1; bar.value = c.present || 0; }
		var tb = document.getElementById("regs");
		if (tb && c.by_register) {
			tb.textContent = "";
			c.by_register.forEach(function (r) {
				var tr = document.createElement("tr");
				[r.register, r.expected, r.present, r.missing].forEach(function (v) {
					var td = document.createElement("td");
					td.textContent = String(v);
					tr.appendChild(td);
				});
				tb.appendChild(tr);
			});
		}
	}

	function poll() {
		fetch("/stocktakes/" + id, { credentials: "same-origin", headers: { "Accept": "application/json" } })
			.then(function (r) { return r.ok ? r.json() : null; })
			.then(function (j) { if (j) setCounts(j, true); }, function () {});
	}

	form.addEventListener("submit", function (e) {
		e.preventDefault();
		var v = input.value.trim();
		input.value = "";
		input.focus();
		if (!v) return;
		var q = load();
		q.push(v);
		save(q);
		show();
		send();
	});
	/* The input keeps the focus: a scanner types into whatever has it. */
	document.addEventListener("click", function (e) {
		var t = e.target;
		if (t && (t.closest("details") || t.closest("a") || t.tagName === "INPUT" || t.tagName === "TEXTAREA")) return;
		input.focus();
	});
	window.addEventListener("online", function () { stopped = false; send(); });
	setInterval(send, 4000);
	setInterval(poll, 5000);
	show();
	send();
})();
