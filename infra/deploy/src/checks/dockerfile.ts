import { DockerfileParser } from "dockerfile-ast";
import { validate } from "dockerfile-utils";

/**
 * Problems of a Dockerfile: what dockerfile-utils reports as errors or warnings, and the house
 * rules: every stage's base is the `BASE` argument (so CI can build from a local base), every
 * image stage ends as a non-root user with an ENTRYPOINT or CMD, and the image has a HEALTHCHECK.
 */
export function checkDockerfile(file: string, text: string, imageStages: string[]): string[] {
  const problems = validate(text).map((d) => `${file}:${d.range.start.line + 1}: ${d.message}`);
  const dockerfile = DockerfileParser.parse(text);
  const stages = dockerfile.getFROMs().map((from, i) => {
    const start = from.getRange().start.line;
    const end = dockerfile.getFROMs()[i + 1]?.getRange().start.line ?? Number.POSITIVE_INFINITY;
    const body = dockerfile
      .getInstructions()
      .filter((ins) => ins.getRange().start.line >= start && ins.getRange().start.line < end);
    return { name: from.getBuildStage(), image: from.getImageName(), from: from.getArgumentsContent(), body };
  });
  for (const want of imageStages) {
    const stage = stages.find((s) => s.name === want);
    if (!stage) {
      problems.push(`${file}: no stage "${want}"`);
      continue;
    }
    // Instructions of the stages it is built FROM count too.
    const chain: typeof stages = [];
    for (let s: (typeof stages)[number] | undefined = stage; s; s = stages.find((x) => x.name === s?.image)) {
      chain.unshift(s);
      if (chain.length > stages.length) break;
    }
    const body = chain.flatMap((s) => s.body);
    const last = (kw: string) => body.filter((i) => i.getKeyword() === kw).at(-1);
    const user = last("USER")?.getArgumentsContent();
    if (!user || /^(root|0)(:|$)/.test(user))
      problems.push(`${file}: stage "${want}" runs as root (USER ${user ?? "unset"})`);
    if (!last("ENTRYPOINT") && !last("CMD")) problems.push(`${file}: stage "${want}" has no ENTRYPOINT or CMD`);
    if (!last("HEALTHCHECK")) problems.push(`${file}: stage "${want}" has no HEALTHCHECK`);
    if (!chain[0]?.from?.includes("${BASE")) problems.push(`${file}: stage "${want}" is not built FROM \${BASE}`);
  }
  return problems;
}
