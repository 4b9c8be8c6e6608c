// Hand-made streams of the fidelity corpus: the escape sequences real
// programs use rarely or all at once, each written out so that a difference
// points at one family of sequences. record.ts writes them to
// test/fixtures/streams/NAME.vt; the tests only read the files.

const E = '\x1b';
const CSI = `${E}[`;

/** SGR helper: CSI params m. */
const sgr = (p: string | number): string => `${CSI}${p}m`;

/** 16, 256 and direct colours in both parameter forms, every attribute and the partial resets. */
function sgrStream(): string {
  let s = `${CSI}H${CSI}2J`;
  s += 'fg16: ';
  for (let c = 30; c <= 37; c++) s += `${sgr(c)}${c} `;
  for (let c = 90; c <= 97; c++) s += `${sgr(c)}${c} `;
  s += `${sgr(0)}\r\nbg16: `;
  for (let c = 40; c <= 47; c++) s += `${sgr(c)}${c}${sgr(49)} `;
  for (let c = 100; c <= 107; c++) s += `${sgr(c)}${c}${sgr(49)} `;
  s += `${sgr(0)}\r\n`;
  // The 256-colour palette, 32 to a line, as fg then as bg.
  for (let row = 0; row < 8; row++) {
    for (let i = 0; i < 32; i++) s += `${sgr(`38;5;${row * 32 + i}`)}#`;
    s += ' ';
    for (let i = 0; i < 32; i++) s += `${sgr(`48;5;${row * 32 + i}`)} `;
    s += `${sgr(0)}\r\n`;
  }
  // Direct colour: a gradient with ; and with : (ITU T.416, with and without the colour space id).
  for (let i = 0; i < 40; i++) s += `${sgr(`48;2;${i * 6};${255 - i * 6};128`)} `;
  s += sgr(0);
  for (let i = 0; i < 39; i++) s += `${sgr(`38:2::${i * 6}:80:${255 - i * 6}`)}█`;
  s += `${sgr(0)}\r\n`;
  for (let i = 0; i < 26; i++) s += `${sgr(`38:2::${200 - i * 7}:${i * 9}:40;48:5:${16 + i}`)}${String.fromCharCode(65 + i)}`;
  s += `${sgr(0)}\r\n`;
  // Every attribute alone, then stacked, then cleared one by one.
  const attrs: [number, string][] = [[1, 'bold'], [2, 'dim'], [3, 'italic'], [4, 'underline'], [5, 'blink'], [7, 'inverse'], [8, 'hidden'], [9, 'strike'], [53, 'overline']];
  for (const [n, name] of attrs) s += `${sgr(n)}${name}${sgr(0)} `;
  s += '\r\n';
  s += `${sgr('1;2;3;4;5;7;9;53;31;43')}all-at-once`;
  for (const [n, off] of [[1, 22], [3, 23], [4, 24], [5, 25], [7, 27], [9, 29], [53, 55]] as const) s += `${sgr(off)}-${n}off`;
  s += `${sgr(39)} fg-default ${sgr(49)}bg-default${sgr(0)}\r\n`;
  // Underline styles (4:x), double underline (21), inverse of defaults, bold with bright colours.
  s += `${sgr('4:2')}double${sgr('4:3')} curly${sgr('4:0')} none ${sgr(21)}sgr21${sgr(24)} ${sgr(7)}inv-default${sgr(27)} ${sgr('1;31')}bold-red${sgr('22;91')} bright${sgr(0)}\r\n`;
  // A coloured pen left set while erasing and writing more lines.
  s += `${sgr('38;5;226;48;5;18')}pen kept across lines${CSI}K\r\n  second${CSI}K${sgr(0)}\r\n`;
  // Reverse video on coloured cells, and SGR with empty parameters (malformed ones: xterm-extras).
  s += `${sgr('7;38;2;10;200;10;48;5;52')}rev-rgb${sgr('')}${sgr(';;1')}empty-params${sgr(0)} end`;
  return s;
}

