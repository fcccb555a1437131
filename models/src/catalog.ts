import type { Predictor } from "./cog-server.ts";
import { fileInfoModel } from "./file-info-model.ts";
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
  {
    owner: "gantry",
    name: "file-info",
    description: "Downloads its file input and reports its size, SHA-256 and content type.",
    hardware: "cpu",
    predictor: fileInfoModel,
    argv: ["node", "--import", "tsx", "models/src/serve.ts", "file-info"],
  },
];
