import * as k8s from "@kubernetes/client-node";
import { DaemonSet, Deployment, StatefulSet } from "kubernetes-models/apps/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { Job } from "kubernetes-models/batch/v1";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ConfigMap, Namespace, Service } from "kubernetes-models/v1";
import { parseAllDocuments } from "yaml";

/** The kinds Gantry ships: the schema model (kubernetes-models) and the typed class (client-node). */
const KINDS: Record<string, { model: new (o: never) => { validate(): void }; typed: string }> = {
  "v1/Namespace": { model: Namespace, typed: "V1Namespace" },
  "v1/ConfigMap": { model: ConfigMap, typed: "V1ConfigMap" },
  "v1/Service": { model: Service, typed: "V1Service" },
  "apps/v1/Deployment": { model: Deployment, typed: "V1Deployment" },
  "apps/v1/DaemonSet": { model: DaemonSet, typed: "V1DaemonSet" },
  "apps/v1/StatefulSet": { model: StatefulSet, typed: "V1StatefulSet" },
  "batch/v1/Job": { model: Job, typed: "V1Job" },
  "autoscaling/v2/HorizontalPodAutoscaler": { model: HorizontalPodAutoscaler, typed: "V2HorizontalPodAutoscaler" },
  "policy/v1/PodDisruptionBudget": { model: PodDisruptionBudget, typed: "V1PodDisruptionBudget" },
  "networking.k8s.io/v1/NetworkPolicy": { model: NetworkPolicy, typed: "V1NetworkPolicy" },
};

type Typed = { getAttributeTypeMap(): { baseName: string; type: string }[] };
const typedClass = (name: string): Typed | undefined => {
  const c = (k8s as unknown as Record<string, unknown>)[name];
  return typeof c === "function" && "getAttributeTypeMap" in c ? (c as unknown as Typed) : undefined;
};

/**
 * Fields the API would not know: kubernetes-models' schemas allow unknown fields, so each object
 * is walked against the typed models of @kubernetes/client-node (1.x: 2.x breaks on Node 20).
 */
function unknownFields(value: unknown, type: string, path: string, out: string[]): void {
  if (value == null) return;
  const array = /^Array<(.+)>$/.exec(type);
  if (array?.[1]) {
    if (!Array.isArray(value)) out.push(`${path}: expected a list`);
    else for (const [i, v] of value.entries()) unknownFields(v, array[1], `${path}[${i}]`, out);
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map?.[1]) {
    for (const [k, v] of Object.entries(value)) unknownFields(v, map[1], `${path}.${k}`, out);
    return;
  }
  const cls = typedClass(type);
  if (!cls) return; // a primitive, IntOrString or Quantity
  if (typeof value !== "object" || Array.isArray(value)) {
    out.push(`${path}: expected an object (${type})`);
    return;
  }
  const attrs = new Map(cls.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  for (const [k, v] of Object.entries(value)) {
    const t = attrs.get(k);
    if (t === undefined) out.push(`${path}: unknown field "${k}"`);
    else unknownFields(v, t, `${path}.${k}`, out);
  }
}

/** Problems of every object in a multi-document YAML text (none: valid). */
export function checkManifests(file: string, text: string): string[] {
  const problems: string[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      problems.push(`${file}: YAML: ${doc.errors[0]?.message}`);
      continue;
    }
    const o = doc.toJS() as { apiVersion?: string; kind?: string; metadata?: { name?: string } } | null;
    if (o == null) continue;
    const where = `${file}: ${o.kind}/${o.metadata?.name}`;
    const kind = KINDS[`${o.apiVersion}/${o.kind}`];
    if (!kind) {
      problems.push(`${where}: no schema for ${o.apiVersion}/${o.kind}`);
      continue;
    }
    try {
      new kind.model(o as never).validate();
    } catch (e) {
      problems.push(`${where}: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`);
    }
    unknownFields(o, kind.typed, where, problems);
  }
  return problems;
}
