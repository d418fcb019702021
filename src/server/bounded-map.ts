// A Map that forgets its oldest entries past a size, for per-session facts the bridge keeps
// only as a courtesy (which client a session belongs to).
export class BoundedMap<K, V> {
  readonly #limit: number
  readonly #map = new Map<K, V>()

  constructor(limit: number) {
    this.#limit = limit
  }

  get(key: K): V | undefined {
    return this.#map.get(key)
  }

  set(key: K, value: V): void {
    this.#map.delete(key)
    this.#map.set(key, value)
    if (this.#map.size > this.#limit) this.#map.delete(this.#map.keys().next().value as K)
  }
}
