// Query parameters as the apiserver means them. It is a Go client: a repeated
// parameter counts by its first value (url.Values.Get), and nothing in a query
// string is an error, at worst a missing value.
/** The first value of `name` in the URL's query, or undefined. */
export function firstQueryValue(url: string | undefined, name: string): string | undefined {
  const q = url?.indexOf('?') ?? -1;
  if (url === undefined || q < 0) return undefined;
  return new URLSearchParams(url.slice(q + 1)).get(name) ?? undefined;
}
