import { setTimeout as sleep } from "node:timers/promises";
import { BUCKETS } from "@gantry/contracts/subjects";
import { DEFAULT_TOPOLOGY, ensureTopology } from "@gantry/platform/topology";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { startNatsCluster } from "./nats-cluster.ts";

const kvStream = `KV_${BUCKETS.predictions}`;

describe("startNatsCluster", () => {
  it("forms an authenticated R3 cluster that keeps writing with a node down and catches the node up", async () => {
    await using cluster = await startNatsCluster();
    expect(cluster.nodes.map((n) => n.name)).toEqual(["n1", "n2", "n3"]);
    expect(cluster.url.split(",")).toHaveLength(3);
    // Anonymous clients are refused on every node.
    await expect(connect({ servers: cluster.nodes[1]?.url ?? "", reconnect: false })).rejects.toThrow(/Authorization/);

    const nc = await connect({ ...cluster.connectOptions("operator"), maxReconnectAttempts: -1 });
    const buckets = await ensureTopology(nc, { ...DEFAULT_TOPOLOGY, replicas: 3 });
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(kvStream);
    expect(info.config.num_replicas).toBe(3);
    expect((info.cluster?.replicas ?? []).length).toBe(2);

    await cluster.kill(2);
    expect(cluster.nodes[2]?.running).toBe(false);
    // Quorum (2 of 3) keeps accepting writes: retried while a stream whose leader was n3 elects another.
    const deadline = Date.now() + 30_000;
    for (let i = 0; i < 20; i++) {
      for (;;) {
        const ok = await buckets.predictions.put(`k${i}`, `v${i}`).then(
          () => true,
          () => false,
        );
        if (ok) break;
        if (Date.now() > deadline) throw new Error("no write quorum with one node down");
        await sleep(200);
      }
    }
    const last = (await jsm.streams.info(kvStream)).state.last_seq;

    await cluster.restart(2);
    const caughtUp = Date.now() + 30_000;
    for (;;) {
      const s = await jsm.streams.info(kvStream).catch(() => null);
      const peer = s?.cluster?.replicas?.find((r) => r.name === "n3");
      const onN3 = s?.cluster?.leader === "n3" || (peer?.current === true && (peer.lag ?? 0) === 0);
      if (s && onN3 && s.state.last_seq === last) break;
      if (Date.now() > caughtUp) throw new Error(`n3 did not catch up: ${JSON.stringify(s?.cluster)}`);
      await sleep(250);
    }
    // Read through the restarted node alone.
    // Its own JetStream API answers once its view of the cluster's metadata is current again,
    // which can come a moment after the leader counts it caught up: asked until it answers.
    const only3 = await connect(cluster.connectOptions("operator", 2));
    const answers = Date.now() + 30_000;
    let seen: number | null = null;
    while (seen === null) {
      seen = await jetstreamManager(only3, { timeout: 2000 })
        .then((js3) => js3.streams.info(kvStream))
        .then((info) => info.state.last_seq)
        .catch(() => null);
      if (seen === null && Date.now() > answers) throw new Error("n3's JetStream API did not answer");
      if (seen === null) await sleep(250);
    }
    expect(seen).toBe(last);
    await only3.close();
    await nc.close();
    expect(cluster.violations()).toEqual([]);
  }, 120_000);
});
