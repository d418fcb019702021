// The era probe (era-probe.ts) as the running bridge sends it: through the same connection pool
// and with the same token and static headers as the client request that needed it.
import {
  sendUpstream as sendShared,
  type UpstreamRequest,
  type UpstreamSender,
} from '../forward.js'
import { eraFromProbe, probeRequest } from './era-probe.js'
import { readMessages } from './message-stream.js'
import type { Era } from './wire.js'

export async function probeUpstreamEra(
  request: UpstreamRequest,
  sendUpstream: UpstreamSender = sendShared,
): Promise<Era | undefined> {
  const probe = probeRequest()
  try {
    const answer = await sendUpstream({
      ...request,
      method: 'POST',
      clientHeaders: probe.headers,
      body: Buffer.from(probe.body),
    })
    return eraFromProbe(answer.statusCode, await readMessages(answer).catch(() => []))
  } catch {
    // Unreachable now: the request itself will say so; the era stays as it was.
    return undefined
  }
}
