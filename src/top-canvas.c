/*
 * argo-top's drawing surface; see top-canvas.h for the model.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "log.h"
#include "top-canvas.h"

static const char *const glyph_utf8[G_COUNT] = {
	[G_HLINE] = "\u2500",
	[G_ARROW] = "\u2192",
	[G_ELLIPSIS] = "\u2026",
	[G_DASH] = "\u2014",
	[G_SORT_UP] = "\u25b2",
	[G_SORT_DOWN] = "\u25bc",
	[G_DOT] = "\u00b7",
	[G_BLOCK] = "\u2588",
	[G_DIAG] = "\u00b7",
	[G_DOWN] = "\u00d7",
	[G_VLINE] = "\u2502",
	[G_TL] = "\u250c",
	[G_TR] = "\u2510",
	[G_BL] = "\u2514",
	[G_BR] = "\u2518",
	[G_SPARK0] = "\u2581", "\u2582", "\u2583", "\u2584", "\u2585",
	    "\u2586", "\u2587", "\u2588",
};

static const char *const glyph_ascii[G_COUNT] = {
	[G_HLINE] = "-",
	[G_ARROW] = "->",
	[G_ELLIPSIS] = "~",
	[G_DASH] = "-",
	[G_SORT_UP] = "^",
	[G_SORT_DOWN] = "v",
	[G_DOT] = "|",
	[G_BLOCK] = "#",
	[G_DIAG] = ".",
	[G_DOWN] = "x",
	[G_VLINE] = "|",
	[G_TL] = "+",
	[G_TR] = "+",
	[G_BL] = "+",
	[G_BR] = "+",
	[G_SPARK0] = "_", ".", "-", ":", "=", "+", "*", "#",
};

const char *
canvas_glyph(const struct canvas *cv, enum canvas_glyph g)
{
	if (g < 0 || g >= G_COUNT)
		return "?";
	return cv->ascii ? glyph_ascii[g] : glyph_utf8[g];
}

/*
 * One code point from s (at most len bytes), stored in *cp; returns the
 * bytes it took. Invalid or truncated sequences take one byte and give
 * U+FFFD, which no canvas draws.
 */
static size_t
utf8_next(const unsigned char *s, size_t len, uint32_t *cp)
{
	uint32_t c;
	size_t n, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
	} else
		goto bad;
	if (n > len)
		goto bad;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			goto bad;
		c = (c << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond Unicode */
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		goto bad;
	*cp = c;
	return n;
bad:
	*cp = 0xfffd;
	return 1;
}

/* The code point a cell shows for cp: itself when it takes one cell. */
static uint32_t
cell_char(const struct canvas *cv, uint32_t cp)
{
	if (cp < 0x80)
		return cp >= 0x20 && cp < 0x7f ? cp : '?';
	if (cv->ascii || cp == 0xfffd)
		return '?';
	return wcwidth((wchar_t)cp) == 1 ? cp : '?';
}

void
canvas_init(struct canvas *cv, int w, int h, int ascii)
{
	memset(cv, 0, sizeof(*cv));
	cv->ascii = ascii;
	canvas_resize(cv, w, h);
}

void
canvas_free(struct canvas *cv)
{
	free(cv->cell);
	cv->cell = NULL;
	cv->w = cv->h = cv->used = 0;
}

void
canvas_resize(struct canvas *cv, int w, int h)
{
	if (w < 1)
		w = 1;
	cv->grow = h < 0;
	if (cv->grow)
		h = 64;
	if (h < 1)
		h = 1;
	free(cv->cell);
	cv->cell = xcalloc((size_t)w * (size_t)h, sizeof(*cv->cell));
	cv->w = w;
	cv->h = h;
	canvas_clear(cv);
}

void
canvas_clear(struct canvas *cv)
{
	size_t i, n = (size_t)cv->w * (size_t)cv->h;

	for (i = 0; i < n; i++) {
		cv->cell[i].ch = ' ';
		cv->cell[i].style = ST_NORMAL;
	}
	cv->used = 0;
}

/* The cell at (y, x), growing the canvas as needed; NULL when outside. */
static struct canvas_cell *
cell_at(struct canvas *cv, int y, int x)
{
	struct canvas_cell *nc;
	size_t i, old;
	int nh;

	if (x < 0 || x >= cv->w || y < 0)
		return NULL;
	if (y >= cv->h) {
		if (!cv->grow || y >= 1000000)
			return NULL;
		for (nh = cv->h; nh <= y; nh *= 2)
			;
		nc = xreallocarray(cv->cell, (size_t)cv->w * (size_t)nh,
		    sizeof(*nc));
		old = (size_t)cv->w * (size_t)cv->h;
		for (i = old; i < (size_t)cv->w * (size_t)nh; i++) {
			nc[i].ch = ' ';
			nc[i].style = ST_NORMAL;
		}
		cv->cell = nc;
		cv->h = nh;
	}
	if (y >= cv->used)
		cv->used = y + 1;
	return &cv->cell[(size_t)y * (size_t)cv->w + (size_t)x];
}

