/*
 * argo-top's terminal; see top-screen.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include <curses.h>

#include "top-canvas.h"
#include "top-screen.h"
#include "top-view.h"

static SCREEN	*screen;
static int	 active;
static attr_t	 style_attr[ST_COUNT];
static short	 style_pair[ST_COUNT];

struct style_colour {
	int	 style;
	short	 fg, bg;	/* -1: the terminal's default */
	attr_t	 attr;
};

/* With colour: state by hue, structure by background. */
static const struct style_colour colours[] = {
	{ ST_TITLE, COLOR_WHITE, COLOR_BLUE, A_BOLD },
	{ ST_TAB_ON, COLOR_BLACK, COLOR_CYAN, A_BOLD },
	{ ST_HEADER, COLOR_BLACK, COLOR_GREEN, 0 },
	{ ST_STATUS, COLOR_BLACK, COLOR_WHITE, 0 },
	{ ST_ALERT, COLOR_WHITE, COLOR_RED, A_BOLD },
	{ ST_UP, COLOR_GREEN, -1, 0 },
	{ ST_CONGESTED, COLOR_YELLOW, -1, A_BOLD },
	{ ST_DOWN, COLOR_RED, -1, A_BOLD },
	{ ST_GOOD, COLOR_GREEN, -1, 0 },
	{ ST_CHANGED, COLOR_CYAN, -1, A_BOLD },
	{ ST_SELF, COLOR_CYAN, -1, A_BOLD },
	/* the heat map, cool to hot */
	{ ST_HEAT0, COLOR_BLACK, COLOR_BLUE, 0 },
	{ ST_HEAT1, COLOR_BLACK, COLOR_CYAN, 0 },
	{ ST_HEAT2, COLOR_BLACK, COLOR_GREEN, 0 },
	{ ST_HEAT3, COLOR_BLACK, COLOR_YELLOW, 0 },
	{ ST_HEAT4, COLOR_BLACK, COLOR_MAGENTA, 0 },
	{ ST_HEAT5, COLOR_WHITE, COLOR_RED, A_BOLD },
};

/* 256 colours: a smoother green-to-red ramp for the heat map. */
static const short heat256[ST_HEAT_LEVELS][2] = {
	{ 16, 37 }, { 16, 78 }, { 16, 148 }, { 16, 220 }, { 16, 208 },
	{ 231, 160 },
};

static void
styles_mono(void)
{
	style_attr[ST_DIM] = A_DIM;
	style_attr[ST_BOLD] = A_BOLD;
	style_attr[ST_TITLE] = A_REVERSE | A_BOLD;
	style_attr[ST_TAB_ON] = A_REVERSE | A_BOLD;
	style_attr[ST_HEADER] = A_UNDERLINE | A_BOLD;
	style_attr[ST_STATUS] = A_REVERSE;
	style_attr[ST_ALERT] = A_REVERSE | A_BOLD;
	style_attr[ST_CONGESTED] = A_BOLD;
	style_attr[ST_DOWN] = A_REVERSE;
	style_attr[ST_CHANGED] = A_BOLD;
	style_attr[ST_SELF] = A_BOLD | A_UNDERLINE;
	style_attr[ST_HEAT0] = A_DIM;
	style_attr[ST_HEAT1] = A_DIM;
	style_attr[ST_HEAT4] = A_BOLD;
	style_attr[ST_HEAT5] = A_BOLD | A_UNDERLINE;
}

static void
styles_colour(void)
{
	size_t i;
	short pair = 1;
	int k;

	style_attr[ST_DIM] = A_DIM;
	style_attr[ST_BOLD] = A_BOLD;
	for (i = 0; i < sizeof(colours) / sizeof(colours[0]); i++) {
		if (init_pair(pair, colours[i].fg, colours[i].bg) == ERR)
			continue;
		style_pair[colours[i].style] = pair++;
		style_attr[colours[i].style] = colours[i].attr;
	}
	if (COLORS >= 256 && COLOR_PAIRS > pair + ST_HEAT_LEVELS)
		for (k = 0; k < ST_HEAT_LEVELS; k++)
			if (init_pair(pair, heat256[k][0], heat256[k][1]) !=
			    ERR) {
				style_pair[ST_HEAT0 + k] = pair++;
				style_attr[ST_HEAT0 + k] = 0;
			}
}

int
screen_init(int mono)
{
	const char *nc;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return -1;
	if ((screen = newterm(NULL, stdout, stdin)) == NULL)
		return -1;
	active = 1;
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	leaveok(stdscr, TRUE);
	curs_set(0);
	/* Esc alone is not a key here: do not wait long for a sequence */
	set_escdelay(25);
	memset(style_attr, 0, sizeof(style_attr));
	memset(style_pair, 0, sizeof(style_pair));
	/* https://no-color.org: present and not empty */
	nc = getenv("NO_COLOR");
	if (!mono && (nc == NULL || nc[0] == '\0') && has_colors() &&
	    start_color() != ERR) {
		use_default_colors();
		styles_colour();
	} else
		styles_mono();
	return 0;
}

void
screen_done(void)
{
	if (!active)
		return;
	active = 0;
	curs_set(1);
	endwin();
	fflush(stdout);
	delscreen(screen);
	screen = NULL;
}

void
screen_size(int *w, int *h)
{
	int y, x;

	getmaxyx(stdscr, y, x);
	*w = x;
	*h = y;
}

void
screen_draw(const struct canvas *cv)
{
	const struct canvas_cell *c;
	wchar_t wc[2];
	cchar_t cc;
	int y, x, w, h;

	screen_size(&w, &h);
	for (y = 0; y < h && y < cv->h; y++)
		for (x = 0; x < w && x < cv->w; x++) {
			c = canvas_at(cv, y, x);
			wc[0] = (wchar_t)c->ch;
			wc[1] = L'\0';
			if (setcchar(&cc, wc, style_attr[c->style],
			    style_pair[c->style], NULL) == ERR)
				continue;
			/* the bottom right cell reports ERR: it is drawn */
			mvadd_wch(y, x, &cc);
		}
	wnoutrefresh(stdscr);
	doupdate();
}

void
screen_redraw(void)
{
	clearok(curscr, TRUE);
}

int
screen_key(void)
{
	int k = getch();

	switch (k) {
	case ERR:
		return -1;
	case KEY_RESIZE:
		return SCREEN_RESIZE;
	case KEY_UP:
		return VK_UP;
	case KEY_DOWN:
		return VK_DOWN;
	case KEY_LEFT:
		return VK_LEFT;
	case KEY_RIGHT:
		return VK_RIGHT;
	case KEY_PPAGE:
		return VK_PGUP;
	case KEY_NPAGE:
		return VK_PGDN;
	case KEY_HOME:
		return VK_HOME;
	case KEY_END:
		return VK_END;
	case '\t':
		return VK_TAB;
	case KEY_BTAB:
		return VK_BTAB;
	case KEY_F(1):
		return VK_F1;
	default:
		return k >= 0 && k < KEY_MIN ? k : 0;	/* unknown key */
	}
}

int
screen_fd(void)
{
	return STDIN_FILENO;
}
