/* test_tmpl.c: the template renderer (src/web/tmpl.c): every tag kind, context lookup,
 * escaping, partials (from a template set of the test's own), translations, and parse errors
 * that must come back as errors naming the template and line, never as a crash. */
#include <pthread.h>
#include <string.h>

#include "base/assets.h"
#include "base/buf.h"
#include "base/i18n.h"
#include "check.h"
#include "web/tmpl.h"

/* Render text with the JSON context ctx_json ("" for none); the output, or "ERROR: detail". The
 * returned string is valid until the next call. */
static buf_t rendered;

static const char *render_lang(const char *text, const char *ctx_json, const char *lang)
{
	json_t *ctx = NULL;
	err_t err;
	err_clear(&err);
	buf_reset(&rendered);
	if (ctx_json && *ctx_json) {
		json_error_t je;
		ctx = json_loads(ctx_json, JSON_ALLOW_NUL, &je);
		if (!ctx) {
			fprintf(stderr, "  bad test JSON: %s\n", je.text);
			return "BAD JSON";
		}
	}
	int rc = tmpl_render_string(text, ctx, lang, &rendered, &err);
	json_decref(ctx);
	if (rc < 0) {
		buf_reset(&rendered);
		buf_printf(&rendered, "ERROR: %s", err.detail);
	}
	return buf_str(&rendered);
}

static const char *render(const char *text, const char *ctx_json)
{
	return render_lang(text, ctx_json, "vi");
}

/* True when s starts with prefix. */
static int starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void test_text_only(void)
{
	CHECK_STR(render("", ""), "");
	CHECK_STR(render("plain <b>html</b> & text\n", ""), "plain <b>html</b> & text\n");
	CHECK_STR(render("single { and } braces, } } {", ""), "single { and } braces, } } {");
	CHECK_STR(render("a{{x}}b", ""), "ab"); /* no context at all */
}

static void test_variables(void)
{
	const char *ctx = "{\"s\": \"Thư viện\", \"i\": 42, \"neg\": -7, \"big\": 9007199254740993,"
	                  " \"r\": 1.5, \"r2\": 0.1, \"t\": true, \"f\": false, \"n\": null,"
	                  " \"arr\": [1, 2], \"obj\": {\"k\": 1}, \"zero\": 0}";
	CHECK_STR(render("{{s}}", ctx), "Thư viện");
	CHECK_STR(render("{{ s }}", ctx), "Thư viện");
	CHECK_STR(render("[{{i}}|{{neg}}|{{big}}|{{zero}}]", ctx), "[42|-7|9007199254740993|0]");
	CHECK_STR(render("[{{r}}|{{r2}}]", ctx), "[1.5|0.1]");
	CHECK_STR(render("[{{t}}|{{f}}]", ctx), "[true|false]");
	CHECK_STR(render("[{{n}}|{{missing}}|{{arr}}|{{obj}}]", ctx), "[|||]");
	CHECK_STR(render("{{{i}}} {{&r}}", ctx), "42 1.5");
}

static void test_escaping(void)
{
	const char *ctx = "{\"x\": \"<script>\\\"'&</script>\", \"html\": \"<b>đậm</b>\"}";
	CHECK_STR(render("{{x}}", ctx), "&lt;script&gt;&quot;&#39;&amp;&lt;/script&gt;");
	CHECK_STR(render("<a title=\"{{x}}\">", ctx),
	          "<a title=\"&lt;script&gt;&quot;&#39;&amp;&lt;/script&gt;\">");
	CHECK_STR(render("{{{html}}}", ctx), "<b>đậm</b>");
	CHECK_STR(render("{{&html}}", ctx), "<b>đậm</b>");
	CHECK_STR(render("{{& html }}", ctx), "<b>đậm</b>");
	CHECK_STR(render("{{html}}", ctx), "&lt;b&gt;đậm&lt;/b&gt;");
	/* Values are data, never template text. */
	CHECK_STR(render("{{v}}", "{\"v\": \"{{x}}\"}"), "{{x}}");
	/* A string with a NUL inside is output in full (jansson keeps its length). */
	CHECK_STR(render("{{v}}>", "{\"v\": \"a<\\u0000\"}"), "a&lt;");
	CHECK_INT(rendered.len, 7);
}

