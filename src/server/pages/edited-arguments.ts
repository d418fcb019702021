// "Approve edited" on the bridge's side: arguments a person edited for a held call are checked
// here against the tool's input schema as the catalog knows it, whatever the page already
// showed, so a decision from the terminal (`approvals approve --args`) or from a page with a
// stale script is held to the same rules. A refused edit leaves the call waiting.
import type { ApprovalQueue } from '../../approvals/queue.js'
import {
  checkEditedArguments,
  errorsText,
  type ArgumentError,
  type SchemaUse,
} from '../../approvals/schema-check.js'

export const NOT_WAITING =
  'That call is no longer waiting: it was decided elsewhere, timed out, or its client went away.'

export type HeldEditCheck =
  | { ok: true; arguments: Record<string, unknown>; schema: SchemaUse }
  | { ok: false; status: 409 | 422; error: string; errors?: ArgumentError[]; schema?: SchemaUse }

export async function checkHeldEdit(
  queue: ApprovalQueue,
  id: string,
  edited: unknown,
): Promise<HeldEditCheck> {
  const call = queue.pending().find((held) => held.id === id)
  if (!call) return { ok: false, status: 409, error: NOT_WAITING }
  const checked = await checkEditedArguments(edited, call.inputSchema)
  if (checked.ok)
    return { ok: true, arguments: edited as Record<string, unknown>, schema: checked.schema }
  const what =
    checked.schema === 'checked' ? "do not fit the tool's input schema" : 'are not usable'
  return {
    ok: false,
    status: 422,
    error: `The edited arguments ${what}: ${errorsText(checked.errors)}. The call is still waiting: fix them and approve again.`,
    errors: checked.errors,
    schema: checked.schema,
  }
}

/** What the page shows under the editor about the check it got. */
export function schemaUseText(schema: SchemaUse): string {
  switch (schema) {
    case 'checked':
      return "Checked against the tool's input schema."
    case 'unknown':
      return "The bridge has not seen this tool's input schema (its client never listed the tools through the bridge): checked only as a JSON object."
    case 'unusable':
      return "The tool's input schema could not be used to check arguments: checked only as a JSON object."
  }
}
