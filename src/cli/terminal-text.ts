// Text from other parties (servers, clients, arguments) made safe to print on a terminal. A
// terminal obeys what it is sent: an escape sequence in a tool argument could clear the screen,
// move the cursor over the prompt, retitle the window or paint a fake "approved" line. So every
// character that steers a terminal rather than showing a glyph is written as a visible escape
// instead, in the \uXXXX form JSON uses: in JSON text the result is still JSON and means the
// same, and elsewhere a person sees that something was there.

/** Characters that are shown as escapes: controls, and invisible ones that change what text seems to say. */
const STEERING = new RegExp(
  [
    '[\\u0000-\\u001f\\u007f-\\u009f]', // C0 and C1 controls, DEL (ESC starts ANSI sequences; U+009B is CSI on its own)
    '[\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]', // bidirectional overrides: text that reads backwards
    '[\\u200b-\\u200d\\u2060\\ufeff]', // zero-width characters: two names that look the same but are not
    '[\\u2028\\u2029]', // line and paragraph separators
    // half of a surrogate pair without its other half (an emoji's two halves are left alone)
    '[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]',
  ].join('|'),
  'g',
)

/** Tag characters (U+E0000-U+E007F): invisible, and known for smuggling text to models past people. */
const TAGS = /\udb40[\udc00-\udc7f]/g

const SHORT: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }

function escapeUnit(unit: string): string {
  return SHORT[unit] ?? `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`
}

function escapeAll(text: string, keep: (unit: string) => boolean): string {
  return text
    .replace(TAGS, (pair) => escapeUnit(pair[0] as string) + escapeUnit(pair[1] as string))
    .replace(STEERING, (unit) => (keep(unit) ? unit : escapeUnit(unit)))
}

/** For one line (names, ids): line breaks and tabs are escaped too, so nothing can fake a line of its own. */
export function terminalLine(text: string): string {
  return escapeAll(text, () => false)
}

/** For a block of text (descriptions, pretty JSON): keeps line breaks and tabs, escapes the rest. */
export function terminalBlock(text: string): string {
  return escapeAll(text.replace(/\r\n/g, '\n'), (unit) => unit === '\n' || unit === '\t')
}
