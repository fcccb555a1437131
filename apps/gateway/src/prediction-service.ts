import { AppError, INVALID_VERSION_DETAIL, NOT_FOUND_DETAIL } from "@gantry/contracts/errors";
import { PredictionChanged } from "@gantry/contracts/events";
import type { WorkItem } from "@gantry/contracts/jobs";
import {
  DATA_URL_INLINE_MAX_BYTES,
  MAX_INPUT_JSON_BYTES,
  MAX_RUN_INPUT_JSON_BYTES,
  PAYLOAD_TOO_LARGE_INPUT_DETAIL,
  PAYLOAD_TOO_LARGE_RUN_INPUT_DETAIL,
} from "@gantry/contracts/limits";
import type { ModelPrice, ModelRecord, VersionRecord } from "@gantry/contracts/models";
import { isTerminal, type PredictionRecord, type WebhookEventType } from "@gantry/contracts/prediction";
import { subjects } from "@gantry/contracts/subjects";
import { cancelPrediction } from "@gantry/platform/cancel-prediction";
import { decode, encode } from "@gantry/platform/codec";
import { ENDED_HEADER, PredictionStore } from "@gantry/platform/prediction-store";
import { Registry } from "@gantry/platform/registry";
import { startHop } from "@gantry/platform/trace-context";
import { trainerVersionId } from "@gantry/platform/trainer";
import { checkWebhookUrl } from "@gantry/platform/webhook-url";
import { type JetStreamClient, jetstream } from "@nats-io/jetstream";
import type { Subscription } from "@nats-io/nats-core";
import { SpanStatusCode } from "@opentelemetry/api";
import { extractDataUrls, jsonBytes } from "./core/data-url-inputs.ts";
import { inputSpec, problemDetail, validateInput } from "./core/input-schema.ts";
import type { VersionRef } from "./core/version-ref.ts";
import type { GatewayDeps } from "./deps.ts";
import { resolveFileInputs } from "./file-inputs.ts";
import { FilesService } from "./files-service.ts";
import { checkInputUrls } from "./input-urls.ts";
import { natsOutage, retryUnreached } from "./nats-availability.ts";
import { indexKey } from "./prediction-list.ts";
import { checkSpend } from "./spend-guard.ts";
import { TtlCache } from "./ttl-cache.ts";

/** A create waits this long for JetStream to take its work item, then answers 503 (the default is 5 s). */
const ENQUEUE_TIMEOUT_MS = 2000;

export interface CreateRequest {
  accountId: string;
  ref: VersionRef;
  input: Record<string, unknown>;
  webhook?: string | undefined;
  webhookEventsFilter?: WebhookEventType[] | undefined;
  /** Seconds to hold the request for a terminal state (`Prefer: wait`). */
  waitSeconds: number | null;
  /** How `ref` came: by model path (404 when unknown) or by the `version` field (422). */
  via: "version" | "model";
  /** From `Cancel-After`: milliseconds after creation when the prediction is canceled. */
  cancelAfterMs?: number | null;
  /** The request's W3C `traceparent`, when well-formed: carried to the agent and the model server. */
  traceparent?: string | undefined;
  /** The API origin, by which file URLs (`urls.get`) in the input are recognised. */
  baseUrl: string;
  /** Set when created through a deployment: its name and the hardware it runs on. */
  deployment?: { name: string; hardware: string } | null;
  /** Set for a training (`/v1/trainings`): the model (`owner/name`) its version is created in. */
  training?: { destination: string } | null;
}

/** What a record is: the routes of one kind answer 404 for the other. */
export type RecordKind = "prediction" | "training";

/** Creating, reading and canceling predictions: the I/O behind the prediction routes. */
export class PredictionService {
  readonly store: PredictionStore;
  readonly registry: Registry;
  readonly #d: GatewayDeps;

  get deps(): GatewayDeps {
    return this.#d;
  }
  readonly #js: JetStreamClient;
  readonly #models: TtlCache<ModelRecord | null>;
  readonly #versions: TtlCache<VersionRecord | null>;

