/*
 * argo-top's terminal: the only module that calls curses. It sets the
 * terminal up and restores it, maps canvas styles to colours (or, on a
 * monochrome terminal or with NO_COLOR, to attributes), copies a canvas
 * to the screen and turns curses key codes into VK_* codes.
 *
 * screen_done() may be called any number of times and from any exit
 * path; argo-top registers it with atexit() and calls it from its signal
 * handling, so the terminal is restored however the program ends.
 */
#ifndef ARGO_TOP_SCREEN_H
#define ARGO_TOP_SCREEN_H

#include "top-canvas.h"

#define SCREEN_RESIZE	(-2)	/* screen_key(): the terminal was resized */

/* 0, or -1 when there is no terminal to draw on. */
int	screen_init(int mono);
void	screen_done(void);
void	screen_size(int *w, int *h);
void	screen_draw(const struct canvas *);
/* Clear and repaint everything on the next screen_draw(). */
void	screen_redraw(void);
/*
 * The next key (a character or VK_*), SCREEN_RESIZE, 0 for a key that
 * means nothing here, or -1 when there is none.
 */
int	screen_key(void);
/* The descriptor keys arrive on. */
int	screen_fd(void);

#endif
