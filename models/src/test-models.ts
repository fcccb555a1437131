import type { DemoModel } from "./catalog.ts";
import type { Predictor } from "./cog-server.ts";
import { testModel } from "./test-model.ts";

/**
 * `gantry/setup-fails`: a model whose `setup()` throws, as one with missing weights would. Its
 * server reports `SETUP_FAILED` with the setup logs (reference §1.2).
 */
export const setupFailsModel: Predictor = {
  openapi: testModel.openapi,
  async setup(log) {
    log("setup: loading weights from weights/model.safetensors");
    throw new Error("FileNotFoundError: weights/model.safetensors does not exist");
  },
  predict() {
    return Promise.reject(new Error("setup failed; predict cannot run"));
  },
};

/**
 * Models for tests only: `serve.ts` can start them, but they are not in `DEMO_MODELS`, so neither
 * `npm start` nor the test stack registers them.
 */
export const TEST_MODELS: DemoModel[] = [
  {
    owner: "gantry",
    name: "setup-fails",
    description: "A model whose setup() throws (tests of SETUP_FAILED).",
    hardware: "cpu",
    predictor: setupFailsModel,
    argv: ["node", "--import", "tsx", "models/src/serve.ts", "setup-fails"],
  },
];
