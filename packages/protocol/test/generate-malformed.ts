// Writes the malformed-input corpus to vectors/malformed.json: `npx tsx test/generate-malformed.ts`.
import { writeFileSync } from "node:fs";
import { malformedCorpus, malformedVectorsJson } from "./malformed-corpus.js";

const target = new URL("../vectors/malformed.json", import.meta.url);
writeFileSync(target, malformedVectorsJson());
console.log(`wrote ${malformedCorpus.length} cases to ${target.pathname}`);