/** ICH/DCH/IL/DL/ECH/REP and IRM, plain and inside a scroll region, on coloured lines. */
function insertDelete(): string {
  let s = `${CSI}H${CSI}2J`;
  for (let y = 1; y <= 20; y++) {
    const bg = y % 3 === 0 ? sgr(`48;5;${20 + y}`) : '';
    s += `${CSI}${y};1H${bg}${String(y).padStart(2, '0')} ${'abcdefghijklmnopqrstuvwxyz'.repeat(3).slice(0, 70)}${CSI}K${sgr(0)}`;
  }
  // ICH: insert blanks (in the current pen) and push the rest right, off the edge.
  s += `${CSI}2;5H${CSI}4@${CSI}3;10H${sgr(41)}${CSI}10@${sgr(0)}${CSI}4;78H${CSI}5@`;
  // DCH: delete characters and pull the rest left; blanks come in at the right.
  s += `${CSI}5;4H${CSI}3P${CSI}6;1H${sgr(44)}${CSI}20P${sgr(0)}${CSI}7;70H${CSI}50P`;
  // ECH: erase in place, cursor stays; with a colour.
  s += `${CSI}8;10H${CSI}5X${sgr(42)}${CSI}9;20H${CSI}15X${sgr(0)}${CSI}10;79H${CSI}9X`;
  // IRM: text typed in insert mode pushes the line right.
  s += `${CSI}11;5H${CSI}4h>>inserted<<${CSI}4l${CSI}11;30Hover`;
  // REP: repeat the last printed character.
  s += `${CSI}12;1H=${CSI}20b${sgr(35)}*${CSI}10b${sgr(0)}`;
  // IL/DL on the whole screen.
  s += `${CSI}13;1H${CSI}2L${sgr(46)}${CSI}15;1H${CSI}L${sgr(0)}${CSI}17;1H${CSI}3M`;
  // IL/DL inside a scroll region: lines below the region stay.
  s += `${CSI}5;12r${CSI}6;1H${CSI}2L new in region${CSI}9;1H${CSI}M${CSI}11;1H${CSI}5L${CSI}r`;
  s += `${CSI}21;1Hend of insert-delete`;
  return s;
}

/** ED and EL in every mode, ECH, on coloured backgrounds (BCE). */
function erase(): string {
  let s = `${CSI}H${CSI}2J`;
  const fill = (): string => {
    let f = `${CSI}H`;
    for (let y = 0; y < 23; y++) f += `${sgr(`3${y % 8}`)}${String.fromCharCode(65 + (y % 26)).repeat(80)}`;
    return f + sgr(0);
  };
  s += fill();
  s += `${CSI}3;10H${sgr(41)}${CSI}K`; // EL 0 from the middle, red
  s += `${CSI}4;10H${sgr(42)}${CSI}1K`; // EL 1 to the cursor, green
  s += `${CSI}5;10H${sgr(43)}${CSI}2K`; // EL 2 whole line
  s += `${CSI}6;80H${sgr(44)}${CSI}K`; // EL 0 at the last column
  s += `${CSI}7;1H${sgr(45)}${CSI}1K`; // EL 1 at the first column
  s += `${sgr(0)}${CSI}8;5H${sgr('48;5;130')}${CSI}12X${sgr('48;2;0;90;90')}${CSI}8;40H${CSI}100X${sgr(0)}`;
  s += `${CSI}15;30H${sgr(46)}${CSI}J`; // ED 0 from the middle
  s += `${CSI}12;40H${sgr(0)}${CSI}1J`; // ED 1 to the cursor, default colour
  s += `${CSI}14;1H${sgr(4)}${CSI}K${sgr(0)}`; // EL with underline in the pen (only colour is erased with)
  s += `${CSI}20;1Hafter erasing`;
  // Fill again and erase everything with a colour, then with ED 3 (scrollback only).
  s += `${CSI}r` + fill();
  s += `${sgr('48;5;236')}${CSI}2J${CSI}3J${sgr(0)}${CSI}H${sgr('48;5;236')}on a grey screen${sgr(0)}`;
  s += `${CSI}10;10H${sgr('48;5;52')}${CSI}K${CSI}11;10H${sgr(0)}${CSI}K${CSI}12;10H${sgr(7)}${CSI}K${sgr(0)}`;
  s += `${CSI}22;1Hend of erase`;
  return s;
}

