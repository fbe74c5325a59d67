import Link from "next/link";
import { RecordingPlayer, type MarkerTarget } from "./RecordingPlayer";
import { LiveView } from "./LiveView";

/**
 * A lab's terminal replayed (each node's, in a lab of several) with its markers, and on demand shown live,
 * read-only. `api` is where its recordings (`${api}/recording?node=`) and live view (`${api}/watch?node=`) are
 * asked for, which decides whose they are; `page` is this page's own path.
 */
export function ReplayView(props: {
  api: string;
  page: string;
  nodes: string[];
  node: string;
  live: boolean;
  startAt?: MarkerTarget;
  liveNote: string;
  liveLink: string;
}) {
  const { api, page, nodes, node, live, startAt } = props;
  const here = (query: Record<string, string>, anchor = "") => `${page}?${new URLSearchParams({ node, ...query })}${anchor}`;
  return (
    <>
      {nodes.length > 1 && (
        <nav className="mt-4 flex gap-2 text-sm" aria-label="Nodes">
          {nodes.map((n) => (
            <Link
              key={n}
              href={here({ node: n })}
              aria-current={n === node ? "page" : undefined}
              className={n === node ? "font-semibold" : "text-sky-700 underline"}
            >
              {n}
            </Link>
          ))}
        </nav>
      )}
      <div className="mt-4">
        <RecordingPlayer key={node} src={`${api}/recording?node=${node}`} startAt={startAt} />
      </div>
      <section className="mt-8" id="live">
        <h2 className="text-xl font-semibold">Live</h2>
        {live ? (
          <>
            <p className="mt-1 text-sm text-slate-600">
              {props.liveNote}{" "}
              <Link className="text-sky-700 underline" href={here({})}>
                Close the live view
              </Link>
            </p>
            <div className="mt-3">
              <LiveView key={node} accessUrl={`${api}/watch?node=${node}`} />
            </div>
          </>
        ) : (
          <Link className="mt-1 inline-block text-sm text-sky-700 underline" href={here({ live: "1" }, "#live")}>
            {props.liveLink}
          </Link>
        )}
      </section>
    </>
  );
}
