import dgram from "node:dgram";
import http from "node:http";
import net from "node:net";
import os from "node:os";

// The services of one stand-in host (tests/support/standins.ts), run inside the host's own network namespace:
// HTTP pages and a DNS server on every address of the namespace (given before it starts). Its argument is a JSON StandinServices.
// Prints "ready" once everything listens; exits when its parent goes (its stdin closes).

export interface StandinServices {
  /** Web pages by path, served on each port (anything else is a 404). */
  http?: { ports: number[]; pages: Record<string, string> };
  /** IPv4 addresses by name, answered over UDP and TCP on port 53. */
  dns?: Record<string, string>;
}

const NOERROR = 0;
const NXDOMAIN = 3;
const TYPE_A = 1;

/** The answer to one DNS query: the name's A record, an empty NOERROR for its other types, NXDOMAIN for other
 *  names. Never REFUSED or SERVFAIL: the network tests read those as "blocked". */
function dnsAnswer(query: Buffer, names: Record<string, string>): Buffer | undefined {
  if (query.length < 12 || query.readUInt16BE(4) !== 1) return undefined;
  const labels: string[] = [];
  let at = 12;
  while (at < query.length && query[at] !== 0) {
    labels.push(query.subarray(at + 1, at + 1 + query[at]!).toString("latin1"));
    at += 1 + query[at]!;
  }
  if (at + 5 > query.length) return undefined;
  const question = query.subarray(12, at + 5);
  const type = query.readUInt16BE(at + 1);
  const address = names[labels.join(".").toLowerCase()];
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2); // the query's id
  header.writeUInt16BE(0x8580 | (query.readUInt16BE(2) & 0x0100) | (address ? NOERROR : NXDOMAIN), 2); // QR AA RA (+RD)
  header.writeUInt16BE(1, 4);
  if (!address || type !== TYPE_A) return Buffer.concat([header, question]);
  header.writeUInt16BE(1, 6);
  const record = Buffer.from([0xc0, 12, 0, TYPE_A, 0, 1, 0, 0, 0, 60, 0, 4, ...address.split(".").map(Number)]);
  return Buffer.concat([header, question, record]);
}

async function serve(services: StandinServices): Promise<void> {
  const listening: Promise<unknown>[] = [];
  const listen = (server: net.Server, port: number) =>
    listening.push(new Promise((resolve, reject) => server.once("error", reject).listen({ port, host: "::", ipv6Only: false }, () => resolve(port))));
  if (services.http) {
    const { ports, pages } = services.http;
    const page: http.RequestListener = (req, res) => {
      const body = pages[req.url ?? ""];
      res.writeHead(body === undefined ? 404 : 200, { "content-type": "text/plain" }).end(body ?? "not found\n");
    };
    for (const port of ports) listen(http.createServer(page), port);
  }
  const names = services.dns;
  if (names) {
    // A socket per address: an answer must come from the address the query went to.
    for (const { address } of Object.values(os.networkInterfaces())
      .flat()
      .filter((a) => a?.family === "IPv4") as os.NetworkInterfaceInfo[]) {
      const udp = dgram.createSocket("udp4");
      udp.on("message", (query, from) => {
        const answer = dnsAnswer(query, names);
        if (answer) udp.send(answer, from.port, from.address);
      });
      listening.push(new Promise<void>((resolve, reject) => udp.once("error", reject).bind(53, address, resolve)));
    }
    const tcp = net.createServer((socket) => {
      let pending = Buffer.alloc(0);
      socket.on("error", () => socket.destroy());
      socket.on("data", (chunk) => {
        pending = Buffer.concat([pending, chunk]);
        while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
          const answer = dnsAnswer(pending.subarray(2, 2 + pending.readUInt16BE(0)), names);
          pending = pending.subarray(2 + pending.readUInt16BE(0));
          if (answer) socket.write(Buffer.concat([Buffer.from([answer.length >> 8, answer.length & 0xff]), answer]));
        }
      });
    });
    listen(tcp, 53);
  }
  await Promise.all(listening);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdin.on("close", () => process.exit(0)).resume();
  serve(JSON.parse(process.argv[2]!) as StandinServices).then(
    () => console.log("ready"),
    (err) => {
      console.error(`stand-in: ${err}`);
      process.exit(1);
    },
  );
}
