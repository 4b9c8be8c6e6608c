#!/usr/bin/env python3
# A real ncurses program for the fidelity corpus (run by record.ts, not by the
# tests): it draws what full-screen programs draw — boxes in the DEC line
# drawing set, 16 and 256 colours, attributes, wide characters — and then
# changes it in the ways ncurses optimises into scroll regions (DECSTBM +
# IND/RI), insert/delete lines and characters (IL/DL/ICH/DCH), erases with a
# coloured background (EL/ED/ECH) and repeated characters (REP). It needs no
# input and ends by itself, so the recording is the same every time.
import curses
import locale

locale.setlocale(locale.LC_ALL, '')


def main(scr):
    curses.use_default_colors()
    curses.curs_set(1)
    rows, cols = scr.getmaxyx()
    for i in range(1, min(curses.COLORS, 256)):
        curses.init_pair(i, i, -1)
    curses.init_pair(255 if curses.COLORS >= 256 else 7, curses.COLOR_WHITE, curses.COLOR_BLUE)
    blue = curses.color_pair(255 if curses.COLORS >= 256 else 7)

    # Frame 1: a title, a box of boxes, the 16 colours and every attribute.
    scr.bkgd(' ', curses.A_NORMAL)
    scr.border()
    scr.addstr(0, 2, ' fidelity: curses demo ', curses.A_BOLD | curses.A_REVERSE)
    attrs = [('normal', curses.A_NORMAL), ('bold', curses.A_BOLD), ('dim', curses.A_DIM),
             ('underline', curses.A_UNDERLINE), ('reverse', curses.A_REVERSE),
             ('standout', curses.A_STANDOUT), ('blink', curses.A_BLINK),
             ('italic', getattr(curses, 'A_ITALIC', 0))]
    x = 2
    for name, a in attrs:
        scr.addstr(2, x, name, a)
        x += len(name) + 1
    for c in range(16):
        scr.addstr(3, 2 + c * 4, '%3d' % c, curses.color_pair(c) if c else curses.A_NORMAL)
    scr.refresh()

    # Frame 2: a 256-colour cube in a bordered window.
    win = curses.newwin(9, 40, 5, 2)
    win.box()
    win.addstr(0, 2, ' 256 colours ')
    if curses.COLORS >= 256:
        for i in range(16, 232):
            y, x = divmod(i - 16, 36)
            win.addch(1 + y, 2 + x, ord('#'), curses.color_pair(i))
        for i in range(232, 256):
            win.addch(7, 2 + i - 232, curses.ACS_CKBOARD, curses.color_pair(i))
    win.refresh()

    # Frame 3: wide characters and line drawing side by side.
    side = curses.newwin(9, cols - 46, 5, 44)
    side.box()
    side.addstr(1, 1, '日本語 中文 한국어')
    side.addstr(2, 1, 'café naïve Привет')
    side.hline(3, 1, curses.ACS_HLINE, cols - 48)
    side.addch(4, 1, curses.ACS_ULCORNER)
    side.addch(4, 2, curses.ACS_TTEE)
    side.addch(4, 3, curses.ACS_URCORNER)
    side.addch(5, 1, curses.ACS_LTEE)
    side.addch(5, 2, curses.ACS_PLUS)
    side.addch(5, 3, curses.ACS_RTEE)
    side.addch(6, 1, curses.ACS_LLCORNER)
    side.addch(6, 2, curses.ACS_BTEE)
    side.addch(6, 3, curses.ACS_LRCORNER)
    side.addstr(4, 5, 'π ≤ ≥ ≠ £ · ◆ ° ±')
    side.refresh()

    # Frame 4: a log pane at the bottom that scrolls (idlok: DECSTBM + IND).
    log = curses.newwin(rows - 16, cols - 4, 15, 2)
    log.scrollok(True)
    log.idlok(True)
    for i in range(40):
        log.addstr('log line %02d: ' % i)
        log.addstr('status=%s' % ('ok' if i % 3 else 'WARN'), curses.color_pair(2 if i % 3 else 1) | curses.A_BOLD)
        log.addstr(' ' + '=' * (i % 17) + '\n')
        log.refresh()

    # Frame 5: scroll the whole log back down (RI) and up again.
    log.scroll(-3)
    log.refresh()
    log.scroll(2)
    log.refresh()

    # Frame 6: insert and delete lines and characters in the log.
    log.move(1, 0)
    log.insertln()
    log.addstr(1, 0, 'an inserted line', curses.A_UNDERLINE)
    log.refresh()
    log.move(3, 0)
    log.deleteln()
    log.refresh()
    log.move(2, 4)
    log.insstr('>>>')
    log.refresh()
    log.move(4, 2)
    for _ in range(5):
        log.delch()
    log.refresh()
    log.move(0, 0)
    log.insch('@', curses.A_BOLD)
    log.refresh()

    # Frame 7: a coloured background, erased to (BCE) and runs of one character (REP).
    panel = curses.newwin(4, 30, 6, 46)
    panel.bkgd(' ', blue)
    panel.erase()
    panel.addstr(1, 1, '-' * 26)
    panel.addstr(2, 1, 'on blue, erased to blue')
    panel.refresh()
    panel.move(2, 9)
    panel.clrtoeol()
    panel.refresh()
    panel.erase()
    panel.addstr(1, 2, 'x' * 20)
    panel.refresh()

    # Frame 8: a counter updated in place (small diffs), then the title moves.
    for n in range(12):
        scr.addstr(1, cols - 20, 'tick %6d' % (n * 137), curses.A_BOLD)
        scr.refresh()
    scr.move(0, 2)
    scr.insstr('** ')
    scr.refresh()
    scr.move(rows - 2, 10)
    scr.refresh()


curses.wrapper(main)