const struct canvas_cell *
canvas_at(const struct canvas *cv, int y, int x)
{
	if (x < 0 || x >= cv->w || y < 0 || y >= cv->h)
		return NULL;
	return &cv->cell[(size_t)y * (size_t)cv->w + (size_t)x];
}

int
canvas_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), k;
	uint32_t cp;
	int n = 0;

	while (len > 0) {
		k = utf8_next(p, len, &cp);
		p += k;
		len -= k;
		n++;
	}
	return n;
}

int
canvas_put(struct canvas *cv, int y, int x, int style, const char *s,
    int maxw)
{
	const unsigned char *p = (const unsigned char *)s;
	struct canvas_cell *c;
	size_t len = strlen(s), k;
	uint32_t cp, ell;
	int n = 0, w;

	if (maxw < 0 || x + maxw > cv->w)
		maxw = cv->w - x;
	if (maxw <= 0)
		return 0;
	w = canvas_width(s);
	utf8_next((const unsigned char *)canvas_glyph(cv, G_ELLIPSIS), 4,
	    &ell);
	while (len > 0 && n < maxw) {
		k = utf8_next(p, len, &cp);
		p += k;
		len -= k;
		if (w > maxw && n == maxw - 1)
			cp = ell;
		if ((c = cell_at(cv, y, x + n)) != NULL) {
			c->ch = cell_char(cv, cp);
			c->style = (uint8_t)style;
		}
		n++;
	}
	return n;
}

int
canvas_printf(struct canvas *cv, int y, int x, int style, int maxw,
    const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return canvas_put(cv, y, x, style, buf, maxw);
}

int
canvas_put_right(struct canvas *cv, int y, int x, int w, int style,
    const char *s)
{
	int sw = canvas_width(s);

	if (sw > w)
		return canvas_put(cv, y, x, style, s, w);
	return canvas_put(cv, y, x + w - sw, style, s, sw);
}

void
canvas_fill(struct canvas *cv, int y, int x, int n, int style, const char *s)
{
	struct canvas_cell *c;
	uint32_t cp;
	int i;

	utf8_next((const unsigned char *)s, strlen(s), &cp);
	cp = cell_char(cv, cp);
	for (i = 0; i < n; i++)
		if ((c = cell_at(cv, y, x + i)) != NULL) {
			c->ch = cp;
			c->style = (uint8_t)style;
		}
}

void
canvas_style(struct canvas *cv, int y, int x, int n, int style)
{
	struct canvas_cell *c;
	int i;

	for (i = 0; i < n; i++)
		if ((c = cell_at(cv, y, x + i)) != NULL)
			c->style = (uint8_t)style;
}

int
canvas_rows(const struct canvas *cv)
{
	return cv->grow ? cv->used : cv->h;
}

static void
put_utf8(FILE *f, uint32_t cp)
{
	if (cp < 0x80)
		putc((int)cp, f);
	else if (cp < 0x800) {
		putc((int)(0xc0 | (cp >> 6)), f);
		putc((int)(0x80 | (cp & 0x3f)), f);
	} else if (cp < 0x10000) {
		putc((int)(0xe0 | (cp >> 12)), f);
		putc((int)(0x80 | ((cp >> 6) & 0x3f)), f);
		putc((int)(0x80 | (cp & 0x3f)), f);
	} else {
		putc((int)(0xf0 | (cp >> 18)), f);
		putc((int)(0x80 | ((cp >> 12) & 0x3f)), f);
		putc((int)(0x80 | ((cp >> 6) & 0x3f)), f);
		putc((int)(0x80 | (cp & 0x3f)), f);
	}
}

int
canvas_print(const struct canvas *cv, FILE *f)
{
	const struct canvas_cell *row;
	int y, x, end, rows = canvas_rows(cv);

	for (y = 0; y < rows; y++) {
		row = &cv->cell[(size_t)y * (size_t)cv->w];
		for (end = cv->w; end > 0 && row[end - 1].ch == ' '; end--)
			;
		for (x = 0; x < end; x++)
			put_utf8(f, row[x].ch);
		putc('\n', f);
	}
	return ferror(f) ? -1 : 0;
}
