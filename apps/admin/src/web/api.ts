import type { Model } from "@gantry/contracts/models";
import type { Prediction } from "@gantry/contracts/prediction";
import { getToken } from "./auth.ts";

export type { Model, Prediction };

/** A failed call of the public API: its problem details. */
export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, detail: string) {
    super(detail);
    this.status = status;
  }
}

/**
 * The public Gantry API with the user's token, through the admin server's `/api` relay (the same
 * origin, so the gateway needs no CORS).
 */
export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const token = getToken("api");
  const headers = new Headers(init.headers);
  if (token) headers.set("authorization", `Bearer ${token}`);
  if (typeof init.body === "string") headers.set("content-type", "application/json");
  const res = await fetch(`/api${path}`, { ...init, headers });
  const text = await res.text();
  const body: unknown = text ? JSON.parse(text) : null;
  if (!res.ok) {
    const detail = (body as { detail?: string } | null)?.detail ?? `${res.status} ${res.statusText}`;
    throw new ApiError(res.status, detail);
  }
  return body as T;
}

/** Uploads a file (`POST /v1/files`); its `urls.get` is what a prediction input takes. */
export async function uploadFile(file: File): Promise<string> {
  const form = new FormData();
  form.append("content", file, file.name);
  const created = await api<{ urls: { get: string } }>("/v1/files", { method: "POST", body: form });
  return created.urls.get;
}
