// Times on the bridge's pages: the person's local time to the minute, with how far away it is
// ("14:05 (in 42 min)"). The pages carry no script, so this is rendered on the bridge, in
// its own time zone: the bridge runs on the person's machine, so that zone is theirs. The exact
// instant stays in a <time datetime> attribute for anyone who needs it.
import { html, type Html } from './html.js'

export interface LocalTimeOptions {
  /** Now, in ms since the epoch; a parameter so tests can fix the clock. */
  now: number
  /** An IANA zone; the process's own zone (TZ, else the system's) when left out. */
  timeZone?: string
}

/** A `<time>` element showing `at` as local time to the minute and relative to now. */
export function localTime(at: number, options: LocalTimeOptions): Html {
  return html`<time datetime="${new Date(at).toISOString()}">${describeLocalTime(at, options)}</time>`
}

/** "14:05 (in 42 min)" today, "yesterday 09:30 (23 h ago)", "5 Dec 2026 08:00 (in 3 days)". */
export function describeLocalTime(at: number, options: LocalTimeOptions): string {
  const day = localDay(at, options)
  return `${day ? `${day} ` : ''}${clock(at, options.timeZone)} (${relativeTime(at - options.now)})`
}

/** A span from now in words: "in 42 min", "3 h ago", "just now". */
export function relativeTime(deltaMs: number): string {
  // Whole minutes, cut down as the clock is: 42.5 min ahead reads "in 42 min", like 12:42 does.
  const minutes = Math.floor(Math.abs(deltaMs) / 60_000)
  if (minutes === 0) return 'just now'
  const span =
    minutes < 90
      ? `${minutes} min`
      : minutes < 36 * 60
        ? `${Math.round(minutes / 60)} h`
        : `${Math.round(minutes / 1440)} days`
  return deltaMs > 0 ? `in ${span}` : `${span} ago`
}

function clock(at: number, timeZone: string | undefined): string {
  return new Intl.DateTimeFormat('en-GB', {
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    ...(timeZone ? { timeZone } : {}),
  }).format(at)
}

/** The day, named only when it is not today. */
function localDay(at: number, options: LocalTimeOptions): string | undefined {
  const day = (ms: number) =>
    new Intl.DateTimeFormat('en-CA', {
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      ...(options.timeZone ? { timeZone: options.timeZone } : {}),
    }).format(ms)
  const target = day(at)
  if (target === day(options.now)) return undefined
  if (target === day(options.now + 86_400_000)) return 'tomorrow'
  if (target === day(options.now - 86_400_000)) return 'yesterday'
  return new Intl.DateTimeFormat('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    ...(options.timeZone ? { timeZone: options.timeZone } : {}),
  }).format(at)
}
