// Entry point of a piscina worker thread. Worker threads of Node 20 do not inherit the
// parent's TypeScript loader for dynamic import(), so this plain-JS file registers tsx's
// ESM hooks in the thread itself, then loads the TypeScript worker (campaign/worker.ts).
// Works whether the parent runs under tsx, vitest or plain node.
import { register } from 'tsx/esm/api';

register();
const impl = await import('./worker.ts');

export default impl.default;
