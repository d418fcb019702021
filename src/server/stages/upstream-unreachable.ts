// The words for an upstream that could not be asked at all: refused, unresolvable, silent, or
// something that is not HTTP.
import { BridgeError } from '../../errors.js'
import { noAnswerText } from '../../proxy/upstream-faults.js'

export function upstreamUnreachable(
  server: string,
  url: string,
  error: unknown,
  timeoutSeconds: number,
): BridgeError {
  const { code, name } = error as { code?: string; name?: string }
  if (code === 'UND_ERR_HEADERS_TIMEOUT') {
    return new BridgeError('UPSTREAM_FAILED', noAnswerText(server, url, timeoutSeconds), {
      cause: error,
    })
  }
  if (name === 'HTTPParserError' || code?.startsWith('HPE_')) {
    return new BridgeError(
      'UPSTREAM_FAILED',
      `The upstream server ${url} answered with something that is not HTTP.`,
      {
        hint: 'Check that the URL in config.json points at an MCP server.',
        cause: error,
      },
    )
  }
  const detail =
    code === 'ECONNREFUSED'
      ? 'the connection was refused'
      : code === 'UND_ERR_CONNECT_TIMEOUT'
        ? 'it did not accept the connection in time'
        : code === 'ENOTFOUND'
          ? 'its host name does not resolve'
          : code === 'ECONNRESET' || code === 'UND_ERR_SOCKET'
            ? 'it closed the connection without answering'
            : (error as Error).message
  return new BridgeError(
    'UPSTREAM_FAILED',
    `The upstream server ${url} cannot be reached: ${detail}.`,
    {
      hint: 'Check that the server is up and the URL in config.json is right.',
      cause: error,
    },
  )
}
