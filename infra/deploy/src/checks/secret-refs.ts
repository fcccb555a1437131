import { parseAllDocuments } from "yaml";

/** Names of the Secrets manifests reference (env, volumes, projected volumes). */
export function referencedSecrets(text: string): Set<string> {
  const names = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const x of v) walk(x);
      return;
    }
    if (!v || typeof v !== "object") return;
    const o = v as Record<string, unknown>;
    const ref = (o.secretKeyRef ?? o.secret) as { name?: string; secretName?: string } | undefined;
    if (ref && typeof ref === "object") {
      const name = ref.secretName ?? ref.name;
      if (name) names.add(name);
    }
    for (const child of Object.values(o)) walk(child);
  };
  for (const doc of parseAllDocuments(text)) walk(doc.toJS());
  return names;
}

/** Secrets the manifests reference that infra/deploy/k8s-secrets.sh does not create. */
export function uncreatedSecrets(manifests: string[], script: string): string[] {
  const created = new Set([...script.matchAll(/^secret (\S+) /gm)].map((m) => m[1]));
  const referenced = new Set(manifests.flatMap((t) => [...referencedSecrets(t)]));
  return [...referenced]
    .filter((n) => !created.has(n))
    .map((n) => `Secret ${n} is referenced but not created by k8s-secrets.sh`);
}
