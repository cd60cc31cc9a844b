// Creates .dev.vars from .dev.vars.example on a fresh clone, so `npm start` and `npm test` need no setup.
import { copyFileSync, existsSync } from "node:fs";

if (!existsSync(".dev.vars")) {
  copyFileSync(".dev.vars.example", ".dev.vars");
  console.log("Created .dev.vars from .dev.vars.example (local secrets; edit them as you like).");
}
