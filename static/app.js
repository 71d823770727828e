/* thuvien's page script: sends the CSRF token with every htmx request. The pages work without
 * JavaScript; this only makes htmx-driven parts (the lending desk, later) safe. */
document.addEventListener("htmx:configRequest", function (e) {
	var m = document.querySelector('meta[name="csrf-token"]');
	if (m) e.detail.headers["X-CSRF-Token"] = m.content;
});

/* The cataloguing form's class number suggestions (templates/classes_list.html, loaded by htmx
 * under the field): picking one fills the field instead of following the link to browse. */
document.addEventListener("click", function (e) {
	var a = e.target.closest ? e.target.closest("#class-suggest a.class-pick") : null;
	if (!a) return;
	var f = document.getElementById("class_number");
	if (!f) return;
	e.preventDefault();
	f.value = a.getAttribute("data-class");
	document.getElementById("class-suggest").textContent = "";
	f.focus();
});

/* The readers' list (templates/patrons.html): "In thẻ thư viện" sends the ticked readers as one
 * ids=1,2,3 (without script the form sends ids=1&ids=2&ids=3). */
document.addEventListener("submit", function (e) {
	var f = e.target;
	if (!f.matches || !f.matches("form[data-join-ids]")) return;
	var boxes = f.querySelectorAll('input[type="checkbox"][name="ids"]:checked'), ids = [];
	for (var i = 0; i < boxes.length; i++) ids.push(boxes[i].value);
	e.preventDefault();
	window.location.href = f.getAttribute("action") + "?ids=" + encodeURIComponent(ids.join(","));
});

/* The lending desk: after each answer swaps in, the scan input is empty and has the focus again,
 * ready for the next scan. */
document.addEventListener("htmx:afterSettle", function () {
	var f = document.getElementById("circ-code");
	if (f) { f.value = ""; f.focus(); }
});

/* The staff menu on a phone is one row that scrolls sideways (static/app.css): show the current
 * page's link rather than the first ones. */
document.addEventListener("DOMContentLoaded", function () {
	var menu = document.querySelector(".topbar .menu");
	var cur = menu && menu.querySelector('[aria-current="page"]');
	if (cur && menu.scrollWidth > menu.clientWidth)
		menu.scrollLeft = cur.offsetLeft - (menu.clientWidth - cur.offsetWidth) / 2;
});