static void test_dotted_names(void)
{
	const char *ctx = "{\"a\": {\"b\": {\"c\": \"deep\"}, \"s\": \"str\"}, \"b\": {\"c\": \"root\"}}";
	CHECK_STR(render("{{a.b.c}}", ctx), "deep");
	CHECK_STR(render("{{a.s}}", ctx), "str");
	CHECK_STR(render("[{{a.x.c}}]", ctx), "[]"); /* broken chain */
	CHECK_STR(render("[{{a.s.c}}]", ctx), "[]"); /* through a string */
	CHECK_STR(render("[{{x.y}}]", ctx), "[]");
	/* The first segment is found on the stack, the rest only below it: inside {{#a}}, b.c is
	 * a's b.c, and a name a lacks is looked up outward. */
	CHECK_STR(render("{{#a}}{{b.c}}{{/a}}", ctx), "deep");
	CHECK_STR(render("{{#a.b}}{{c}}{{/a.b}}", ctx), "deep");
}

static void test_sections(void)
{
	const char *ctx =
	    "{\"school\": \"THPT Nguyễn Du\", \"name\": \"root\","
	    " \"books\": [{\"title\": \"Tắt Đèn\", \"copies\": [{\"code\": \"A1\"}, {\"code\": \"A2\"}]},"
	    "             {\"title\": \"Số Đỏ\", \"copies\": []}],"
	    " \"tags\": [\"văn\", \"sử\"], \"user\": {\"name\": \"Lan\"}, \"yes\": true, \"no\": false,"
	    " \"msg\": \"Đã lưu\", \"count\": 3, \"zero\": 0, \"empty\": \"\", \"none\": [], \"eo\": {},"
	    " \"nul\": null}";
	/* arrays of objects, nested */
	CHECK_STR(render("{{#books}}<{{title}}:{{#copies}}{{code}},{{/copies}}>{{/books}}", ctx),
	          "<Tắt Đèn:A1,A2,><Số Đỏ:>");
	/* lookup up the stack: school is on the root, two levels out */
	CHECK_STR(render("{{#books}}{{#copies}}{{code}}@{{school}} {{/copies}}{{/books}}", ctx),
	          "A1@THPT Nguyễn Du A2@THPT Nguyễn Du ");
	/* the innermost context wins */
	CHECK_STR(render("{{name}}/{{#user}}{{name}}{{/user}}/{{name}}", ctx), "root/Lan/root");
	/* arrays of strings with {{.}} */
	CHECK_STR(render("{{#tags}}[{{.}}]{{/tags}}", ctx), "[văn][sử]");
	/* true, non-empty string, non-zero number: once; the value is the context */
	CHECK_STR(render("{{#yes}}Y{{/yes}}", ctx), "Y");
	CHECK_STR(render("{{#msg}}<p>{{.}}</p>{{/msg}}", ctx), "<p>Đã lưu</p>");
	CHECK_STR(render("{{#count}}{{.}} bản{{/count}}", ctx), "3 bản");
	/* falsy: nothing */
	CHECK_STR(render("[{{#no}}x{{/no}}{{#zero}}x{{/zero}}{{#empty}}x{{/empty}}{{#none}}x{{/none}}"
	                 "{{#eo}}x{{/eo}}{{#nul}}x{{/nul}}{{#missing}}x{{/missing}}]",
	                 ctx),
	          "[]");
	/* sections with the same name nested */
	CHECK_STR(render("{{#user}}{{#user}}{{name}}{{/user}}{{/user}}", ctx), "Lan");
	/* a top-level array as the root context */
	CHECK_STR(render("{{#.}}{{.}};{{/.}}", "[1, 2.5, \"x\"]"), "1;2.5;x;");
	/* comments, on one line or several */
	CHECK_STR(render("a{{! a comment }}b{{!\n multi\n line }}c", ctx), "abc");
}

static void test_inverted(void)
{
	const char *ctx = "{\"no\": false, \"zero\": 0, \"empty\": \"\", \"none\": [], \"eo\": {},"
	                  " \"nul\": null, \"yes\": true, \"list\": [1], \"s\": \"x\", \"n\": 2}";
	CHECK_STR(render("{{^missing}}1{{/missing}}{{^no}}2{{/no}}{{^zero}}3{{/zero}}"
	                 "{{^empty}}4{{/empty}}{{^none}}5{{/none}}{{^eo}}6{{/eo}}{{^nul}}7{{/nul}}",
	                 ctx),
	          "1234567");
	CHECK_STR(render("[{{^yes}}x{{/yes}}{{^list}}x{{/list}}{{^s}}x{{/s}}{{^n}}x{{/n}}]", ctx), "[]");
	/* the usual pair */
	CHECK_STR(render("{{#none}}<li>{{.}}</li>{{/none}}{{^none}}Không có sách.{{/none}}", ctx),
	          "Không có sách.");
	/* the inverted body sees the same context */
	CHECK_STR(render("{{^none}}{{s}}{{/none}}", ctx), "x");
}