/** DECSTBM with the ways text moves inside a region. */
function scrollRegions(): string {
  let s = `${CSI}H${CSI}2J`;
  for (let y = 1; y <= 23; y++) s += `${CSI}${y};1Hrow ${y}${CSI}${y};60H|fixed ${y}`;
  // A region in the middle; LF at the bottom margin scrolls only the region.
  s += `${CSI}5;15r${CSI}15;1H`;
  for (let i = 0; i < 6; i++) s += `${sgr(`48;5;${52 + i}`)}\nscrolled in ${i}${CSI}K${sgr(0)}`;
  // RI at the top margin scrolls down; NEL at the bottom; IND.
  s += `${CSI}5;1H${E}M${E}Mreverse-indexed${CSI}15;1H${E}Enext-line${E}Dindexed`;
  // SU and SD (CSI S / CSI T) move the region's contents, colour from the pen.
  s += `${sgr(44)}${CSI}2S${sgr(0)}${CSI}3T`;
  // CUU/CUD stop at the margins when starting inside.
  s += `${CSI}10;5H${CSI}20Atop-stop${CSI}20Bbottom-stop`;
  // Outside the region, LF at the last line of the screen does not scroll the region.
  s += `${CSI}23;1Hbelow${CSI}20;1H\n\n\n\n\nstill below`;
  // A one-line-high region, then a region to the bottom, and a reset.
  s += `${CSI}3;3r${CSI}3;1Hone\n${sgr(32)}line\n${sgr(0)}region`;
  s += `${CSI}18;23r${CSI}23;1H`;
  for (let i = 0; i < 4; i++) s += `\r\nbottom region ${i}`;
  s += `${CSI}r${CSI}1;30Hregion reset${CSI}23;1H\r\nwhole screen scrolled`;
  // Invalid regions are ignored.
  s += `${CSI}10;5r${CSI}24;30r${CSI}2;2H bad regions ignored`;
  return s;
}

/** Every cursor motion, save/restore with the pen, C0 motion, pending wrap, autowrap off. */
function cursorMotion(): string {
  let s = `${CSI}H${CSI}2J`;
  s += `${CSI}5;10HCUP${CSI}7;20fHVP${CSI}3A^CUU${CSI}2B${CSI}5CCUF${CSI}12DCUB${CSI}2ECNL${CSI}3FCPL`;
  s += `${CSI}40GCHA${CSI}12dVPA${CSI}50\`HPA`;
  // Over-large and zero parameters clamp and default.
  s += `${CSI}999;999H*${CSI}0;0H+${CSI}0A${CSI}0C-${CSI}999B${CSI}999D!`;
  // DECSC/DECRC keeps position and pen; SCOSC/SCORC (CSI s/u) keeps position.
  s += `${CSI}14;5H${sgr('1;35')}${E}7${sgr(0)}${CSI}20;1Hmoved${E}8saved-pen${sgr(0)}`;
  s += `${CSI}15;5H${CSI}s${CSI}1;1H${CSI}uscosc`;
  // C0: BS, CR, LF, VT, FF, and BS at the left edge.
  s += `${CSI}16;1H\bleft-edge\b\b\bXY\rCR\nLF\vVT\fFF`;
  // A pending wrap: the cursor stays on the last column until the next character.
  s += `${CSI}18;70H${'w'.repeat(10)}${CSI}18;1Hprinted-after-pending`;
  s += `${CSI}19;75H${'p'.repeat(6)}`; // wraps onto row 20
  // DECAWM off: the last column is overwritten, no wrap.
  s += `${CSI}?7l${CSI}22;70H${'n'.repeat(20)}${CSI}?7h`;
  s += `${CSI}23;1Hend${CSI}8;33H`;
  return s;
}

