/** The token from `Authorization: Bearer <t>` or the legacy `Token <t>`; `null` otherwise. */
export function parseAuthorization(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^(?:Bearer|Token)\s+(\S+)\s*$/i.exec(header);
  return m?.[1] ?? null;
}