static void test_parse_errors(void)
{
	const char *r;
	r = render("line 1\n{{#items}}\n{{name}}\n", "");
	CHECK(starts(r, "ERROR: (string):2: unclosed section {{#items}}"));
	r = render("{{#a}}x{{/b}}", "");
	CHECK(starts(r, "ERROR: (string):1: {{/b}} does not close {{#a}}"));
	r = render("{{^a}}{{#b}}{{/a}}{{/b}}", "");
	CHECK(starts(r, "ERROR: (string):1: {{/a}} does not close {{#b}}"));
	r = render("{{^a}}x{{/b}}", "");
	CHECK(starts(r, "ERROR: (string):1: {{/b}} does not close {{^a}} opened at line 1"));
	r = render("a\nb\nc {{name", "");
	CHECK(starts(r, "ERROR: (string):3: unclosed tag {{name"));
	r = render("{{{raw}}", "");
	CHECK(starts(r, "ERROR: (string):1: unclosed tag"));
	r = render("x{{/a}}", "");
	CHECK(starts(r, "ERROR: (string):1: close tag without an open section"));
	r = render("{{}}", "");
	CHECK(starts(r, "ERROR: (string):1: bad name"));
	r = render("{{a..b}}", "");
	CHECK(starts(r, "ERROR: (string):1: bad name"));
	r = render("{{.a}}", "");
	CHECK(starts(r, "ERROR: (string):1: bad name"));
	r = render("{{a b}}", "");
	CHECK(starts(r, "ERROR: (string):1: bad name"));
	r = render("{{ #a }}", "");
	CHECK(starts(r, "ERROR: (string):1: bad name"));
	r = render("{{=<% %>=}}", "");
	CHECK(starts(r, "ERROR: (string):1: delimiter changes are not supported"));
	r = render("{{@}}", "");
	CHECK(starts(r, "ERROR: (string):1: bad translation key"));
	r = render("{{>}}", "");
	CHECK(starts(r, "ERROR: (string):1: bad partial name"));
	r = render("{{>no_such_partial}}", "");
	CHECK(starts(r, "ERROR: (string):1: unknown partial {{>no_such_partial}}"));
	r = render("ok \xC0\xAF", "");
	CHECK(starts(r, "ERROR: (string):1: not valid UTF-8"));

	/* nesting deeper than the limit is an error, not a stack overflow */
	buf_t deep = BUF_INIT;
	for (int i = 0; i < 100; i++)
		buf_puts(&deep, "{{#a}}");
	for (int i = 0; i < 100; i++)
		buf_puts(&deep, "{{/a}}");
	r = render(buf_str(&deep), "");
	CHECK(starts(r, "ERROR: (string):1: sections nested too deep"));
	buf_release(&deep);

	/* a NULL text */
	buf_t out = BUF_INIT;
	err_t err;
	CHECK(tmpl_render_string(NULL, NULL, "vi", &out, &err) < 0);
	buf_release(&out);
}

/* Random strings of template syntax: each parses and renders, or fails with an error; never a
 * crash or a sanitizer report. */
static void test_random_templates(void)
{
	static const char *const bits[] = {
		"{{", "}}",     "{{{",    "}}}",    "#",      "^",     "/",      ">", "!",
		"@",  "&",      "=",      ".",      "a",      "b",     "a.b",    " ", "\n",
		"x",  "{{#a}}", "{{/a}}", "{{^b}}", "{{/b}}", "{{.}}", "{{>p}}",
	};
	const char *ctx = "{\"a\": [{\"b\": 1}, {\"b\": \"<x>\"}], \"b\": {\"a\": true}}";
	unsigned seed = 7;
	int ok = 0, failed = 0;
	for (int round = 0; round < 20000; round++) {
		char text[256] = "";
		seed = seed * 1103515245 + 12345;
		int parts = (int)((seed >> 16) % 12);
		for (int i = 0; i < parts; i++) {
			seed = seed * 1103515245 + 12345;
			strcat(text, bits[(seed >> 16) % (sizeof bits / sizeof bits[0])]);
		}
		const char *r = render(text, ctx);
		if (starts(r, "ERROR: "))
			failed++;
		else
			ok++;
	}
	printf("   %d rendered, %d rejected\n", ok, failed);
	CHECK(ok > 1000 && failed > 1000);
}

