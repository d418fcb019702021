// One line of the request log: what the request path reports for each request it finished.
export interface RequestLogEntry {
  server: string
  method: string
  status: number
  ms: number
  note?: string
  body?: string
}
