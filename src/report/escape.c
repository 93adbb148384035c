/* escape.c — text from the database made safe for XML and HTML (JUnit, the HTML report):
 * markup characters escaped, and what XML 1.0 cannot carry (control characters, broken
 * UTF-8, U+FFFE/U+FFFF) replaced by U+FFFD, so no finding can break the document; and for
 * JSON and SARIF, broken UTF-8 (a Latin-1 source line, a file name) replaced the same way. */
#include "internal.h"

#include <string.h>

#include "common/util.h"

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 when invalid. */
static int utf8_len(const unsigned char *s, size_t n)
{
	int len = s[0] < 0x80 ? 1 : s[0] >= 0xc2 && s[0] < 0xe0 ? 2 : s[0] >= 0xe0 && s[0] < 0xf0 ? 3
		: s[0] >= 0xf0 && s[0] < 0xf5 ? 4 : 0;
	if (!len || (size_t)len > n)
		return 0;
	for (int i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* Overlong forms, UTF-16 surrogates and code points above U+10FFFF. */
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
		return 0;
	return len;
}

/* U+FFFE and U+FFFF: valid UTF-8, but not XML characters. */
static int nonchar(const unsigned char *s, int len)
{
	return len == 3 && s[0] == 0xef && s[1] == 0xbf && s[2] >= 0xbe;
}

/* Newlines and tabs in attributes, and carriage returns anywhere, become character
 * references: a parser would normalise them. */
void put_markup(FILE *out, const char *text, int attr)
{
	const unsigned char *s = (const unsigned char *)(text ? text : "");
	size_t n = strlen((const char *)s);
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		int len = utf8_len(s + i, n - i);
		if (c == '&')
			fputs("&amp;", out);
		else if (c == '<')
			fputs("&lt;", out);
		else if (c == '>')
			fputs("&gt;", out);
		else if (c == '"' && attr)
			fputs("&quot;", out);
		else if (c == '\r' || ((c == '\n' || c == '\t') && attr))
			fprintf(out, "&#%d;", c);
		else if (c == '\n' || c == '\t' || (c >= 0x20 && len && !nonchar(s + i, len)))
			fwrite(s + i, 1, (size_t)len, out);
		else   /* control characters and broken UTF-8: not representable in XML 1.0 */
			fputs("\xef\xbf\xbd", out);
		i += len ? (size_t)len : 1;
	}
}

char *utf8_repaired(const char *text)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t n = strlen(text);
	struct strbuf sb;
	sb_init(&sb);
	for (size_t i = 0; i < n;) {
		int len = utf8_len(s + i, n - i);
		if (len)
			sb_addn(&sb, text + i, (size_t)len);
		else
			sb_add(&sb, "\xef\xbf\xbd");
		i += len ? (size_t)len : 1;
	}
	return sb_detach(&sb);
}