/** DECOM inside DECSTBM. */
function originMode(): string {
  let s = `${CSI}H${CSI}2J`;
  for (let y = 1; y <= 23; y++) s += `${CSI}${y};1H${String(y).padStart(2)}:`;
  s += `${CSI}6;18r${CSI}?6h`;
  s += `${CSI}Horigin-home${CSI}3;10Hrow3-in-region${CSI}99;1Hclamped-to-bottom-margin`;
  // DECSC/DECRC saves origin mode too.
  s += `${CSI}5;5H${E}7${CSI}?6l${CSI}1;40Houtside${E}8restored`;
  s += `${CSI}?6h${CSI}13;1H`;
  for (let i = 0; i < 3; i++) s += `\nscrolls-region ${i}`;
  s += `${CSI}1;1H${E}Mri-at-top`;
  s += `${CSI}?6l${CSI}1;30Habsolute-again${CSI}r${CSI}23;40Hend`;
  // Origin mode left on with a region: the snapshot must carry both.
  s += `${CSI}10;20r${CSI}?6h${CSI}2;3Hleft-on`;
  return s;
}

/** Tab stops: default, set, cleared, forward and backward tabulation. */
function tabs(): string {
  let s = `${CSI}H${CSI}2J`;
  s += 'a\tb\tc\td\te\tf\tg\th\ti\tj\tk\r\n';
  s += '\t\t\tthree tabs\r\n';
  s += `${sgr(44)}x\ty\tz${sgr(0)}\r\n`;
  s += `${CSI}3g`; // clear all stops
  s += 'no\tstops\r\n';
  s += `${CSI}5G${E}H${CSI}13G${E}H${CSI}31G${E}H${CSI}50G${E}H\r`; // set stops at 5, 13, 31, 50
  s += '\tA\tB\tC\tD\tE\r\n';
  s += `${CSI}13G${CSI}g\r\tA\tB\tC\r\n`; // clear the stop at 13
  s += `\t\t\tthree-forward${CSI}2Ztwo-back${CSI}9Z^\r\n`;
  s += `${E}c`; // RIS: stops back to every 8 columns, screen cleared
  s += '1\t2\t3\t4\t5\t6\t7\t8\t9\t10\t11\r\n';
  s += `${CSI}78G\tX\tY\r\n`; // tab at the end of a line stops at the last column
  s += `col\t${sgr(7)}inv\t${sgr(0)}\t${sgr(4)}ul${sgr(0)}\r\n`;
  return s;
}

/** DEC special graphics through G0 and G1, every mapped character, the UK set. */
function lineDrawing(): string {
  let s = `${CSI}H${CSI}2J`;
  s += `${E}(0lqqqqwqqqqk\r\nx    x    x\r\ntqqqqnqqqqu\r\nx    x    x\r\nmqqqqvqqqqj${E}(B\r\n`;
  s += `all: ${E}(0\`abcdefghijklmnopqrstuvwxyz{|}~${E}(B\r\n`;
  // G1 designated, shifted in and out with SO/SI.
  s += `${E})0plain \x0elqk\x0f plain \x0exx\x0f\r\n`;
  s += `${sgr('1;33')}${E}(0lqqq${sgr('22;36')}qqqk${E}(B${sgr(0)} coloured\r\n`;
  s += `${E}(0${CSI}10;10Hlqk${CSI}11;10Hx x${CSI}12;10Hmqj${E}(B`;
  // Left shifted to G1 at the end: the state a snapshot must carry.
  s += `${CSI}14;1Hleft in G1: \x0elqk`;
  return s;
}