static void test_i18n_tags(void)
{
	CHECK_INT(i18n_init(), 0);
	CHECK_STR(render_lang("<title>{{@app.name}}</title>", "", "vi"),
	          "<title>Thư viện trường học</title>");
	CHECK_STR(render_lang("<title>{{@app.name}}</title>", "", "en"), "<title>School Library</title>");
	CHECK_STR(render_lang("{{@ app.name }}", "", NULL), "Thư viện trường học");
	CHECK_STR(render_lang("{{@test.vi_only}}", "", "en"), "Chỉ có tiếng Việt");
	CHECK_STR(render_lang("{{@no.such.key}}", "", "en"), "no.such.key");
	/* inside sections: the key is not looked up in the context */
	CHECK_STR(render_lang("{{#a}}{{@app.name}}{{/a}}", "{\"a\": [1, 2]}", "en"),
	          "School LibrarySchool Library");
	i18n_shutdown();
}

/* A template set of the test's own, loaded with tmpl_init_from. */
#define T(name, text)                                                                                        \
	{                                                                                                    \
		"templates/" name ".html", (const unsigned char *)(text), sizeof(text) - 1, "\"t\""          \
	}

static void test_partials(void)
{
	static const asset_t set[] = {
		T("page", "<h1>{{title}}</h1>\n{{>item_list}}"),
		T("item_list", "<ul>{{#items}}{{>item}}{{/items}}</ul>"),
		T("item", "<li>{{name}} ({{title}})</li>"),
		T("tree", "{{name}}{{#children}}({{>tree}}){{/children}}"),
		T("loop", "x{{>loop}}"),
		{ "static/app.css", (const unsigned char *)"{{#not a template", 17, "\"c\"" },
		{ "templates/notes.txt", (const unsigned char *)"{{#ignored", 10, "\"c\"" },
	};
	err_t err;
	CHECK_INT(tmpl_init_from(set, sizeof set / sizeof set[0], &err), 0);

	buf_t out = BUF_INIT;
	json_t *ctx = json_pack("{s:s, s:[{s:s}, {s:s}]}", "title", "Sách <mới>", "items", "name",
	                        "Truyện Kiều", "name", "Lão Hạc");
	CHECK_INT(tmpl_render("page", ctx, "vi", &out, &err), 0);
	CHECK_STR(buf_str(&out), "<h1>Sách &lt;mới&gt;</h1>\n<ul><li>Truyện Kiều (Sách &lt;mới&gt;)</li>"
	                         "<li>Lão Hạc (Sách &lt;mới&gt;)</li></ul>");
	/* rendering appends */
	CHECK_INT(tmpl_render("item", ctx, "vi", &out, &err), 0);
	CHECK(strstr(buf_str(&out), "</ul><li> (Sách &lt;mới&gt;)</li>") != NULL);
	json_decref(ctx);

	/* a partial from a string template */
	CHECK_STR(
	    render("{{#items}}{{>item}}{{/items}}", "{\"items\": [{\"name\": \"A\"}], \"title\": \"T\"}"),
	    "<li>A (T)</li>");

	/* Recursion bounded by the data. Leaves need "children": [] of their own: a missing name
	 * is looked up outward, so a leaf without it would find its parent's children again. */
	buf_reset(&out);
	ctx = json_loads("{\"name\": \"1\", \"children\": [{\"name\": \"2\", \"children\":"
	                 " [{\"name\": \"3\", \"children\": []}]}, {\"name\": \"4\", \"children\": []}]}",
	                 0, NULL);
	CHECK_INT(tmpl_render("tree", ctx, "vi", &out, &err), 0);
	CHECK_STR(buf_str(&out), "1(2(3))(4)");
	json_decref(ctx);

	/* endless recursion: an error, and the output is left as it was */
	buf_reset(&out);
	buf_puts(&out, "before");
	CHECK_INT(tmpl_render("loop", NULL, "vi", &out, &err), ERR_INTERNAL);
	CHECK_STR(buf_str(&out), "before");
	CHECK(strstr(err.detail, "templates/loop.html:1: partials nested more than") != NULL);

	/* unknown template */
	CHECK_INT(tmpl_render("nope", NULL, "vi", &out, &err), ERR_NOTFOUND);
	CHECK_INT(tmpl_render("notes", NULL, "vi", &out, &err), ERR_NOTFOUND);
	CHECK_INT(tmpl_render("app", NULL, "vi", &out, &err), ERR_NOTFOUND);
	buf_release(&out);
}

