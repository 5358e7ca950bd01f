// Content-Type parsing per RFC 9110: type/subtype are case-insensitive, parameters
// follow `;`, and quoted values are unquoted. kadmit accepts JSON in UTF-8 only,
// which is what the apiserver sends (`application/json`, maybe with charset).
export function isJsonUtf8(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const [essence = '', ...params] = contentType.split(';');
  if (essence.trim().toLowerCase() !== 'application/json') return false;
  for (const param of params) {
    const eq = param.indexOf('=');
    if (eq < 0) continue;
    const name = param.slice(0, eq).trim().toLowerCase();
    let value = param.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    if (name === 'charset' && value.toLowerCase() !== 'utf-8' && value.toLowerCase() !== 'utf8') return false;
  }
  return true;
}
