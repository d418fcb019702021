// One finding of `doctor` and the helpers that make findings, shared by the checks of doctor.ts
// and of doctor-key.ts (the key), which doctor.ts runs.
import { stat } from 'node:fs/promises'
import { describeError } from '../output.js'

type Status = 'ok' | 'warn' | 'fail'

export interface Check {
  check: string
  status: Status
  detail: string
  fix?: string
}

export async function modeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mode & 0o777
  } catch {
    return undefined
  }
}

export function modeCheck(
  check: string,
  path: string,
  mode: number,
  wanted: number,
  what = check,
): Check {
  if (process.platform === 'win32' || (mode & ~wanted) === 0)
    return { check, status: 'ok', detail: `${path} (${mode.toString(8)})` }
  return {
    check,
    status: 'fail',
    detail: `${path} is readable by others (mode ${mode.toString(8)})`,
    fix: `Run: chmod ${wanted.toString(8)} ${path}   (the ${what} must be private)`,
  }
}

export function failure(check: string, error: unknown): Check {
  // A check's failure is a finding, not a crash: an unexpected error is reported by its message alone.
  const text = describeError(error)
  return {
    check,
    status: 'fail',
    detail: text.unexpected ? (error as Error).message : text.message,
    ...(text.hint ? { fix: text.hint } : {}),
  }
}
