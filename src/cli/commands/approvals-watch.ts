// `approvals watch`: follows the running bridge's held calls live and asks about each in turn,
// in arrival order, so a call is not missed by someone who lives in a terminal. With --json it
// only prints each held call as a JSON line, for scripts. Lines piped ahead answer the next
// questions in order; the watch ends once the input has ended and its lines are used up. Ctrl-C
// ends it and leaves the calls waiting; the bridge stopping ends it with status 1.
import type { ReadStream } from 'node:tty'
import { BridgeError, quote } from '../../errors.js'
import type { PendingCall } from '../../approvals/queue.js'
import { keyAnswers, lineAnswers, type AnswerReader } from '../answer-reader.js'
import { decideHeld, type ApprovalsClient, type ApprovalsEvent } from '../approvals-client.js'
import { followApprovals } from '../approvals-stream.js'
import { describeLocation } from '../bridge-client.js'
import type { CliContext } from '../context.js'
import { HeldCallLine, type AskedCall } from '../held-call-line.js'
import { callName, describeHeldCall, describeRemoval } from '../held-call-view.js'
import { terminalLine } from '../terminal-text.js'

type Ending = 'interrupted' | 'input ended'

export async function watchApprovals(
  ctx: CliContext,
  client: ApprovalsClient,
  options: { json: boolean },
): Promise<void> {
  const stop = new AbortController()
  let ending: Ending | undefined
  let failure: unknown
  const end = (why: Ending) => {
    if (stop.signal.aborted) return
    ending = why
    stop.abort()
  }
  // Without a terminal in raw mode (a pipe, or `kill -INT`), Ctrl-C arrives as a signal.
  const onSignal = () => end('interrupted')
  process.on('SIGINT', onSignal)

  const line = new HeldCallLine()
  const onEvent = options.json ? printJsonLines(ctx) : feed(line, ctx.out)
  const following = followApprovals(client, onEvent, stop.signal, {
    connected: (again) => {
      if (again) ctx.out.progress('Reconnected to the bridge.')
      else
        ctx.out.progress(
          `Watching held calls on ${describeLocation(client.location)}${options.json ? '' : '; each is asked here as it arrives'}. Ctrl-C stops watching (calls stay waiting).`,
        )
    },
    notice: (text) => ctx.out.warn(text),
  }).catch((error: unknown) => {
    failure = error
    stop.abort()
  })

  const screen = new WatchScreen(ctx)
  const answers = options.json ? undefined : openAnswers(ctx, end)
  try {
    if (answers) await askInTurn({ screen, client, line, answers, stop: stop.signal, out: ctx.out })
    await following
  } finally {
    process.off('SIGINT', onSignal)
    answers?.close()
    stop.abort()
  }
  if (failure !== undefined) throw failure
  const why = ending === 'input ended' ? 'the input ended' : 'interrupted'
  ctx.out.progress(
    `Stopped watching (${why}). Calls still waiting stay held: decide them on the approvals page, or run \`mcp-oauth-bridge approvals watch\` again.`,
  )
}

function feed(line: HeldCallLine, out: CliContext['out']): (event: ApprovalsEvent) => void {
  let synced = false
  return (event) => {
    if (event.type === 'snapshot') {
      line.sync(event.pending)
      if (!synced && event.pending.length === 0) out.progress(IDLE)
      synced = true
    } else if (event.type === 'added') line.add(event.call)
    else line.remove(event.id, event.decision)
  }
}

const IDLE = 'Nothing is waiting; held calls appear here as they arrive.'

/** Each held call once, as one JSON line (a reconnect's snapshot does not print a call again). */
function printJsonLines(ctx: CliContext): (event: ApprovalsEvent) => void {
  const printed = new Set<string>()
  const print = (call: PendingCall) => {
    if (printed.has(call.id)) return
    printed.add(call.id)
    // Escaped past what JSON needs, so the line is still the same JSON but cannot steer a terminal it lands on.
    ctx.stdout.write(`${terminalLine(JSON.stringify(call))}\n`)
  }
  return (event) => {
    if (event.type === 'snapshot')
      for (const call of [...event.pending].sort((a, b) => a.createdAt - b.createdAt)) print(call)
    else if (event.type === 'added') print(event.call)
  }
}

interface WatchAnswers extends AnswerReader {
  /** The call being asked left unanswered: a line that comes before the next question was meant for it. */
  callLeft(): void
  /** A question is done with: the watch ends here if the input has ended and no kept line is left. */
  settled(): void
}

function openAnswers(ctx: CliContext, end: (why: Ending) => void): WatchAnswers {
  if (!ctx.stdin.isTTY) return new AheadAnswers(ctx, () => end('input ended'))
  // Keys are not kept ahead: a person answers what is on the screen, and a key pressed before a
  // question appeared was meant for the call before.
  const keys = keyAnswers(ctx.stdin as ReadStream, () => end('interrupted'))
  return {
    next: (signal) => keys.next(signal),
    close: () => keys.close(),
    callLeft: () => {},
    settled: () => {},
  }
}