/* Data nested deeper than the context stack: an error, not an overflow. */
static void test_deep_context(void)
{
	static const asset_t set[] = { T("deep", "{{#c}}{{#c}}{{#c}}{{>deep}}{{/c}}{{/c}}{{/c}}") };
	err_t err;
	CHECK_INT(tmpl_init_from(set, 1, &err), 0);
	json_t *root = json_object(), *cur = root;
	for (int i = 0; i < 200; i++) {
		json_t *c = json_object();
		json_object_set_new(cur, "c", c);
		cur = c;
	}
	buf_t out = BUF_INIT;
	CHECK_INT(tmpl_render("deep", root, "vi", &out, &err), ERR_INTERNAL);
	CHECK(strstr(err.detail, "templates/deep.html:1: more than 64 nested contexts") != NULL);
	CHECK_STR(buf_str(&out), "");
	json_decref(root);
	buf_release(&out);
}

static void test_init_errors(void)
{
	static const asset_t good[] = { T("a", "A") };
	static const asset_t bad_syntax[] = { T("ok", "fine"), T("bad", "<p>\n{{#x}}\n</p>\n") };
	static const asset_t bad_partial[] = { T("p", "1\n2\n{{>missing}}") };
	err_t err;
	CHECK_INT(tmpl_init_from(good, 1, &err), 0);

	CHECK_INT(tmpl_init_from(bad_syntax, 2, &err), ERR_INTERNAL);
	CHECK_STR(err.detail, "templates/bad.html:2: unclosed section {{#x}}");
	CHECK_INT(tmpl_init_from(bad_partial, 1, &err), ERR_INTERNAL);
	CHECK(starts(err.detail, "templates/p.html:3: unknown partial {{>missing}}"));

	/* a failed load keeps the set that was there */
	buf_t out = BUF_INIT;
	CHECK_INT(tmpl_render("a", NULL, "vi", &out, &err), 0);
	CHECK_STR(buf_str(&out), "A");
	buf_release(&out);

	/* after shutdown nothing renders, and string templates without partials still work */
	tmpl_shutdown();
	CHECK_INT(tmpl_render("a", NULL, "vi", &out, &err), ERR_NOTFOUND);
	CHECK_STR(render("{{x}}", "{\"x\": 1}"), "1");
	buf_release(&out);
	tmpl_shutdown();
}

/* The real templates (templates/NAME.html), as embedded: they must all parse and their partials resolve. */
static void test_embedded_templates(void)
{
	err_t err;
	err_clear(&err);
	int rc = tmpl_init(&err);
	if (rc < 0)
		fprintf(stderr, "  tmpl_init: %s\n", err.detail);
	CHECK_INT(rc, 0);
	size_t n, count = 0;
	const asset_t *list = asset_list(&n);
	for (size_t i = 0; i < n; i++)
		count += strncmp(list[i].name, "templates/", 10) == 0;
	printf("   %zu embedded templates parse\n", count);
	tmpl_shutdown();
}

struct job {
	const char *want;
	int bad;
};

static void *render_many(void *arg)
{
	struct job *j = arg;
	json_t *ctx = json_pack("{s:s, s:[{s:s}, {s:s}]}", "title", "T", "items", "name", "a", "name", "b");
	buf_t out = BUF_INIT;
	err_t err;
	for (int i = 0; i < 2000; i++) {
		buf_reset(&out);
		if (tmpl_render("page", ctx, "vi", &out, &err) < 0 || strcmp(buf_str(&out), j->want) != 0)
			j->bad++;
	}
	buf_release(&out);
	json_decref(ctx);
	return NULL;
}

/* Renders share the tree: four threads at once must each get the same page. */
static void test_threads(void)
{
	static const asset_t set[] = {
		T("page", "<h1>{{title}}</h1>{{#items}}{{>item}}{{/items}}"),
		T("item", "<li>{{name}}</li>"),
	};
	err_t err;
	CHECK_INT(tmpl_init_from(set, 2, &err), 0);
	struct job jobs[4];
	pthread_t th[4];
	for (int i = 0; i < 4; i++) {
		jobs[i].want = "<h1>T</h1><li>a</li><li>b</li>";
		jobs[i].bad = 0;
		pthread_create(&th[i], NULL, render_many, &jobs[i]);
	}
	int bad = 0;
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		bad += jobs[i].bad;
	}
	CHECK_INT(bad, 0);
	tmpl_shutdown();
}

int main(void)
{
	RUN(test_text_only);
	RUN(test_variables);
	RUN(test_escaping);
	RUN(test_dotted_names);
	RUN(test_sections);
	RUN(test_inverted);
	RUN(test_parse_errors);
	RUN(test_random_templates);
	RUN(test_i18n_tags);
	RUN(test_partials);
	RUN(test_deep_context);
	RUN(test_init_errors);
	RUN(test_embedded_templates);
	RUN(test_threads);
	buf_release(&rendered);
	return check_summary("tmpl");
}
