import type { Predictor } from "./cog-server.ts";
import { testModel } from "./test-model.ts";

export interface DemoModel {
  owner: string;
  name: string;
  description: string;
  hardware: string;
  predictor: Predictor;
  /** argv relative to the repository root; the agent sets PORT. */
  argv: string[];
}

/** The demo models `npm start` registers and the agent can start. */
export const DEMO_MODELS: DemoModel[] = [
  {
    owner: "gantry",
    name: "test",
    description: "A controllable test model: tokens, delays, logs and failures on demand.",
    hardware: "cpu",
    predictor: testModel,
    argv: ["node", "--import", "tsx", "models/src/serve.ts", "test"],
  },
];
