// doctor's checks of the encryption key: where the home's record says it is, whether it is
// there, and whether a copy was left in the other place by an interrupted `key move`. The
// keychain is asked only when it is the recorded place: a home using the key file may be on a
// machine without one, and asking a locked desktop keyring would pop up an unlock prompt.
import type { BridgePaths } from '../../config/paths.js'
import { KeychainUnavailable } from '../../tokens/keychain.js'
import {
  describeLocation,
  locationFor,
  markerPath,
  readKeyAt,
  recordedStorage,
  unavailableHint,
  type RecordedStorage,
} from '../../tokens/key-storage.js'
import { failure, modeCheck, modeOf, type Check } from './doctor-checks.js'

export interface KeyReport {
  checks: Check[]
  /** Whether opening the token store is worth trying (the key is where it should be). */
  usable: boolean
  /** Where the key is, for the token store's line. */
  where: string
}

export async function checkKey(paths: BridgePaths): Promise<KeyReport> {
  const check = 'key storage'
  let recorded: RecordedStorage
  try {
    recorded = await recordedStorage(paths)
  } catch (error) {
    return { checks: [failure(check, error)], usable: false, where: '' }
  }
  const { location } = recorded
  const place = location.kind === 'keychain' ? 'the keychain' : 'the key file'
  const hasTokens = (await modeOf(paths.tokens)) !== undefined
  let key: Buffer | undefined
  try {
    key = await readKeyAt(location)
  } catch (error) {
    if (error instanceof KeychainUnavailable) {
      return {
        checks: [
          {
            check,
            status: 'fail',
            detail: `recorded as the keychain in ${markerPath(paths)}, but ${error.message}`,
            fix: unavailableHint(),
          },
        ],
        usable: false,
        where: place,
      }
    }
    return { checks: [failure(check, error)], usable: false, where: place }
  }

  const source = recorded.recorded
    ? `recorded in ${markerPath(paths)}`
    : `no ${markerPath(paths)}: a home from before keychain support; \`mcp-oauth-bridge key move keychain\` puts the key there`
  const checks: Check[] = []
  if (!key && hasTokens) {
    checks.push({
      check,
      status: 'fail',
      detail: `${describeLocation(location)} holds no key, so ${paths.tokens} cannot be opened`,
      fix:
        location.kind === 'file'
          ? 'Restore the key file from a backup, or move tokens.json away and log in to each server again.'
          : 'Restore the keychain entry, or move tokens.json away and log in to each server again.',
    })
    return { checks, usable: false, where: place }
  }
  checks.push({
    check,
    status: 'ok',
    detail: `${describeLocation(location)}${key ? '' : ' (no key yet: made with the first login)'} (${source})`,
  })

  const keyFileMode = await modeOf(paths.key)
  if (location.kind === 'file' && keyFileMode !== undefined)
    checks.push(modeCheck('key file mode', paths.key, keyFileMode, 0o600, 'key file'))
  if (location.kind === 'keychain' && keyFileMode !== undefined) {
    const same = await readKeyAt(locationFor('file', paths)).then(
      (copy) => key !== undefined && copy?.equals(key),
      () => false,
    )
    checks.push(
      same
        ? {
            check: 'leftover key file',
            status: 'warn',
            detail: `${paths.key} still holds a copy of the key, though the keychain is used (an interrupted \`key move\`?)`,
            fix: 'Run `mcp-oauth-bridge key move keychain` to keep the keychain (it removes the file), or `mcp-oauth-bridge key move file` to finish moving to the file.',
          }
        : {
            check: 'leftover key file',
            status: 'warn',
            detail: `${paths.key} holds another key, not used (the keychain is)`,
            fix: `Delete ${paths.key} once you know no copy of tokens.json needs it.`,
          },
    )
  }
  return { checks, usable: true, where: place }
}