/** CJK, emoji, sequences, combining marks, and wide characters at the edges. */
function unicode(): string {
  let s = `${CSI}H${CSI}2J`;
  s += '日本語のテキスト、漢字とかな。中文。한국어.\r\n';
  s += 'ＡＢＣ１２３ ｶﾀｶﾅ halfwidth\r\n';
  s += 'emoji: 😀🎉👍🚀 ☕✅ heart ❤️ flags 🇯🇵🇫🇷 zwj 👩‍💻 👨‍👩‍👧 skin 👍🏽\r\n';
  s += 'combining: e\u0301 a\u0308 n\u0303 A\u030a d\u0323\u0307 o\u0328\u0304 x\u20dd\r\n';
  s += 'greek αβγ cyrillic Привет latin ßøæœ box ┌─┐ arrows ←→ math ∀∃≤≥\r\n';
  // A wide character that does not fit at the last column wraps whole.
  s += `${'.'.repeat(79)}中after\r\n`;
  s += `${'.'.repeat(78)}中\r\n`;
  // Overwriting half of a wide character blanks the other half.
  s += `中文中文中文${CSI}10;2Hx${CSI}10;5Hy\r\n`;
  s += `${CSI}11;1H日本語${CSI}11;3H${CSI}K\r\n`;
  s += `${CSI}12;1H${sgr(44)}色${sgr('31;43')}彩${sgr(0)} ${sgr(4)}下線の文字${sgr(0)} ${sgr(7)}反転${sgr(0)}\r\n`;
  // Wide characters that just fit with autowrap off (one that does not: wide-nowrap).
  s += `${CSI}?7l${CSI}13;75H日本語${CSI}?7h\r\n`;
  // Zero-width and odd code points alone.
  s += `${CSI}14;1Hsoft-hyphen[\u00ad] nbsp[\u00a0]`;
  s += `${CSI}16;1H${'中'.repeat(40)}`; // exactly full: pending wrap after a wide char
  s += `${CSI}17;1Hend`;
  return s;
}

/**
 * Sequences on which tmux 3.3 departs from xterm, which xterm.js (so our
 * models) follows: kept out of the other streams so that those can be
 * compared with tmux. tmux has no HPR, VPR or CHT and no UK set; after a
 * pending wrap it moves BS from one column further right, and after LF it
 * keeps the cursor past the margin (dropping text under DECAWM off); it
 * applies IL/DL outside the scroll margins; it deletes and inserts across
 * wide pairs differently; it reads SGR 38:2:r:g:b (no colour space id) as
 * RGB where xterm.js reads r as the id; xterm.js underlines OSC 8 link text
 * and joins lone zero-width characters to the cell before; and the two read
 * malformed SGR colours (a missing index, values out of range) differently.
 */
function xtermExtras(): string {
  let s = `${CSI}H${CSI}2J`;
  s += `${CSI}2;10HCUP${CSI}3aHPR${CSI}2eVPR${CSI}4;1H`; // HPR (CSI a), VPR (CSI e)
  s += `a\t${CSI}2Itwo-stops-on\r\n`; // CHT (CSI I)
  s += `${CSI}6;78Habc\bB`; // BS after a pending wrap
  s += `${CSI}7;1H${'h'.repeat(80)}\n${CSI}?7l${'i'.repeat(90)}${CSI}?7h`; // LF after a pending wrap, then DECAWM off
  s += `${CSI}9;1H${E}(AUK: #1 ${E}(B US: #1`; // the UK set: # is £
  for (let y = 10; y <= 14; y++) s += `${CSI}${y};1Hline ${y} ${'-'.repeat(30)}`;
  s += `${CSI}10;12r${CSI}14;1H${CSI}2L${CSI}M${CSI}r`; // IL/DL outside the margins do nothing
  s += `${CSI}15;1H日本語テキスト${CSI}15;3H${CSI}@${CSI}15;1H${CSI}P${CSI}16;1H中文中文${CSI}16;4H${CSI}2P`; // across wide pairs
  s += `${CSI}17;1H`;
  for (let i = 0; i < 20; i++) s += `${sgr(`38:2:${200 - i * 7}:${i * 9}:40`)}${String.fromCharCode(65 + i)}`; // no colour space id
  s += `${sgr(0)}${CSI}18;1H${E}]8;;https://example.com/\x07a link${E}]8;;\x07 after link`; // OSC 8
  s += `${CSI}19;1Hzwsp[\u200b] zwj[\u200d] vs16[\ufe0f] wj[\u2060]`; // zero-width characters alone
  s += `${CSI}20;1H${sgr('38;5;300')}out-of-range${sgr('48;2;300;-1;20')}bad-rgb${sgr(0)}`; // malformed SGR
  s += `${CSI}21;1Hend`;
  return s;
}

