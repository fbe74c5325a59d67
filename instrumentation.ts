// Next calls register() once when a server process starts: the Node server starts its outbox worker, which sends
// webhook deliveries and LMS scores queued in the database (app/_lib/outbox). The Edge runtime sends nothing.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { startOutbox } = await import("./app/_lib/outbox/worker");
  startOutbox();
}
