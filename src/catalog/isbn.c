/* isbn.c: ISBN-10 and ISBN-13 check digits and normalisation to ISBN-13 (catalog.h). */
#include <ctype.h>
#include <string.h>

#include "catalog/catalog.h"

bool isbn13_valid(const char *s)
{
	int sum = 0;
	for (int i = 0; i < 13; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		sum += (s[i] - '0') * (i % 2 ? 3 : 1);
	}
	return s[13] == 0 && sum % 10 == 0;
}

int isbn_normalize(const char *in, char out[14], err_t *err)
{
	char d[16];
	size_t n = 0;
	const char *p = in ? in : "";
	while (isspace((unsigned char)*p))
		p++;
	if (strncasecmp(p, "isbn", 4) == 0) {
		p += 4;
		if (*p == ':')
			p++;
	}
	for (; *p; p++) {
		if (*p == '-' || *p == ' ')
			continue;
		if (n < 13 && (isdigit((unsigned char)*p) || ((*p == 'X' || *p == 'x') && n == 9))) {
			d[n++] = (char)toupper((unsigned char)*p);
			continue;
		}
		return err_set(err, ERR_INVALID, "err.isbn", "%.40s", in);
	}
	d[n] = 0;
	if (n == 10) {
		int sum = 0;
		for (int i = 0; i < 10; i++)
			sum += (d[i] == 'X' ? 10 : d[i] - '0') * (10 - i);
		if (sum % 11 != 0 || strchr(d, 'X') != strrchr(d, 'X') || (strchr(d, 'X') && d[9] != 'X'))
			return err_set(err, ERR_INVALID, "err.isbn", "%.40s", in);
		/* ISBN-10 -> 978 + first nine digits + a new check digit. */
		memcpy(out, "978", 3);
		memcpy(out + 3, d, 9);
		int s13 = 0;
		for (int i = 0; i < 12; i++)
			s13 += (out[i] - '0') * (i % 2 ? 3 : 1);
		out[12] = (char)('0' + (10 - s13 % 10) % 10);
		out[13] = 0;
		return 0;
	}
	if (n == 13 && !strchr(d, 'X') && isbn13_valid(d) && (memcmp(d, "978", 3) == 0 || memcmp(d, "979", 3) == 0)) {
		memcpy(out, d, 14);
		return 0;
	}
	return err_set(err, ERR_INVALID, "err.isbn", "%.40s", in);
}
