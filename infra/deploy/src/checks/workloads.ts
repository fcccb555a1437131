import { parse, parseAllDocuments } from "yaml";

/** A container of ours: which service it runs and the variables it is given. */
export interface ServiceRun {
  where: string;
  service: string;
  variables: string[];
}

interface Container {
  name?: string;
  image?: string;
  args?: string[];
  env?: { name: string }[];
}
interface Workload {
  kind?: string;
  metadata?: { name?: string };
  spec?: { template?: { spec?: { containers?: Container[] } } };
}

/** Containers of the gantry images in Kubernetes manifests. */
export function k8sServiceRuns(file: string, text: string): ServiceRun[] {
  const runs: ServiceRun[] = [];
  for (const doc of parseAllDocuments(text)) {
    const o = doc.toJS() as Workload | null;
    for (const c of o?.spec?.template?.spec?.containers ?? []) {
      if (!c.image?.startsWith("gantry")) continue;
      runs.push({
        where: `${file}: ${o?.kind}/${o?.metadata?.name} container ${c.name}`,
        service: c.args?.[0] ?? "gateway",
        variables: (c.env ?? []).map((e) => e.name),
      });
    }
  }
  return runs;
}

/** Services of the gantry images in a compose file. */
export function composeServiceRuns(file: string, text: string): ServiceRun[] {
  const doc = parse(text, { merge: true }) as {
    services?: Record<string, { image?: string; command?: string[]; environment?: Record<string, unknown> | string[] }>;
  };
  return Object.entries(doc.services ?? {})
    .filter(([, s]) => s.image?.startsWith("gantry"))
    .map(([name, s]) => ({
      where: `${file}: service ${name}`,
      service: s.command?.[0] ?? "gateway",
      variables: Array.isArray(s.environment)
        ? s.environment.map((e) => e.split("=")[0] as string)
        : Object.keys(s.environment ?? {}),
    }));
}
