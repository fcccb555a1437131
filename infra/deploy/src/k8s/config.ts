import type { ConfigMap, EnvVar } from "kubernetes-types/core/v1";
import { fromConfig, meta } from "./common.ts";
import { settings } from "./settings.ts";

/** Settings several services must agree on. */
export const config: ConfigMap = {
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: meta("gantry-config", "gantry"),
  data: {
    "public-url": settings.publicUrl,
    "retention-ms": "3600000",
  },
};

export const retention = fromConfig("GANTRY_RETENTION_MS", "retention-ms");
/** What the gateway, scheduler, agent and admin read of it. */
export const shared = [fromConfig("GANTRY_PUBLIC_URL", "public-url"), retention];
/** The URL-signing key; when the Secret is absent, gateways and agents share one kept in NATS. */
export const signingSecret: EnvVar = {
  name: "GANTRY_SIGNING_SECRET",
  valueFrom: { secretKeyRef: { name: "gantry-signing", key: "signing-secret", optional: true } },
};