  constructor(deps: GatewayDeps) {
    this.#d = deps;
    this.store = new PredictionStore(deps.buckets.predictions, deps.nc);
    this.registry = new Registry(deps.buckets, { backfill: true });
    this.#js = jetstream(deps.nc);
    const ttl = deps.cacheTtlMs ?? 2000;
    const clock = () => deps.now().getTime();
    this.#models = new TtlCache(ttl, clock);
    this.#versions = new TtlCache(ttl, clock);
  }

  model(owner: string, name: string): Promise<ModelRecord | null> {
    return this.#models.get(`${owner}/${name}`, () => this.registry.getModel(owner, name));
  }

  version(id: string): Promise<VersionRecord | null> {
    return this.#versions.get(id, () => this.registry.getVersion(id));
  }

  /** The model and version a request names, if the caller may use them. */
  async resolve(accountId: string, ref: VersionRef, via: "version" | "model") {
    const refused = () =>
      via === "model"
        ? new AppError("NOT_FOUND", NOT_FOUND_DETAIL)
        : new AppError("INVALID_VERSION", INVALID_VERSION_DETAIL);
    let version: VersionRecord | null;
    let model: ModelRecord | null;
    if (ref.kind === "version") {
      version = await this.version(ref.version);
      const [owner = "", name = ""] = version?.model.split("/") ?? [];
      model = version ? await this.model(owner, name) : null;
    } else {
      model = await this.model(ref.owner, ref.name);
      const id = ref.kind === "model-version" ? ref.version : model?.latest_version_id;
      version = id ? await this.version(id) : null;
      if (version && model && version.model !== `${model.owner}/${model.name}`) version = null;
    }
    // The hidden trainer versions take trainings only, through their own endpoint.
    if (!model || !version || version.trainer_of) throw refused();
    if (model.visibility === "private" && model.account_id !== accountId) throw refused();
    return { model, version };
  }

