// The Rules section rendered from plain values: what each server's forms carry, and that text from
// the upstream (tool names) and from people (expressions) is escaped wherever it lands.
import { describe, expect, it } from 'vitest'
import { defaultConfig, type BridgeConfig } from '../../config/schema.js'
import { renderRulesSection } from './rules-section.js'

const HOSTILE_TOOL = '<img src=x onerror=alert(1)>'
const HOSTILE_RULE = '"><script>alert(2)</script>'

function configWith(servers: BridgeConfig['servers']): BridgeConfig {
  return { ...defaultConfig(), servers }
}

describe('renderRulesSection', () => {
  it('escapes tool names and expressions in the rows, the hidden fields, the select and the notice', () => {
    const config = configWith({
      pay: {
        url: 'https://mcp.example.com/mcp',
        auth: 'none',
        tools: { [HOSTILE_TOOL]: 'deny' },
        whenRules: { [HOSTILE_TOOL]: [{ when: `args.x == '${HOSTILE_RULE}'`, policy: 'allow' }] },
      },
    })
    const text = renderRulesSection(config, 'token', 0, {
      tools: () => [HOSTILE_TOOL],
      notice: {
        server: 'pay',
        problem: {
          message: `syntax error: ${HOSTILE_RULE}`,
          line: 1,
          column: 3,
          pointer: `${HOSTILE_RULE}\n  ^`,
        },
        typed: { tool: HOSTILE_TOOL, policy: 'allow', when: `</textarea>${HOSTILE_RULE}` },
      },
    }).text
    expect(text).not.toContain('<img')
    expect(text).not.toContain('<script')
    // The typed text cannot close the textarea early: the only closing tag is the form's own.
    expect(text.split('</textarea>')).toHaveLength(2)
    expect(text).toContain('<code>&lt;img src=x onerror=alert(1)&gt;</code>')
    expect(text).toContain(
      `<input type="hidden" name="when" value="args.x == &#39;&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;&#39;">`,
    )
    expect(text).toContain(
      '<option value="&lt;img src=x onerror=alert(1)&gt;" selected>&lt;img src=x onerror=alert(1)&gt;</option>',
    )
    expect(text).toContain('&lt;/textarea&gt;&quot;&gt;&lt;script&gt;')
  })

  it("shows each server's plain rules with their current policy chosen, read-only's switch, and a notice only with its server", () => {
    const config = configWith({
      pay: {
        url: 'https://mcp.example.com/mcp',
        auth: 'none',
        policy: 'deny',
        tools: { lookup: 'allow' },
        readOnly: { policy: 'allow', definitions: { get_balance: 'f' } },
      },
      mail: { url: 'https://mail.example.com/mcp', auth: 'none' },
    })
    const text = renderRulesSection(config, 'token', 0, {
      tools: (server) => (server === 'pay' ? ['lookup'] : []),
      notice: { server: 'mail', problem: { message: 'the expression is empty' } },
    }).text
    const pay = text.slice(
      text.indexOf('<section id="rules-pay">'),
      text.indexOf('<section id="rules-mail">'),
    )
    const mail = text.slice(text.indexOf('<section id="rules-mail">'))
    expect(pay).toMatch(
      /<tr class="tool-rule"><td><code>lookup<\/code><\/td><td>allow<\/td>[\s\S]*<option value="allow" selected>allow<\/option>/,
    )
    expect(pay).toMatch(
      /<tr class="server-rule">[\s\S]*<option value="deny" selected>deny<\/option>/,
    )
    expect(pay).toContain(
      '<input type="hidden" name="read-only" value="ask"><button type="submit">Turn read-only allow off</button>',
    )
    expect(pay).not.toContain('rule-problem')
    expect(mail).toContain(
      '<input type="hidden" name="read-only" value="allow"><button type="submit">Turn read-only allow on</button>',
    )
    expect(mail).toContain('<strong>Not saved.</strong> The expression is empty.')
    expect(mail).toContain('The bridge has not seen mail list its tools yet')
  })

  it('is left out without servers', () => {
    expect(renderRulesSection(configWith({}), 'token').text).toBe('')
  })
})
