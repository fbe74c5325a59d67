// The contract's Node side, for the site's server code and the lab-runner: settings, sandbox ids, the tokens
// the site mints and the lab-runner verifies, and lessons as data (parsed, validated, quizzes judged).

export * from "./index";
export * from "./config";
export * from "./client-key";
export * from "./preview-address";
export * from "./sandbox-id";
export * from "./tokens";
export * from "./lessons/schema";
export * from "./lessons/checks";
export * from "./lessons/kubernetes-checks";
export * from "./lessons/parse";
export * from "./lessons/setup-blocks";
export * from "./lessons/quiz";