/**
 * A wide character with no room before the right margin while DECAWM is off.
 * Terminals differ (tmux drops it); xterm.js keeps the cursor on the last
 * column and leaves the previous wide character's head without its tail, a
 * state no byte stream rebuilds. Apart from the other Unicode cases for that.
 */
function wideNoWrap(): string {
  let s = `${CSI}H${CSI}2J${CSI}?7l`;
  s += `${CSI}2;75H日本語テ`; // 語 ends at the margin; テ has no room
  s += `${CSI}4;76H${sgr(44)}中文字${sgr(0)}`; // 文 ends at the margin; 字 has no room
  s += `${CSI}6;80H中`; // no room at all on an empty line
  s += `${CSI}?7h${CSI}8;1Hend`;
  return s;
}

/** A combining mark with nothing to combine with, at column 0 (xterm.js: a width-0 cell, and the cursor moves on). */
function loneMark(): string {
  return `${CSI}H${CSI}2Jcombining mark at line start:\r\u0301x\r\n\u0308\u0301after two${CSI}5;1Hend`;
}

/** Rows filled by wrapping (so the next row is marked wrapped), one then erased whole. */
function eraseWrapped(): string {
  let s = `${CSI}H${CSI}2J`;
  s += 'A'.repeat(80) + 'B'.repeat(80) + 'C'.repeat(80) + 'D'.repeat(40);
  s += `${CSI}2;5H${sgr(43)}${CSI}2K${sgr(0)}`; // the whole B row, wrapped on both sides
  s += `${CSI}6;1Hend`;
  return s;
}

/**
 * A saved cursor used across a long stretch of output, as a status-line
 * updater or `tput sc`/`tput rc` in a prompt does: DECSC (ESC 7, with the
 * pen) and SCOSC (CSI s), other drawing, then the restore and more text.
 */
function savedCursor(): string {
  let s = `${CSI}H${CSI}2J${CSI}10;1H$ typed so far`;
  s += `${sgr('1;32')}${E}7${sgr(0)}`; // saved at 10,14 with bold green
  for (let i = 0; i < 40; i++) s += `${CSI}1;50H${sgr(44)} status ${String(i).padStart(3)} ${sgr(0)}${CSI}${2 + (i % 6)};1H${'-'.repeat(20 + i)}`;
  s += `${E}8 restored by ESC 8${sgr(0)}`;
  s += `${CSI}15;5H${CSI}s`; // saved at 15,5
  for (let i = 0; i < 40; i++) s += `${CSI}1;50H${sgr(45)} clock ${String(i).padStart(3)} ${sgr(0)}`;
  s += `${CSI}u restored by CSI u${CSI}20;1Hend`;
  return s;
}

/** Alternate screens 47, 1047 and 1049, both with content, and the cursor across the switch. */
function altScreen(): string {
  let s = `${CSI}H${CSI}2J`;
  for (let i = 0; i < 30; i++) s += `main screen line ${i}\r\n`;
  s += `${sgr(32)}main pen`;
  s += `${CSI}5;10H${CSI}?1049h${sgr(0)}${CSI}H${CSI}2J${sgr(44)}alt 1049${CSI}K${sgr(0)}${CSI}10;10Hin the middle`;
  s += `${CSI}?1049l after-1049`; // back: cursor restored to 5,10
  s += `${CSI}?47h${CSI}3;3Halt-47 keeps its old content?${CSI}?47l${CSI}8;1Hback from 47`;
  s += `${CSI}?1047h${CSI}2J${CSI}1;1H1047 cleared${CSI}?1047l${CSI}9;1Hback from 1047`;
  // The alternate screen has no scrollback: lines scroll away.
  s += `${CSI}?1049h${CSI}H${CSI}2J`;
  for (let i = 0; i < 40; i++) s += `${sgr(`38;5;${i + 100}`)}alt line ${i}\r\n`;
  s += `${sgr(0)}${CSI}5;20r${CSI}20;1H\nregion on alt`;
  // Left on the alternate screen, with a region: the state a snapshot must carry.
  return s;
}

