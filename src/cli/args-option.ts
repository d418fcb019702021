// `approvals approve <id> --args '<json>'`: the arguments a held call runs with instead of the
// client's. Only read as JSON here (bad JSON is a usage error, exit 2); whether they fit the
// tool's input schema is the bridge's to say, the same check the approvals page gets.
import { BridgeError } from '../errors.js'

export function parseArgsOption(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new BridgeError('BAD_USAGE', `--args is not valid JSON: ${(error as Error).message}.`, {
      hint: `Give the arguments as one JSON object in single quotes, e.g. --args '{"city": "Lyon"}'. See them with: mcp-oauth-bridge approvals --json`,
    })
  }
}
