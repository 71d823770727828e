/* thuvien's page script: sends the CSRF token with every htmx request. The pages work without
 * JavaScript; this only makes htmx-driven parts (the lending desk, later) safe. */
document.addEventListener("htmx:configRequest", function (e) {
	var m = document.querySelector('meta[name="csrf-token"]');
	if (m) e.detail.headers["X-CSRF-Token"] = m.content;
});