/** Queries, OSC strings and input modes between text: none of it may change the cells. */
function modesQueries(): string {
  let s = `${CSI}H${CSI}2J`;
  s += `before${CSI}c${CSI}>c${CSI}5n${CSI}6n${CSI}?6n${CSI}>0q${CSI}?2004$p${CSI}18t${E}P$qm${E}\\after\r\n`;
  s += `${E}]0;window title\x07${E}]2;another\x1b\\title set\r\n`;
  s += `${E}]52;c;aGVsbG8=\x07clipboard${E}]10;?\x07${E}]11;?\x07${E}]4;1;?\x07 colour queries\r\n`;
  s += `${CSI}?1h${E}=${CSI}?2004h${CSI}?1000h${CSI}?1006h${CSI}?1004h modes on\r\n`;
  s += `${CSI}?25l hidden cursor ${CSI}?25h shown ${CSI}4 q underline ${CSI}6 q bar ${CSI}1 q\r\n`;
  s += `${E}Pq#0;2;0;0;0#1;2;100;100;0#1~~@@vv@@~~@@~~$-${E}\\ sixel ignored\r\n`;
  s += `${E}_apc${E}\\${E}^pm${E}\\ apc/pm ignored\r\n`;
  s += `${CSI}?2026hsync${CSI}?2026l output\r\n`;
  // Left on: the modes a snapshot and the viewer must mirror.
  s += `${CSI}?1002h${CSI}?1006h${CSI}?1h${CSI}?2004h${CSI}5 q${CSI}?25l`;
  s += 'end';
  return s;
}

/** Wrapping at the exact width and everything that follows a pending wrap. */
function wrap(): string {
  let s = `${CSI}H${CSI}2J`;
  s += `${'a'.repeat(200)}\r\n`;
  s += `${'b'.repeat(80)}\r\n`; // exactly one line: CR LF after a pending wrap
  s += `${'c'.repeat(80)}d\r\n`; // one character onto the next line
  s += `${'e'.repeat(80)}${CSI}Kerased?\r\n`; // EL with a pending wrap
  s += `${sgr(41)}${'f'.repeat(79)} ${sgr(0)}\r\n`; // coloured up to the edge
  s += `${'g'.repeat(80)}${CSI}1;1H`; // CUP cancels the pending wrap
  s += `${CSI}12;1H${'h'.repeat(80)}\r\n`;
  s += `${CSI}?7l${'i'.repeat(100)}${CSI}?7h\r\n`;
  for (let i = 0; i < 6; i++) s += `${'j'.repeat(75)} ${i} ${'k'.repeat(30)}\r\n`;
  s += `${'l'.repeat(80)}`;
  return s;
}

/** 1000 coloured lines: scrolling through the scrollback, ending part way down a screen. */
function flood(): string {
  let s = '';
  for (let i = 0; i < 1000; i++) {
    const c = 16 + (i % 216);
    s += `${sgr(`38;5;${c}`)}${String(i).padStart(5)}${sgr(0)} ${i % 7 === 0 ? sgr(1) : ''}the quick brown fox ${sgr(`48;5;${232 + (i % 24)}`)}jumps${sgr(0)} over ${'.'.repeat(i % 40)}\r\n`;
  }
  s += `${sgr(33)}done${sgr(0)} $ `;
  return s;
}

/** Every hand-made stream by corpus name. */
export const HANDMADE: Record<string, () => string> = {
  sgr: sgrStream,
  'insert-delete': insertDelete,
  erase,
  'scroll-regions': scrollRegions,
  'cursor-motion': cursorMotion,
  'origin-mode': originMode,
  tabs,
  'line-drawing': lineDrawing,
  unicode,
  'xterm-extras': xtermExtras,
  'wide-nowrap': wideNoWrap,
  'lone-mark': loneMark,
  'erase-wrapped': eraseWrapped,
  'saved-cursor': savedCursor,
  'alt-screen': altScreen,
  'modes-queries': modesQueries,
  wrap,
  flood,
};
