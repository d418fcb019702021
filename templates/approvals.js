// @ts-check
// The approvals page script (served at /approvals/app.js; the page itself is
// src/server/pages/approvals-page.ts). It follows the held calls over Server-Sent Events and
// sends decisions with the page's CSRF token.
//
// Everything in a call (server and tool names, descriptions, schemas, arguments, client names)
// comes from untrusted parties. It only ever reaches the page as text: nodes are made with
// createElement and filled with textContent. Never use innerHTML, outerHTML,
// insertAdjacentHTML or document.write here.
'use strict'
;(() => {
  const TITLE = 'Approvals · mcp-oauth-bridge'
  const RECENT_LIMIT = 6
  /** "Allow for …" choices: seconds and the button's words. */
  const WINDOW_CHOICES = [
    [3600, 'Allow for 1 hour'],
    [8 * 3600, '8 hours'],
    [24 * 3600, '24 hours'],
  ]
  const csrfMeta = document.querySelector('meta[name="csrf-token"]')
  const csrf = csrfMeta ? csrfMeta.getAttribute('content') || '' : ''

  /** @param {string} id */
  const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id))
  const list = $('calls')
  const empty = $('empty')
  const summary = $('summary')
  const banner = $('banner')
  const connection = $('connection')
  const connectionText = $('connection-text')
  const notifyButton = /** @type {HTMLButtonElement} */ ($('notify'))
  const notifyState = $('notify-state')
  const recentSection = $('recent-section')
  const recentList = $('recent')
  const announcer = $('announcer')
  const heading = $('heading')

  /**
   * @typedef {{ id: string, server: string, tool: string, description?: unknown, arguments?: unknown,
   *   client?: unknown, createdAt: number, inputSchema?: unknown,
   *   changedSinceApproval?: { description?: unknown, inputSchema?: unknown }, canAlwaysAllow?: boolean }} PendingCall
   * @typedef {{ call: PendingCall, card: HTMLElement, waited: HTMLElement, buttons: HTMLButtonElement[],
   *   status: HTMLElement, error: HTMLElement, busy: boolean, decidedHere?: string,
   *   notification?: Notification, editor?: Editor }} Entry
   * @typedef {{ showErrors: (errors: unknown) => void }} Editor
   * @typedef {{ kind?: string, source?: string, always?: boolean, forSeconds?: number }} Decision
   */
  /** @type {Map<string, Entry>} */
  const entries = new Map()
  let serial = 0
  let streamOpen = false
  let loaded = false

  // ---- DOM helpers: text only ------------------------------------------------------------

  /**
   * @param {string} tag
   * @param {{ className?: string, text?: string, attrs?: Record<string, string> }} [options]
   * @param {Node[]} [children]
   */
  function el(tag, options = {}, children = []) {
    const node = document.createElement(tag)
    if (options.className) node.className = options.className
    if (options.text !== undefined) node.textContent = options.text
    for (const [name, value] of Object.entries(options.attrs || {})) node.setAttribute(name, value)
    for (const child of children) node.append(child)
    return node
  }

  /** Any value as display text: strings as they are, everything else as JSON. @param {unknown} value */
  function asText(value) {
    if (typeof value === 'string') return value
    if (value === undefined || value === null) return ''
    try {
      return JSON.stringify(value)
    } catch {
      return String(value)
    }
  }

  /** @param {unknown} value */
  function pretty(value) {
    try {
      const text = JSON.stringify(value === undefined ? {} : value, null, 2)
      return text === undefined ? String(value) : text
    } catch {
      return String(value)
    }
  }

  /** @param {unknown} value */
  function isEmptyObject(value) {
    return (
      value === undefined ||
      (value !== null &&
        typeof value === 'object' &&
        !Array.isArray(value) &&
        Object.keys(value).length === 0)
    )
  }

  /** @param {number} since */
  function waitedText(since) {
    const seconds = Math.max(0, Math.floor((Date.now() - since) / 1000))
    if (seconds < 60) return `waiting ${seconds} s`
    const minutes = Math.floor(seconds / 60)
    if (minutes < 60) return `waiting ${minutes} min ${String(seconds % 60).padStart(2, '0')} s`
    return `waiting ${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`
  }

  /** @param {Date} date */
  function clock(date) {
    return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })
  }

  /** @param {string} text */
  function announce(text) {
    announcer.textContent = ''
    // A fresh text node so screen readers read it again even when it repeats.
    setTimeout(() => (announcer.textContent = text), 50)
  }

  // ---- cards -------------------------------------------------------------------------------

  /** @param {PendingCall} call */
  function buildCard(call) {
    serial += 1
    const titleId = `call-${serial}-title`
    const hintId = `call-${serial}-always-hint`
    const server = asText(call.server)
    const tool = asText(call.tool)

    const client = asText(call.client)
    const waited = el('span', {
      className: 'waited',
      text: waitedText(call.createdAt),
      attrs: { title: `Arrived at ${clock(new Date(call.createdAt))}` },
    })
    const head = el('div', { className: 'card-head' }, [
      el('div', { className: 'what' }, [
        el('span', { className: 'server', text: server, attrs: { title: 'Server' } }),
        el('h2', { text: tool, attrs: { id: titleId } }),
      ]),
      el('p', { className: 'meta' }, [
        client
          ? el('span', { className: 'client' }, [
              document.createTextNode('from '),
              el('strong', { text: client, attrs: { title: 'The name the client gave' } }),
            ])
          : el('span', { className: 'client', text: 'from a client the bridge could not name' }),
        document.createTextNode(' · '),
        waited,
      ]),
    ])

    const parts = [head]
    const description = asText(call.description)
    parts.push(
      description
        ? el('p', { className: 'desc', text: description })
        : el('p', {
            className: 'desc none',
            text: 'The server gave no description for this tool.',
          }),
    )

    if (call.changedSinceApproval && typeof call.changedSinceApproval === 'object') {
      parts.push(changedNotice(call))
    }

    const argsId = `call-${serial}-args`
    parts.push(el('span', { className: 'label', text: 'Arguments', attrs: { id: argsId } }))
    parts.push(
      isEmptyObject(call.arguments)
        ? el('p', { className: 'muted small', text: 'No arguments.' })
        : el('pre', {
            className: 'args',
            text: pretty(call.arguments),
            attrs: { tabindex: '0', 'aria-labelledby': argsId },
          }),
    )
    const editToggle = el('button', {
      className: 'quiet edit-toggle',
      text: 'Edit arguments',
      attrs: { type: 'button', 'aria-expanded': 'false' },
    })
    const editorSlot = el('div', { className: 'editor' })
    editorSlot.hidden = true
    parts.push(editToggle, editorSlot)

    const approve = el('button', {
      className: 'approve',
      text: 'Approve',
      attrs: { type: 'button' },
    })
    const deny = el('button', { className: 'deny', text: 'Deny', attrs: { type: 'button' } })
    const always = el('button', {
      className: 'always',
      text: 'Always allow this tool',
      attrs: { type: 'button', 'aria-describedby': hintId },
    })
    // "Allow for …" is bound to the definition shown, like "always allow": offered only where it is known.
    const windowButtons =
      call.canAlwaysAllow === false
        ? []
        : WINDOW_CHOICES.map(([seconds, label]) =>
            el('button', {
              className: 'quiet window',
              text: String(label),
              attrs: {
                type: 'button',
                'data-for-seconds': String(seconds),
                title: `Approves this call, and lets later calls of ${tool} on ${server} run without asking for ${windowLength(Number(seconds))}, until the server changes the tool.`,
              },
            }),
          )
    const status = el('span', { className: 'status', attrs: { role: 'status' } })
    const error = el('p', { className: 'error', attrs: { role: 'alert' } })
    error.hidden = true
    parts.push(error)
    const actions = el('div', { className: 'actions' }, [
      approve,
      deny,
      ...windowButtons,
      status,
      always,
    ])
    const hint = el('span', {
      className: 'sr-only',
      text: `Approves this call, and lets later calls of ${tool} on ${server} run without asking, until the server changes the tool.`,
      attrs: { id: hintId },
    })
    // An "always allow" is bound to the definition the person saw; without one there is nothing to bind to.
    if (call.canAlwaysAllow === false) {
      always.setAttribute('disabled', '')
      always.setAttribute(
        'title',
        "The bridge has not seen this tool's definition yet (its client never listed the tools through the bridge), so it cannot be always allowed. Approve it once, or use: mcp-oauth-bridge policy " +
          server +
          ' ' +
          tool +
          ' allow',
      )
    }

    const card = el('article', { className: 'card', attrs: { 'aria-labelledby': titleId } }, [
      el('div', { className: 'main' }, parts),
      actions,
      hint,
    ])
    card.dataset.id = call.id
    /** @type {Entry} */
    const entry = {
      call,
      card,
      waited,
      buttons: [
        approve,
        deny,
        ...windowButtons,
        ...(call.canAlwaysAllow === false ? [] : [always]),
      ].map((b) => /** @type {HTMLButtonElement} */ (b)),
      status,
      error,
      busy: false,
    }
    approve.addEventListener('click', () => void decide(entry, 'approve', false))
    deny.addEventListener('click', () => void decide(entry, 'deny', false))
    always.addEventListener('click', () => void decide(entry, 'approve', true))
    for (const button of windowButtons)
      button.addEventListener(
        'click',
        () =>
          void decide(entry, 'approve', false, { forSeconds: Number(button.dataset.forSeconds) }),
      )
    entry.buttons.push(/** @type {HTMLButtonElement} */ (editToggle))
    editToggle.addEventListener('click', () => toggleEditor(entry, editToggle, editorSlot))
    return entry
  }

  // ---- editing arguments ----------------------------------------------------------------------
  // "Edit arguments" opens a JSON editor prefilled with the call's arguments. Each change is
  // checked by the bridge against the tool's input schema (the bridge checks again when the
  // edit is approved, so this is a help, not the guard). The arguments shown and typed are text
  // in a textarea: nothing in them is ever parsed as HTML.

  const CHECK_DELAY_MS = 300

  /** @param {Entry} entry @param {HTMLElement} toggle @param {HTMLElement} slot */
  function toggleEditor(entry, toggle, slot) {
    const opening = slot.hidden
    slot.hidden = !opening
    toggle.setAttribute('aria-expanded', opening ? 'true' : 'false')
    toggle.textContent = opening ? 'Close the editor' : 'Edit arguments'
    if (!opening) return
    if (!slot.firstChild) buildEditor(entry, slot)
    const textarea = slot.querySelector('textarea')
    if (textarea) textarea.focus()
  }

  /** @param {Entry} entry @param {HTMLElement} slot */
  function buildEditor(entry, slot) {
    const editorId = `call-${entry.card.dataset.id}-editor`
    const textarea = /** @type {HTMLTextAreaElement} */ (
      el('textarea', {
        className: 'mono',
        attrs: {
          id: editorId,
          spellcheck: 'false',
          autocomplete: 'off',
          'aria-describedby': `${editorId}-note ${editorId}-errors`,
        },
      })
    )
    textarea.value = pretty(entry.call.arguments === undefined ? {} : entry.call.arguments)
    textarea.rows = Math.min(16, Math.max(4, textarea.value.split('\n').length + 1))
    const schemaKnown = entry.call.inputSchema !== undefined && entry.call.inputSchema !== null
    const note = el('p', {
      className: 'muted small schema-note',
      text: schemaKnown
        ? "Checked against the tool's input schema."
        : "The bridge has not seen this tool's input schema: checked only as a JSON object.",
      attrs: { id: `${editorId}-note` },
    })
    const errors = el('ul', {
      className: 'edit-errors',
      attrs: { id: `${editorId}-errors`, 'aria-live': 'polite' },
    })
    errors.hidden = true
    const approveEdited = /** @type {HTMLButtonElement} */ (
      el('button', { className: 'approve', text: 'Approve edited', attrs: { type: 'button' } })
    )
    slot.append(
      el('label', {
        className: 'label',
        text: 'Edited arguments (JSON)',
        attrs: { for: editorId },
      }),
      textarea,
      note,
      errors,
      el('div', { className: 'editor-actions' }, [approveEdited]),
    )
    entry.buttons.push(approveEdited)

    /** @param {unknown} list */
    const showErrors = (list) => {
      errors.replaceChildren()
      const items = Array.isArray(list) ? list : []
      for (const item of items) {
        const path = item && typeof item.path === 'string' ? item.path : ''
        const message = item && typeof item.message === 'string' ? item.message : asText(item)
        errors.append(
          el(
            'li',
            {},
            path
              ? [el('code', { text: path }), document.createTextNode(` ${message}`)]
              : [document.createTextNode(message)],
          ),
        )
      }
      errors.hidden = items.length === 0
      textarea.setAttribute('aria-invalid', items.length === 0 ? 'false' : 'true')
    }
    entry.editor = { showErrors }

    /** The editor's JSON, or undefined once its error is shown. */
    const parsed = () => {
      try {
        return { value: JSON.parse(textarea.value) }
      } catch (error) {
        showErrors([
          {
            path: '',
            message: `Not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
          },
        ])
        return undefined
      }
    }

    let checks = 0
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let timer
    const check = async () => {
      const edit = parsed()
      if (!edit) return
      const mine = ++checks
      let body
      try {
        const response = await fetch('/approvals/api/check-arguments', {
          method: 'POST',
          credentials: 'same-origin',
          cache: 'no-store',
          headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
          body: JSON.stringify({ id: entry.call.id, arguments: edit.value }),
        })
        body = await response.json()
      } catch {
        return // the bridge checks again on approval; a failed live check is no reason to block typing
      }
      // Only the newest check speaks: an older answer arriving late must not hide newer errors.
      if (mine !== checks || !body) return
      if (typeof body.note === 'string') note.textContent = body.note
      showErrors(
        body.ok === false
          ? body.errors
          : typeof body.error === 'string'
            ? [{ path: '', message: body.error }]
            : [],
      )
    }
    textarea.addEventListener('input', () => {
      clearTimeout(timer)
      timer = setTimeout(() => void check(), CHECK_DELAY_MS)
    })

    approveEdited.addEventListener('click', () => {
      clearTimeout(timer)
      checks += 1 // a live check still on its way is stale now
      const edit = parsed()
      if (!edit) {
        textarea.focus()
        return
      }
      showErrors([])
      void decide(entry, 'approve', false, { arguments: edit.value })
    })
  }

  /** @param {PendingCall} call */
  function changedNotice(call) {
    const before = call.changedSinceApproval || {}
    /** @param {string} title @param {unknown} description @param {unknown} schema @param {boolean} schemaKnown */
    const column = (title, description, schema, schemaKnown) => {
      const children = [el('h3', { text: title })]
      const text = asText(description)
      children.push(
        text
          ? el('p', { className: 'desc', text })
          : el('p', { className: 'desc none', text: 'No description.' }),
      )
      if (schemaKnown) {
        children.push(el('span', { className: 'label', text: 'Input schema' }))
        children.push(
          el('pre', {
            text: schema === undefined ? 'none' : pretty(schema),
            attrs: { tabindex: '0' },
          }),
        )
      }
      return el('div', {}, children)
    }
    const currentSchemaKnown = 'inputSchema' in call
    return el('div', { className: 'notice', attrs: { role: 'note' } }, [
      el('strong', { text: 'This tool changed since you chose to always allow it' }),
      el('p', {
        text: 'The server changed its description or inputs, so this call asks again. Compare before you approve.',
      }),
      el('div', { className: 'compare' }, [
        column('When you allowed it', before.description, before.inputSchema, true),
        column('Now', call.description, call.inputSchema, currentSchemaKnown),
      ]),
    ])
  }

  /** @param {PendingCall} call @param {boolean} live */
  function add(call, live) {
    if (!call || typeof call.id !== 'string' || entries.has(call.id)) return
    const entry = buildCard(call)
    entries.set(call.id, entry)
    // Arrival order, even when a snapshot and an event cross.
    const after = [...entries.values()].find(
      (other) => other !== entry && other.call.createdAt > call.createdAt && other.card.isConnected,
    )
    list.insertBefore(entry.card, after ? after.card : null)
    if (live) {
      announce(`New call waiting: ${asText(call.tool)} on ${asText(call.server)}.`)
      notify(entry)
    }
    refresh()
  }

  /** @param {string} id @param {Decision | undefined} decision */
  function remove(id, decision) {
    const entry = entries.get(id)
    if (!entry) return
    entries.delete(id)
    if (entry.notification) entry.notification.close()
    const hadFocus = entry.card.contains(document.activeElement)
    const next = entry.card.nextElementSibling || entry.card.previousElementSibling
    entry.card.remove()
    if (hadFocus) {
      const button = next && next.querySelector('button')
      if (button) button.focus()
      else heading.focus()
    }
    if (decision) remember(entry, decision)
    refresh()
  }

  /** @param {Entry} entry @param {Decision} decision */
  function remember(entry, decision) {
    const what = `${asText(entry.call.tool)} on ${asText(entry.call.server)}`
    let how
    if (decision.source === 'page') {
      const verb =
        decision.kind === 'approve'
          ? decision.always
            ? 'approved and always allowed'
            : decision.forSeconds
              ? `approved and allowed for ${windowLength(decision.forSeconds)}`
              : 'approved'
          : 'denied'
      how = `${verb} ${entry.decidedHere ? 'here' : 'on an approvals page'}`
    } else if (decision.source === 'terminal') {
      how = `${decision.kind === 'approve' ? (decision.always ? 'approved and always allowed' : 'approved') : 'denied'} from the terminal`
    } else if (decision.source === 'timeout') {
      how = 'denied: nobody decided in time'
    } else if (decision.source === 'disconnect') {
      how = 'withdrawn: the client went away'
    } else if (decision.source === 'cancelled') {
      how = 'withdrawn: the client cancelled it'
    } else if (decision.source === 'shutdown') {
      how = 'denied: the bridge stopped'
    } else {
      how = decision.kind === 'approve' ? 'approved' : 'denied'
    }
    const item = el('li', {}, [
      el('time', { text: clock(new Date()) }),
      document.createTextNode(`${what}: ${how}`),
    ])
    recentList.prepend(item)
    while (recentList.children.length > RECENT_LIMIT) recentList.lastElementChild?.remove()
    recentSection.hidden = false
    if (!entry.decidedHere) announce(`${what} is no longer waiting: ${how}.`)
  }

  /** Replaces what the page shows with the bridge's list (first load and every reconnect). @param {PendingCall[]} pending */
  function sync(pending) {
    const ids = new Set(pending.map((call) => call.id))
    for (const id of [...entries.keys()]) if (!ids.has(id)) remove(id, undefined)
    for (const call of pending) add(call, false)
    loaded = true
    refresh()
  }

  function refresh() {
    const count = entries.size
    document.title = count > 0 ? `(${count}) ${TITLE}` : TITLE
    empty.hidden = !loaded || count > 0
    if (loaded)
      summary.textContent =
        count === 0
          ? 'Nothing is waiting.'
          : count === 1
            ? '1 call is waiting for your decision.'
            : `${count} calls are waiting for your decision.`
  }

  setInterval(() => {
    for (const entry of entries.values())
      entry.waited.textContent = waitedText(entry.call.createdAt)
  }, 1000)

  // ---- decisions ----------------------------------------------------------------------------

  /** 3600 → "1 hour", 28800 → "8 hours". @param {number} seconds */
  function windowLength(seconds) {
    const hours = seconds / 3600
    if (Number.isInteger(hours)) return hours === 1 ? '1 hour' : `${hours} hours`
    return `${Math.round(seconds / 60)} minutes`
  }

  /**
   * @param {Entry} entry @param {'approve'|'deny'} decision @param {boolean} always
   * @param {{ arguments?: unknown, forSeconds?: number }} [extra] `arguments`: approve with these instead of the client's; `forSeconds`: and allow the tool for that long
   */
  async function decide(entry, decision, always, extra = {}) {
    if (entry.busy || entry.decidedHere) return
    setBusy(entry, true)
    showError(entry, '')
    entry.status.textContent = decision === 'approve' ? 'Approving…' : 'Denying…'
    let response
    try {
      response = await fetch('/approvals/api/decide', {
        method: 'POST',
        credentials: 'same-origin',
        cache: 'no-store',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
        body: JSON.stringify({ id: entry.call.id, decision, always, ...extra }),
      })
    } catch {
      entry.status.textContent = ''
      showError(
        entry,
        'Could not reach the bridge: is it still running? Nothing was decided; try again.',
      )
      setBusy(entry, false)
      return
    }
    if (response.ok) {
      entry.decidedHere = decision
      entry.card.classList.add('settled')
      entry.status.textContent =
        decision === 'approve'
          ? always
            ? 'Approved; this tool is now always allowed.'
            : extra.forSeconds !== undefined
              ? `Approved; this tool runs without asking for ${windowLength(extra.forSeconds)}.`
              : extra.arguments !== undefined
                ? 'Approved with your edits.'
                : 'Approved.'
          : 'Denied.'
      // The `removed` event takes the card away; without a live stream, do it here.
      if (!streamOpen)
        setTimeout(() => remove(entry.call.id, { kind: decision, source: 'page', always }), 1500)
      return
    }
    let message = ''
    let fieldErrors
    try {
      const body = await response.json()
      if (body && typeof body.error === 'string') message = body.error
      if (body && Array.isArray(body.errors)) fieldErrors = body.errors
    } catch {
      // not JSON: keep the status line
    }
    entry.status.textContent = ''
    if (response.status === 409) {
      showError(entry, message || 'This call is no longer waiting.')
      // Keep the buttons off: there is nothing left to decide. The card goes after a while
      // (or at once, when the stream's `removed` event or next snapshot arrives).
      setTimeout(() => remove(entry.call.id, undefined), 6000)
      return
    }
    if (response.status === 422 && fieldErrors && entry.editor) {
      // Refused edited arguments: each error is listed under the editor, and the call still waits.
      entry.editor.showErrors(fieldErrors)
      showError(
        entry,
        'The bridge refused the edited arguments (see the list above). The call is still waiting: fix them and approve again.',
      )
    } else if (response.status === 401) {
      showError(
        entry,
        'You are no longer logged in to this page. Open the login link the bridge printed when it started (or a fresh one from `mcp-oauth-bridge open`), then decide again.',
      )
    } else if (response.status === 403) {
      showError(
        entry,
        'The bridge did not accept this decision from this page; it may have restarted. Reload the page and try again.',
      )
    } else {
      showError(
        entry,
        message || `The bridge answered HTTP ${response.status}. Nothing was decided; try again.`,
      )
    }
    setBusy(entry, false)
  }

  /** @param {Entry} entry @param {boolean} busy */
  function setBusy(entry, busy) {
    entry.busy = busy
    for (const button of entry.buttons) button.disabled = busy
  }

  /** @param {Entry} entry @param {string} text */
  function showError(entry, text) {
    entry.error.textContent = text
    entry.error.hidden = text === ''
  }

  // ---- the live stream ----------------------------------------------------------------------

  let retryDelay = 1000

  /** @param {string} state @param {string} text */
  function setConnection(state, text) {
    connection.dataset.state = state
    connectionText.textContent = text
  }

  /** @param {string} text */
  function showBanner(text) {
    banner.textContent = text
    banner.hidden = text === ''
  }

  /** The JSON of a server-sent event, or undefined. @param {Event} event (a MessageEvent: the stream's own event names are typed as plain events) */
  function parse(event) {
    try {
      return JSON.parse(/** @type {MessageEvent} */ (event).data)
    } catch {
      return undefined
    }
  }

  function connect() {
    const source = new EventSource('/approvals/api/events')
    source.addEventListener('open', () => {
      streamOpen = true
      retryDelay = 1000
      showBanner('')
      setConnection('live', 'Live')
    })
    source.addEventListener('snapshot', (event) => {
      const data = parse(event)
      if (data && Array.isArray(data.pending)) sync(data.pending)
    })
    source.addEventListener('added', (event) => {
      const data = parse(event)
      if (data && data.call) add(data.call, true)
    })
    source.addEventListener('removed', (event) => {
      const data = parse(event)
      if (data && typeof data.id === 'string') remove(data.id, data.decision)
    })
    source.addEventListener('error', () => {
      streamOpen = false
      if (source.readyState === EventSource.CLOSED) {
        // The bridge answered with an error (often: no longer logged in); EventSource gives up.
        source.close()
        void diagnose()
      } else {
        // EventSource tries again by itself; meanwhile the person learns whether anything answers.
        setConnection('connecting', 'Reconnecting…')
        void checkAnswering()
      }
    })
  }

  const NOT_ANSWERING =
    'The bridge is not answering. Is it still running (`mcp-oauth-bridge start`, or `mcp-oauth-bridge demo`)? Retrying…'

  /** While the stream reconnects: a bridge that answers nothing at all is said so, not just "Reconnecting". */
  async function checkAnswering() {
    try {
      await fetch('/approvals/api/pending', { credentials: 'same-origin', cache: 'no-store' })
    } catch {
      if (streamOpen) return
      setConnection('offline', 'Offline')
      showBanner(NOT_ANSWERING)
    }
  }

  /** Why the stream closed, said plainly; then try again. */
  async function diagnose() {
    setConnection('offline', 'Offline')
    try {
      const response = await fetch('/approvals/api/pending', {
        credentials: 'same-origin',
        cache: 'no-store',
      })
      if (response.status === 401) {
        showBanner(
          'You are no longer logged in to this page (the bridge may have restarted). Open the login link the bridge printed when it started (or a fresh one from `mcp-oauth-bridge open`).',
        )
        retryDelay = 15000
      } else {
        showBanner(`The bridge answered HTTP ${response.status}; retrying…`)
      }
    } catch {
      showBanner(NOT_ANSWERING)
    }
    setTimeout(connect, retryDelay)
    retryDelay = Math.min(retryDelay * 2, 15000)
  }

  // ---- browser notifications ----------------------------------------------------------------

  const canNotify = 'Notification' in window

  function updateNotifyControls() {
    if (!canNotify) return
    const permission = Notification.permission
    notifyButton.hidden = permission !== 'default'
    notifyState.hidden = permission === 'default'
    notifyState.textContent =
      permission === 'granted' ? 'Notifications on' : 'Notifications blocked in site settings'
  }

  notifyButton.addEventListener('click', async () => {
    try {
      await Notification.requestPermission()
    } catch {
      // older browsers take a callback; the state below tells the person what happened
    }
    updateNotifyControls()
  })

  /** @param {Entry} entry */
  function notify(entry) {
    if (!canNotify || Notification.permission !== 'granted' || document.hasFocus()) return
    /** @param {string} text @param {number} max */
    const short = (text, max) => (text.length > max ? `${text.slice(0, max - 1)}…` : text)
    const client = asText(entry.call.client)
    try {
      const notification = new Notification(
        short(`Approve ${asText(entry.call.tool)} on ${asText(entry.call.server)}?`, 120),
        {
          body: short(
            `${client ? `${client} wants to run it. ` : ''}Open the approvals page to decide.`,
            200,
          ),
          tag: `approval-${entry.call.id}`,
        },
      )
      notification.addEventListener('click', () => {
        window.focus()
        const first = entry.card.querySelector('button')
        if (first) first.focus()
        notification.close()
      })
      entry.notification = notification
    } catch {
      // some platforms allow notifications only from a service worker; the page still updates
    }
  }

  updateNotifyControls()
  refresh()
  connect()
})()
