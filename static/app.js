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

/* The lending desk: after each answer swaps in, the scan input is empty and has the focus again,
 * ready for the next scan. */
document.addEventListener("htmx:afterSettle", function () {
	var f = document.getElementById("circ-code");
	if (f) { f.value = ""; f.focus(); }
});
