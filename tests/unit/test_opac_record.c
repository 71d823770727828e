/* test_opac_record.c: the public record page's citations (src/opac/record.c): the Vietnamese
 * reference-list style and APA 7, built from a record's short fields. The record pages themselves
 * are tested over HTTP (tests/http/test_opac.py). */
#include <string.h>

#include "base/arena.h"
#include "check.h"
#include "opac/record.h"

static arena_t *A;

static const char *text(const opac_citation_t *c)
{
	return arena_printf(A, "%s%s%s", c->before, c->title, c->after);
}

static biblio_t book(const char *title, const char *sub, const char *authors, int year, const char *publisher,
                     const char *place, const char *edition)
{
	biblio_t b;
	memset(&b, 0, sizeof b);
	b.title = title;
	b.subtitle = sub;
	b.authors = authors;
	b.year = year;
	b.publisher = publisher;
	b.place = place;
	b.edition = edition;
	return b;
}

static void test_vietnamese_style(void)
{
	opac_citation_t c;
	biblio_t b = book("Dế Mèn phiêu lưu ký", "", "Tô Hoài", 2019, "Kim Đồng", "Hà Nội", "");
	opac_cite_vn(A, &b, &c);
	CHECK_STR(text(&c), "Tô Hoài (2019), Dế Mèn phiêu lưu ký, Kim Đồng, Hà Nội.");
	CHECK_STR(c.title, "Dế Mèn phiêu lưu ký");
	CHECK_STR(c.before, "Tô Hoài (2019), ");
	/* Two authors, a subtitle, a publisher ending in a full stop, no place. */
	b = book("Tiếng Việt 5", "Tập một", "Nguyễn Minh Thuyết; Hoàng Hòa Bình", 2020, "Giáo dục Việt Nam.",
	         "", "");
	opac_cite_vn(A, &b, &c);
	CHECK_STR(text(&c),
	          "Nguyễn Minh Thuyết, Hoàng Hòa Bình (2020), Tiếng Việt 5: Tập một, Giáo dục Việt Nam.");
	/* No author: the title leads; no year: said so. */
	b = book("Từ điển tiếng Việt", "", "", 0, "Hồng Đức", "", "");
	opac_cite_vn(A, &b, &c);
	CHECK_STR(text(&c), "Từ điển tiếng Việt, Hồng Đức.");
	/* A foreign author: surname and initials, as in thesis reference lists. */
	b = book("The Political Economy of Agricultural Protection", "", "Anderson, James Edward", 1985,
	         "Allen & Unwin", "Sydney", "");
	opac_cite_vn(A, &b, &c);
	CHECK_STR(text(&c),
	          "Anderson, J. E. (1985), The Political Economy of Agricultural Protection, Allen & Unwin, "
	          "Sydney.");
	b = book("Thơ", "", "Xuân Quỳnh", 0, "", "", "");
	opac_cite_vn(A, &b, &c);
	CHECK_STR(text(&c), "Xuân Quỳnh (không rõ năm), Thơ.");
}

static void test_apa7(void)
{
	opac_citation_t c;
	biblio_t b = book("Vợ chồng A Phủ", "", "Tô Hoài", 2015, "Văn học", "Hà Nội", "");
	opac_cite_apa(A, &b, &c);
	CHECK_STR(text(&c), "Tô Hoài. (2015). Vợ chồng A Phủ. Văn học.");
	/* Inverted names become initials; two authors joined with ", &"; the edition in brackets. */
	b = book("Perl 5 how-to", "the definitive Perl 5 problem-solver", "Asbury, Stephen; Glover, Mike",
	         1997, "Waite Group Press", "Corte Madera, CA", "2nd ed.");
	opac_cite_apa(A, &b, &c);
	CHECK_STR(text(&c),
	          "Asbury, S., & Glover, M. (1997). Perl 5 how-to: the definitive Perl 5 problem-solver "
	          "(2nd ed.). Waite Group Press.");
	CHECK_STR(c.title, "Perl 5 how-to: the definitive Perl 5 problem-solver");
	/* Three authors, a compound given name and one with a diacritic. */
	b = book("Modernism", "", "Platt, Len; Saint-Exupéry, Antoine; Ötzi, Émile Jean", 2011, "CUP", "",
	         "");
	opac_cite_apa(A, &b, &c);
	CHECK_STR(text(&c), "Platt, L., Saint-Exupéry, A., & Ötzi, É. J. (2011). Modernism. CUP.");
	/* No author: the title first, then the year; no year: n.d. */
	b = book("Atlas Việt Nam", "", "", 0, "Bản đồ", "", "");
	opac_cite_apa(A, &b, &c);
	CHECK_STR(text(&c), "Atlas Việt Nam. (n.d.). Bản đồ.");
	CHECK_STR(c.before, "");
}

int main(void)
{
	A = arena_new(4096);
	RUN(test_vietnamese_style);
	RUN(test_apa7);
	arena_free(A);
	return check_summary("opac_record");
}