  async create(req: CreateRequest): Promise<PredictionRecord> {
    await checkSpend(this.#d, req.accountId);
    if (req.webhook) {
      await checkWebhookUrl(req.webhook, {
        allowPrivate: this.#d.webhooks?.allowPrivate ?? false,
        ...(this.#d.webhooks?.lookup ? { lookup: this.#d.webhooks.lookup } : {}),
      });
    }
    const { model, version } = await this.resolve(req.accountId, req.ref, req.via);
    const trainer = req.training ? await this.#trainerFor(req.accountId, version, req.training.destination) : null;
    const spec = inputSpec((trainer ?? version).openapi_schema);
    const checked = validateInput(spec, req.input);
    if (!checked.ok) {
      throw new AppError("INPUT_VALIDATION", problemDetail(checked.problems), { invalidFields: checked.problems });
    }
    // Model servers fetch URL inputs: no internal address, whatever name it hides behind.
    await checkInputUrls(checked.input, this.#d.publicUrl ?? null, this.#d.webhooks?.lookup);
    const input = await this.#offloadDataUrls(checked.input, req.accountId, req.baseUrl);
    // File URLs of the caller's uploads become signed URLs the agent can fetch without a token;
    // the stored input keeps what the client sent.
    const runInput = await resolveFileInputs(input, req.accountId, req.baseUrl, new FilesService(this.#d));
    if (jsonBytes(runInput) > MAX_RUN_INPUT_JSON_BYTES) {
      throw new AppError("PAYLOAD_TOO_LARGE", PAYLOAD_TOO_LARGE_RUN_INPUT_DETAIL);
    }
    const now = this.#d.now();
    const record: PredictionRecord = {
      id: this.#d.newId(),
      account_id: req.accountId,
      model: `${model.owner}/${model.name}`,
      version: version.id,
      streams: !trainer && outputStreams(version.openapi_schema),
      hardware: req.deployment?.hardware ?? model.hardware,
      deployment: req.deployment?.name ?? null,
      source: "api",
      input,
      output: null,
      logs: "",
      error: null,
      status: "starting",
      data_removed: false,
      created_at: now.toISOString(),
      started_at: null,
      completed_at: null,
      deadline: req.cancelAfterMs ? new Date(now.getTime() + req.cancelAfterMs).toISOString() : null,
      webhook: req.webhook ?? null,
      webhook_events_filter: req.webhookEventsFilter ?? null,
      metrics: {},
      agent_id: null,
      stream_token: trainer ? null : this.#d.newToken(),
      secret_fields: spec.secrets,
      ...(req.training ? { kind: "training" as const, destination: req.training.destination } : {}),
    };
    // Subscribe before the record exists, so no change can slip past the waiter.
    const sub = req.waitSeconds ? this.#d.nc.subscribe(subjects.changed(record.id)) : null;
    try {
      // Deployments and private models run on instances whose whole up time is billed (reference §10);
      // a training is billed for its own run, like a public model's prediction.
      const billing = !trainer && (record.deployment || model.visibility === "private") ? "uptime" : "predict";
      // All or nothing: the work item is queued first, then the record stored. A failure before the
      // record exists answers 503 and leaves no prediction; a queued item whose record never came
      // is dropped by the scheduler after a grace (placer.ts). The index key goes before the
      // record (with the work item, at the same time): a key without its record is skipped by
      // listings, a record without its key is lost to them.
      // A model priced per output is billed at the price in force when the prediction was created.
      const price = !trainer && model.price ? model.price : null;
      const key = indexKey(record.account_id, record.created_at, record.id, trainer ? "training" : "prediction");
      const indexed = retryUnreached(() => this.#d.buckets.predictionIndex.put(key, "")).then(
        () => null,
        (cause: unknown) => ({ cause }),
      );
      await this.#enqueue(record, runInput, now, billing, trainer, price, req.traceparent);
      try {
        const failed = await indexed;
        if (failed) throw failed.cause;
        // A stream's leader moving (cluster: a node restarting) is waited out, not answered 503.
        await retryUnreached(() => this.store.create(record));
      } catch (cause) {
        throw natsOutage(cause) ?? cause;
      }
      if (!sub || !req.waitSeconds) return record;
      return (await waitForTerminal(sub, req.waitSeconds * 1000)) ?? record;
    } finally {
      sub?.unsubscribe();
    }
  }

  async #enqueue(
    record: PredictionRecord,
    input: Record<string, unknown>,
    now: Date,
    billing: "predict" | "uptime",
    trainer: VersionRecord | null,
    price: ModelPrice | null,
    incomingTrace?: string,
  ): Promise<void> {
    // The gateway's hop of the prediction's trace: what the scheduler and the agent carry on.
    const hop = startHop("gantry.prediction.enqueue", incomingTrace, {
      "gantry.prediction_id": record.id,
      "gantry.model": record.model,
      "gantry.hardware": record.hardware,
    });
    const traceparent = hop.traceparent;
    const item: WorkItem = {
      prediction_id: record.id,
      account_id: record.account_id,
      model: record.model,
      // A training runs on the hidden trainer version (its server in train mode).
      version_id: trainer?.id ?? record.version,
      ...(trainer && record.destination
        ? { training: { base_version_id: record.version, destination: record.destination } }
        : {}),
      hardware: record.hardware,
      streams: record.streams,
      input,
      deadline: record.deadline,
      enqueued_at: now.toISOString(),
      deployment: record.deployment,
      billing,
      ...(price ? { price } : {}),
      ...(traceparent ? { traceparent } : {}),
    };
    try {
      // Repeating it is safe whatever happened: the stream drops a second copy by its message id.
      await retryUnreached(() =>
        this.#js.publish(subjects.work(record.hardware), encode(item), {
          msgID: record.id,
          timeout: ENQUEUE_TIMEOUT_MS,
        }),
      );
    } catch (cause) {
      hop.span.setStatus({ code: SpanStatusCode.ERROR });
      throw (
        natsOutage(cause) ?? new AppError("UNAVAILABLE", "The prediction could not be queued; try again.", { cause })
      );
    } finally {
      hop.span.end();
    }
  }

  /**
   * The size policy (contracts/limits.ts): data URLs over the inline limit become files of the
   * caller, and the input that is left must fit its budget — checked before anything is stored,
   * so a 413 creates nothing.
   */
  async #offloadDataUrls(
    input: Record<string, unknown>,
    accountId: string,
    baseUrl: string,
  ): Promise<Record<string, unknown>> {
    const base = baseUrl.replace(/\/+$/, "");
    const out = extractDataUrls(input, {
      thresholdBytes: DATA_URL_INLINE_MAX_BYTES,
      newId: this.#d.newId,
      urlFor: (id) => `${base}/v1/files/${id}`,
    });
    if (jsonBytes(out.input) > MAX_INPUT_JSON_BYTES) {
      throw new AppError("PAYLOAD_TOO_LARGE", PAYLOAD_TOO_LARGE_INPUT_DETAIL);
    }
    const files = new FilesService(this.#d);
    try {
      await Promise.all(out.files.map((f) => files.createFromBytes(accountId, f)));
    } catch (cause) {
      throw natsOutage(cause) ?? cause;
    }
    return out.input;
  }

  /**
   * The trainer of `version`, once the caller may train it into `destination`: a model of the
   * caller's (another's answers as a missing one does, reference §2 404).
   */
  async #trainerFor(accountId: string, version: VersionRecord, destination: string): Promise<VersionRecord> {
    const trainer = await this.version(trainerVersionId(version.id));
    if (!trainer) {
      throw new AppError("BAD_REQUEST", "This version cannot be trained: its model server has no trainer.", {
        title: "Version not trainable",
      });
    }
    const [owner = "", name = ""] = destination.split("/");
    const target = await this.model(owner, name);
    if (!target || target.account_id !== accountId) {
      throw new AppError("NOT_FOUND", "The specified training destination does not exist");
    }
    return trainer;
  }

  /**
   * The caller's prediction or training (`any`: either, as `/v1/predictions/{id}` serves both, as
   * Replicate does); another account's answers 404 exactly like a missing one.
   */
  async get(accountId: string, id: string, kind: RecordKind | "any" = "any"): Promise<PredictionRecord> {
    const stored = /^[a-z0-9]{26}$/.test(id) ? await this.store.get(id) : null;
    const ofKind = kind === "any" || (stored?.record.kind ?? "prediction") === kind;
    const found = stored && stored.record.account_id === accountId && ofKind;
    if (!found) throw new AppError("NOT_FOUND", NOT_FOUND_DETAIL);
    return stored.record;
  }

  /** Any non-terminal state becomes `canceled`; a terminal prediction is returned unchanged. */
  async cancel(accountId: string, id: string, kind: RecordKind | "any" = "any"): Promise<PredictionRecord> {
    const current = await this.get(accountId, id, kind);
    if (isTerminal(current.status)) return current;
    // The answer does not wait for the agent: the stored record already says `canceled`.
    const { record } = await cancelPrediction(
      { store: this.store, nc: this.#d.nc, now: this.#d.now, log: this.#d.log },
      current,
    );
    return record;
  }
}

/**
 * Resolves with the first terminal record seen, or the latest seen (or `null`) at the timeout. Only
 * the notice answered with is decoded: the others (the creation, a start) are kept as they came,
 * and an end is known by its header (`Gantry-Ended`, set on every terminal notice).
 */
async function waitForTerminal(sub: Subscription, timeoutMs: number): Promise<PredictionRecord | null> {
  let latest: Uint8Array | null = null;
  const timer = setTimeout(() => sub.unsubscribe(), timeoutMs);
  try {
    for await (const m of sub) {
      if (m.headers?.get(ENDED_HEADER) !== "1") {
        latest = m.data;
        continue;
      }
      const { record } = decode(PredictionChanged, m.data, "prediction change");
      if (isTerminal(record.status)) return record;
      latest = m.data;
    }
  } finally {
    clearTimeout(timer);
  }
  return latest ? decode(PredictionChanged, latest, "prediction change").record : null;
}

function outputStreams(openapi: Record<string, unknown>): boolean {
  const schemas = (openapi.components as { schemas?: Record<string, Record<string, unknown>> } | undefined)?.schemas;
  return schemas?.Output?.["x-cog-array-type"] === "iterator";
}
