/** `rec[key]` when it is an own entry: an id like `constructor` is not an `Object.prototype` member here. */
export function own<V>(rec: Record<string, V>, key: string): V | undefined {
  return Object.hasOwn(rec, key) ? rec[key] : undefined;
}
