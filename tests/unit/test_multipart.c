/* test_multipart.c: the multipart/form-data parser (src/web/multipart.c): boundaries in the
 * Content-Type, well-formed bodies as browsers send them (binary data, empty parts, a file with a
 * path, quoted parameters) and every kind of malformed body, which must be refused whole. */
#include "check.h"

#include "web/multipart.h"

static arena_t *A;

#define CT "multipart/form-data; boundary=XyZ"

static int parse(const char *ct, const char *body, size_t len, multipart_part_t **p, size_t *n)
{
	err_t err = { 0 };
	int rc = multipart_parse(ct, body, len, A, 16, p, n, &err);
	if (rc < 0)
		CHECK_STR(err.key, "err.multipart");
	return rc;
}

#define PARSE_S(ct, s, p, n) parse(ct, s, sizeof s - 1, p, n)

static void test_boundary(void)
{
	char b[71];
	err_t err;
	CHECK_INT(multipart_boundary("multipart/form-data; boundary=abc", b, &err), 0);
	CHECK_STR(b, "abc");
	CHECK_INT(multipart_boundary("Multipart/Form-Data;BOUNDARY=\"a b'()+_,-./:=?\"", b, &err), 0);
	CHECK_STR(b, "a b'()+_,-./:=?");
	CHECK_INT(multipart_boundary(
	              "multipart/form-data; charset=utf-8; boundary=----WebKitFormBoundary7MA4YWxk", b, &err),
	          0);
	CHECK_STR(b, "----WebKitFormBoundary7MA4YWxk");
	CHECK_INT(multipart_boundary("multipart/form-data", b, &err), ERR_INVALID);
	CHECK_INT(multipart_boundary("multipart/form-data; boundary=", b, &err), ERR_INVALID);
	CHECK_INT(multipart_boundary("multipart/form-data; boundary=\"\"", b, &err), ERR_INVALID);
	CHECK_INT(multipart_boundary("multipart/form-data; boundary=\"abc", b, &err), ERR_INVALID);
	CHECK_INT(multipart_boundary("multipart/form-data; boundary=\"abc \"", b, &err), ERR_INVALID);
	CHECK_INT(multipart_boundary("multipart/form-data; boundary=a<b", b, &err), ERR_INVALID);
	CHECK_INT(multipart_boundary("multipart/form-data; boundary=a; boundary=b", b, &err), ERR_INVALID);
	CHECK_INT(multipart_boundary("multipart/mixed; boundary=abc", b, &err), ERR_INVALID);
	CHECK_INT(multipart_boundary("application/x-www-form-urlencoded", b, &err), ERR_INVALID);
	CHECK_INT(multipart_boundary(NULL, b, &err), ERR_INVALID);
	char longb[200];
	memset(longb, 'a', sizeof longb);
	snprintf(longb, sizeof longb, "multipart/form-data; boundary=%071d", 0);
	CHECK_INT(multipart_boundary(longb, b, &err), ERR_INVALID);
	snprintf(longb, sizeof longb, "multipart/form-data; boundary=%070d", 0);
	CHECK_INT(multipart_boundary(longb, b, &err), 0);
	CHECK_INT(strlen(b), 70);
}

static void test_browser_body(void)
{
	static const char body[] =
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"csrf\"\r\n"
	    "\r\n"
	    "tok123\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"file\"; filename=\"C:\\\\Users\\\\a\\\\sách.csv\"\r\n"
	    "Content-Type: text/csv\r\n"
	    "\r\n"
	    "a,b\r\n\x00\x01--XyZ-not-the-end\r\n"
	    "--XyZ\r\n"
	    "content-disposition: form-data; name=empty\r\n"
	    "\r\n"
	    "\r\n"
	    "--XyZ--\r\n"
	    "epilogue ignored";
	multipart_part_t *p;
	size_t n = 0;
	CHECK_INT(parse(CT, body, sizeof body - 1, &p, &n), 0);
	CHECK_INT(n, 3);
	if (n != 3)
		return;
	CHECK_STR(p[0].name, "csrf");
	CHECK(p[0].filename == NULL);
	CHECK_INT(p[0].len, 6);
	CHECK(memcmp(p[0].data, "tok123", 6) == 0);
	CHECK_STR(p[1].name, "file");
	CHECK_STR(p[1].filename, "sách.csv");
	CHECK_STR(p[1].content_type, "text/csv");
	CHECK_INT(p[1].len, 5 + 2 + 17);
	CHECK(memcmp(p[1].data, "a,b\r\n\x00\x01--XyZ-not-the-end", p[1].len) == 0);
	CHECK_STR(p[2].name, "empty");
	CHECK_INT(p[2].len, 0);
}

