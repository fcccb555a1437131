import { useSyncExternalStore } from "react";

/** Tokens the browser keeps: the operator's admin token and the user's API token. */
export type TokenKind = "admin" | "api";

const KEY: Record<TokenKind, string> = { admin: "gantry.adminToken", api: "gantry.apiToken" };
const listeners = new Set<() => void>();

export function getToken(kind: TokenKind): string | null {
  return window.localStorage.getItem(KEY[kind]);
}

export function setToken(kind: TokenKind, token: string | null): void {
  if (token) window.localStorage.setItem(KEY[kind], token);
  else window.localStorage.removeItem(KEY[kind]);
  for (const fn of listeners) fn();
}

export function useToken(kind: TokenKind): string | null {
  return useSyncExternalStore(
    (fn) => {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    () => getToken(kind),
  );
}
