/**
 * The parts of GLib's key-file format (GKeyFile) that sim writes: escaping a value, quoting an
 * argv so that g_shell_parse_argv gives it back, and reading the group structure of an existing
 * file without changing a byte of it. Pure. Tests check the results with GLib's own parser.
 */

/** A line of a key file: a group header, a key=value pair, or anything else (comments, blanks) kept as is. */
export type KeyFileLine =
  | { kind: 'group'; name: string; text: string }
  | { kind: 'entry'; key: string; value: string; text: string }
  | { kind: 'other'; text: string };

/**
 * A string value as g_key_file_set_string writes it: backslash, newline, tab and carriage
 * return escaped; a leading space as `\s` (GLib strips unescaped whitespace after `=`). A
 * trailing space is escaped too: GLib keeps it, but editors and reviews do not.
 */
export function escapeValue(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\') out += '\\\\';
    else if (c === '\n') out += '\\n';
    else if (c === '\t') out += '\\t';
    else if (c === '\r') out += '\\r';
    else if (c === ' ' && (i === 0 || i === value.length - 1)) out += '\\s';
    else out += c;
  }
  return out;
}

/** What g_key_file_get_string gives back for a raw value (the inverse of escapeValue). */
export function unescapeValue(raw: string): string {
  return raw.replace(/\\(.)/g, (whole, c: string) => ({ s: ' ', n: '\n', t: '\t', r: '\r', '\\': '\\' })[c] ?? whole);
}

/** Key names GKeyFile accepts unquestioned (no locale suffix): letters, digits and `-`. */
export function isValidKey(key: string): boolean {
  return /^[A-Za-z0-9-]+$/.test(key);
}

/** Group names may hold anything printable but brackets. */
export function isValidGroupName(name: string): boolean {
  return name.length > 0 && ![...name].some((c) => c === '[' || c === ']' || c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
}

// Characters g_shell_parse_argv takes literally outside quotes.
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * One word quoted for g_shell_parse_argv: plain when it is made of safe characters, else in
 * single quotes (inside which nothing is special; a single quote itself is closed, escaped and
 * reopened, as a POSIX shell does). Expansion ($VAR, globs, ~) is never performed by GLib, but
 * such words are quoted anyway so that a shell would read them the same.
 */
export function quoteArg(arg: string): string {
  if (SAFE_WORD.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** An argv as one string that g_shell_parse_argv splits back into the same words. */
export function quoteArgv(argv: readonly string[]): string {
  return argv.map(quoteArg).join(' ');
}

/** The lines of a key file, each with its exact text (line ends included), so that joining them gives the file back. */
export function parseKeyFile(text: string): KeyFileLine[] {
  const lines: KeyFileLine[] = [];
  for (const match of text.matchAll(/[^\n]*\n|[^\n]+$/g)) {
    const raw = match[0];
    const line = raw.replace(/\r?\n$/, '').replace(/^\s+/, '');
    const group = /^\[([^\]]*)\]\s*$/.exec(line);
    const entry = !group && !line.startsWith('#') ? /^([^=]+?)\s*=\s*(.*)$/.exec(line) : null;
    if (group) lines.push({ kind: 'group', name: group[1]!, text: raw });
    else if (entry) lines.push({ kind: 'entry', key: entry[1]!, value: unescapeValue(entry[2]!), text: raw });
    else lines.push({ kind: 'other', text: raw });
  }
  return lines;
}

/** Group names in file order. */
export function groupNames(lines: readonly KeyFileLine[]): string[] {
  return lines.flatMap((l) => (l.kind === 'group' ? [l.name] : []));
}

/** A key's value in a group (the last one wins, as in GLib), or undefined. */
export function valueOf(lines: readonly KeyFileLine[], group: string, key: string): string | undefined {
  let current: string | undefined;
  let found: string | undefined;
  for (const line of lines) {
    if (line.kind === 'group') current = line.name;
    else if (line.kind === 'entry' && current === group && line.key === key) found = line.value;
  }
  return found;
}

/** g_key_file_get_boolean's reading of a value: true and 1 are true. */
export function isTrue(value: string | undefined): boolean {
  return value !== undefined && ['true', '1'].includes(value.trim());
}

/** A group as text: its header and its `key=value` lines, values escaped. */
export function formatGroup(name: string, entries: readonly (readonly [string, string])[]): string {
  return [`[${name}]`, ...entries.map(([key, value]) => `${key}=${escapeValue(value)}`)].join('\n') + '\n';
}

/**
 * The lines with a group's header and entries replaced by `groupText`, in place. The comments
 * and blank lines right above the next group stay: GLib attaches comments to the group below.
 */
export function replaceGroup(lines: readonly KeyFileLine[], name: string, groupText: string): string {
  const start = lines.findIndex((l) => l.kind === 'group' && l.name === name);
  if (start < 0) return appendGroup(lines.map((l) => l.text).join(''), groupText);
  let end = lines.findIndex((l, i) => i > start && l.kind === 'group');
  if (end < 0) end = lines.length;
  let tail = end;
  while (tail > start + 1 && lines[tail - 1]!.kind === 'other') tail--;
  const text = (from: number, to: number) => lines.slice(from, to).map((l) => l.text).join('');
  return text(0, start) + groupText + text(tail, lines.length);
}

/** A file's text with a group added at its end, after a blank line. */
export function appendGroup(text: string, groupText: string): string {
  if (!text) return groupText;
  const ended = text.endsWith('\n') ? text : `${text}\n`;
  return `${ended}${ended.endsWith('\n\n') ? '' : '\n'}${groupText}`;
}