/**
 * Lines from a pipe. One that comes while no question is open is kept, in order, for the next
 * questions, so a script can write its answers ahead (`printf 'y\nn\n' | … approvals watch`);
 * one that comes after the asked call left, before the next question, was meant for that call
 * and is dropped. The input is paused while lines are kept, so `yes |` cannot fill memory, and
 * its end ends the watch only once the kept lines are used.
 */
class AheadAnswers implements WatchAnswers {
  readonly #ctx: CliContext
  readonly #lines: AnswerReader
  readonly #kept: string[] = []
  readonly #onEnd: () => void
  #late = false
  #ended = false

  constructor(ctx: CliContext, onEnd: () => void) {
    this.#ctx = ctx
    this.#onEnd = onEnd
    this.#lines = lineAnswers(ctx.stdin, {
      stray: (text) => this.#stray(text),
      end: () => {
        this.#ended = true
        if (this.#kept.length === 0) onEnd()
      },
    })
  }

  next(signal: AbortSignal): Promise<string | undefined> {
    this.#late = false
    const kept = this.#kept.shift()
    if (kept !== undefined) {
      if (this.#kept.length === 0) this.#ctx.stdin.resume()
      return Promise.resolve(kept)
    }
    if (this.#ended) return Promise.resolve(undefined)
    return this.#lines.next(signal)
  }

  callLeft(): void {
    this.#late = true
  }

  settled(): void {
    if (this.#ended && this.#kept.length === 0) this.#onEnd()
  }

  close(): void {
    this.#lines.close()
  }

  #stray(text: string): void {
    if (text.trim() === '') return
    if (this.#late) {
      this.#ctx.out.warn(`Ignored ${quote(text)}: no call is being asked right now.`)
      return
    }
    this.#kept.push(text)
    if (this.#kept.length > 1) return
    this.#ctx.stdin.pause()
    this.#ctx.out.progress(
      `Kept ${quote(text)} for the next call asked (lines written ahead answer the next calls in order).`,
    )
  }
}

interface AskContext {
  screen: WatchScreen
  client: ApprovalsClient
  line: HeldCallLine
  answers: WatchAnswers
  stop: AbortSignal
  out: CliContext['out']
}

async function askInTurn(ask: AskContext): Promise<void> {
  for (;;) {
    const asked = await ask.line.next(ask.stop)
    if (!asked) return
    try {
      await askAbout(asked, ask)
    } finally {
      ask.line.finish()
    }
    ask.answers.settled()
    // A bridge that is stopping denies every call; the watch ends next, so "nothing is waiting" would mislead.
    const stopping = asked.departure()?.decision?.source === 'shutdown'
    if (ask.line.waiting === 0 && !ask.stop.aborted && !stopping) ask.out.progress(IDLE)
  }
}

/** `forSeconds`: "allow for 1 hour", a time window bound to the definition the call shows (like always). */
type Choice =
  | { kind: 'decide'; decision: 'approve' | 'deny'; always: boolean; forSeconds?: number }
  | { kind: 'again'; message?: string }

const ONE_HOUR_SECONDS = 3600

async function askAbout(asked: AskedCall, ask: AskContext): Promise<void> {
  const { call } = asked
  const { screen } = ask
  const canAlwaysAllow = call.canAlwaysAllow !== false
  screen.showCall(describeHeldCall(call, { now: Date.now(), waiting: ask.line.waiting }))
  if (!canAlwaysAllow) {
    screen.say(
      `  (No "always allow": the bridge has not seen this tool's definition, because its client never listed the tools through the bridge.)`,
    )
  }
  const gone = asked.gone.then((decision) => ({ kind: 'gone' as const, decision }))
  let showPrompt = true
  for (;;) {
    const asking = new AbortController()
    if (showPrompt)
      screen.prompt(
        `Approve ${callName(call)}?  [y] approve  [n] deny${canAlwaysAllow ? '  [a] always allow this tool  [h] allow for 1 hour' : ''}  › `,
      )
    // Checked first, so a line kept ahead is not taken by a call that has already left.
    const left = asked.departure()
    const outcome = left
      ? { kind: 'gone' as const, decision: left.decision }
      : await Promise.race([
          ask.answers
            .next(AbortSignal.any([ask.stop, asking.signal]))
            .then((text) => ({ kind: 'answer' as const, text })),
          gone,
        ])
    asking.abort()
    if (outcome.kind === 'gone') {
      ask.answers.callLeft()
      screen.clearPrompt()
      screen.say(`— ${callName(call)} is no longer waiting: ${describeRemoval(outcome.decision)}.`)
      return
    }
    if (outcome.text === undefined) {
      screen.clearPrompt()
      return
    }
    const choice = readChoice(outcome.text, call, canAlwaysAllow)
    // An empty answer (Enter alone) leaves the question as it is.
    showPrompt = choice.kind !== 'again' || choice.message !== undefined
    if (choice.kind === 'again') {
      if (choice.message) {
        screen.answered(outcome.text.trim())
        screen.say(choice.message)
      }
      continue
    }
    screen.answered(outcome.text.trim())
    try {
      await decideHeld(
        ask.client,
        call.id,
        choice.decision,
        choice.always,
        undefined,
        choice.forSeconds,
      )
    } catch (error) {
      if (error instanceof BridgeError && error.code === 'NOT_PENDING') {
        screen.say(
          `— ${callName(call)} is no longer waiting: ${describeRemoval(asked.departure()?.decision)}. Your answer was not used.`,
        )
        return
      }
      screen.say(`! Nothing was decided: ${(error as Error).message}`)
      if (asked.departure()) {
        screen.say(
          `— ${callName(call)} is no longer waiting: ${describeRemoval(asked.departure()?.decision)}.`,
        )
        return
      }
      continue
    }
    const verb = choice.decision === 'approve' ? 'Approved' : 'Denied'
    screen.say(
      `✔ ${verb} ${callName(call)}${choice.always ? '; it is always allowed from now on (until the server changes the tool)' : choice.forSeconds !== undefined ? '; it runs without asking for the next hour (unless the server changes the tool)' : ''}.`,
    )
    return
  }
}

/** `y`, `n`, `a` or `h`, optionally followed by the call's id, so a program can make sure its answer goes to the call it read. */
export function readChoice(text: string, call: PendingCall, canAlwaysAllow: boolean): Choice {
  const [word = '', id, ...rest] = text.trim().toLowerCase().split(/\s+/)
  const usage = `Answer y (approve), n (deny)${canAlwaysAllow ? ', a (always allow) or h (allow for 1 hour)' : ''}, optionally followed by the call id.`
  if (word === '') return { kind: 'again' }
  if (rest.length > 0) return { kind: 'again', message: usage }
  if (id !== undefined && id !== call.id.toLowerCase()) {
    return {
      kind: 'again',
      message: `That answer names call ${quote(id)}, but call ${call.id} is being asked; nothing was decided.`,
    }
  }
  if (word === 'y' || word === 'yes') return { kind: 'decide', decision: 'approve', always: false }
  if (word === 'n' || word === 'no') return { kind: 'decide', decision: 'deny', always: false }
  if (word === 'a' || word === 'always') {
    if (canAlwaysAllow) return { kind: 'decide', decision: 'approve', always: true }
    return {
      kind: 'again',
      message:
        "This call cannot be always allowed (the bridge has not seen the tool's definition). Answer y or n.",
    }
  }
  if (word === 'h' || word === 'hour') {
    if (canAlwaysAllow)
      return { kind: 'decide', decision: 'approve', always: false, forSeconds: ONE_HOUR_SECONDS }
    return {
      kind: 'again',
      message:
        "This call cannot be allowed for an hour (the bridge has not seen the tool's definition). Answer y or n.",
    }
  }
  return { kind: 'again', message: usage }
}

/**
 * What the watch writes on stdout. On a terminal the question stays on its line and a call that
 * leaves while asked replaces it; elsewhere every question ends with a line break, so a program
 * reading line by line sees it at once.
 */
class WatchScreen {
  readonly #stdout: CliContext['stdout']
  readonly #terminal: boolean
  readonly #colour: boolean
  #prompting = false

  constructor(ctx: CliContext) {
    this.#stdout = ctx.stdout
    this.#terminal = Boolean(ctx.stdout.isTTY)
    this.#colour = this.#terminal && !ctx.env.NO_COLOR && ctx.env.TERM !== 'dumb'
  }

  showCall(text: string): void {
    const [head = '', ...rest] = text.split('\n')
    const rule = '─'.repeat(Math.min((this.#stdout as { columns?: number }).columns ?? 72, 72))
    this.#write(`\n${this.#paint('2', rule)}\n${this.#paint('1', head)}\n${rest.join('\n')}\n`)
  }

  say(text: string): void {
    this.#write(`${text}\n`)
  }

  prompt(text: string): void {
    this.#prompting = true
    this.#stdout.write(this.#terminal ? this.#paint('1', text) : `${text}\n`)
  }

  /** The key or line that answered, shown after the question on a terminal (raw mode does not echo). */
  answered(text: string): void {
    if (!this.#prompting) return
    this.#prompting = false
    if (this.#terminal) this.#stdout.write(`${terminalLine(text)}\n`)
  }

  clearPrompt(): void {
    if (!this.#prompting) return
    this.#prompting = false
    if (this.#terminal) this.#stdout.write('\r\u001b[2K')
  }

  #write(text: string): void {
    this.clearPrompt()
    this.#stdout.write(text)
  }

  #paint(code: string, text: string): string {
    return this.#colour ? `\u001b[${code}m${text}\u001b[0m` : text
  }
}
