import type { Predictor } from "./cog-server.ts";
import { fileInfoModel } from "./file-info-model.ts";
import { imageModel } from "./image-model.ts";
import { testModel } from "./test-model.ts";
import { textStreamModel } from "./text-stream-model.ts";

export interface DemoModel {
  owner: string;
  name: string;
  description: string;
  hardware: string;
  predictor: Predictor;
  /** argv relative to the repository root; the agent sets PORT. */
  argv: string[];
}

const serve = (name: string) => ["node", "--import", "tsx", "models/src/serve.ts", name];

/** The demo models `npm start` registers and the agent can start. */
export const DEMO_MODELS: DemoModel[] = [
  {
    owner: "gantry",
    name: "test",
    description: "A controllable test model: tokens, delays, logs and failures on demand.",
    hardware: "cpu",
    predictor: testModel,
    argv: serve("test"),
  },
  {
    owner: "gantry",
    name: "file-info",
    description: "Downloads its file input and reports its size, SHA-256 and content type.",
    hardware: "cpu",
    predictor: fileInfoModel,
    argv: serve("file-info"),
  },
  {
    owner: "gantry",
    name: "text-stream",
    description:
      "A small statistical language model (word trigrams) trained at start-up on public-domain text; streams tokens.",
    hardware: "cpu",
    predictor: textStreamModel,
    argv: serve("text-stream"),
  },
  {
    owner: "gantry",
    name: "image",
    description: "Paints a PNG derived from the prompt and returns it as a file.",
    hardware: "cpu",
    predictor: imageModel,
    argv: serve("image"),
  },
];