static void test_edge_bodies(void)
{
	multipart_part_t *p;
	size_t n = 9;
	/* No part at all. */
	CHECK_INT(PARSE_S(CT, "--XyZ--", &p, &n), 0);
	CHECK_INT(n, 0);
	/* An empty file input: filename="" and no data. */
	CHECK_INT(PARSE_S(CT,
	                  "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\"\r\n"
	                  "Content-Type: application/octet-stream\r\n\r\n\r\n--XyZ--\r\n",
	                  &p, &n),
	          0);
	CHECK_INT(n, 1);
	if (n == 1) {
		CHECK_STR(p[0].filename, "");
		CHECK_INT(p[0].len, 0);
	}
	/* A quote escaped in a name; a filename with a slash path. */
	CHECK_INT(
	    PARSE_S(CT,
	            "--XyZ\r\nContent-Disposition: form-data; name=\"a\\\"b\"; filename=\"x/y/z.mrc\"\r\n\r\n"
	            "D\r\n--XyZ--",
	            &p, &n),
	    0);
	if (n == 1) {
		CHECK_STR(p[0].name, "a\"b");
		CHECK_STR(p[0].filename, "z.mrc");
	}
	/* Transport padding after a delimiter. */
	CHECK_INT(
	    PARSE_S(CT, "--XyZ  \r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--XyZ--", &p, &n), 0);
	CHECK_INT(n, 1);
}

static void test_malformed(void)
{
	multipart_part_t *p;
	size_t n;
	static const char *const bad[] = {
		"",                                                                    /* empty */
		"XyZ\r\n",                                                             /* no dashes */
		"--Abc\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--Abc--", /* another boundary */
		"preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--XyZ--",
		"--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nv",          /* truncated */
		"--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--XyZ", /* no closing -- nor CRLF
		                                                                      */
		"--XyZ\r\nContent-Disposition: form-data; name=a\r\n",               /* headers not ended */
		"--XyZ\r\n\r\nv\r\n--XyZ--",                                   /* no Content-Disposition */
		"--XyZ\r\nContent-Type: text/plain\r\n\r\nv\r\n--XyZ--",       /* idem */
		"--XyZ\r\nContent-Disposition: form-data\r\n\r\nv\r\n--XyZ--", /* no name */
		"--XyZ\r\nContent-Disposition: form-data; name=\"\"\r\n\r\nv\r\n--XyZ--", /* empty name */
		"--XyZ\r\nContent-Disposition: attachment; name=a\r\n\r\nv\r\n--XyZ--",   /* not form-data */
		"--XyZ\r\nContent-Disposition: form-data; name=\"a\r\n\r\nv\r\n--XyZ--", /* unterminated quote
		                                                                          */
		"--XyZ\r\nContent-Disposition: form-data; name=a; name=b\r\n\r\nv\r\n--XyZ--",
		"--XyZ\r\nContent-Disposition: form-data; name=a\r\nContent-Disposition: form-data; "
		"name=b\r\n\r\nv\r\n--XyZ--",
		"--XyZ\r\nContent-Disposition form-data; name=a\r\n\r\nv\r\n--XyZ--", /* no colon */
		"--XyZ\r\nBad Header: x\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--XyZ--",
		"--XyZ\r\nContent-Disposition: form-data; name=\"\xff\"\r\n\r\nv\r\n--XyZ--", /* not UTF-8 */
		"--XyZ\nContent-Disposition: form-data; name=a\n\nv\n--XyZ--",                /* bare LF */
		"--XyZ\r\nContent-Disposition: form-data; name=a junk\r\n\r\nv\r\n--XyZ--",
		NULL,
	};
	for (int i = 0; bad[i]; i++) {
		n = 99;
		int rc = parse(CT, bad[i], strlen(bad[i]), &p, &n);
		if (rc != ERR_INVALID)
			fprintf(stderr, "  malformed body %d was accepted\n", i);
		CHECK_INT(rc, ERR_INVALID);
		CHECK_INT(n, 0);
	}
	/* A NUL in the part headers. */
	static const char nul[] =
	    "--XyZ\r\nContent-Disposition: form-data; name=a\r\nX-A: \0\r\n\r\nv\r\n--XyZ--";
	CHECK_INT(PARSE_S(CT, nul, &p, &n), ERR_INVALID);
	/* A bad Content-Type. */
	CHECK_INT(PARSE_S("multipart/form-data", "--XyZ--", &p, &n), ERR_INVALID);
	/* Too many parts. */
	char many[4096] = "";
	for (int i = 0; i < 17; i++)
		strcat(many, "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n");
	strcat(many, "--XyZ--");
	err_t err;
	CHECK_INT(multipart_parse(CT, many, strlen(many), A, 16, &p, &n, &err), ERR_INVALID);
	CHECK_INT(multipart_parse(CT, many, strlen(many), A, 17, &p, &n, &err), 0);
	CHECK_INT(n, 17);
	/* Part headers over the limit. */
	size_t big = 10000;
	char *h = malloc(big + 200);
	strcpy(h, "--XyZ\r\nContent-Disposition: form-data; name=a\r\nX-Long: ");
	size_t k = strlen(h);
	memset(h + k, 'x', big);
	strcpy(h + k + big, "\r\n\r\nv\r\n--XyZ--");
	CHECK_INT(parse(CT, h, strlen(h), &p, &n), ERR_INVALID);
	free(h);
}

int main(void)
{
	A = arena_new(1 << 16);
	RUN(test_boundary);
	RUN(test_browser_body);
	RUN(test_edge_bodies);
	RUN(test_malformed);
	arena_free(A);
	return check_summary("multipart");
}
