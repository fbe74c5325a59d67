// What an embedded page (app/embed) shows in another site's frame when its visitor may not see it: the reason in
// plain words and a link to the page in Dockyard, in a tab of its own (signing in happens there: no frame may show it).

const OPEN_LINK = "shrink-0 rounded text-sm text-sky-700 underline hover:text-sky-900 focus:outline-none focus:ring-2 focus:ring-sky-400";

/** A link out of the frame to the same thing on Dockyard's own pages. */
export function OpenInDockyard({ href, children = "Open in Dockyard ↗" }: { href: string; children?: string }) {
  return (
    <a href={href} target="_blank" rel="noopener" className={OPEN_LINK}>
      {children}
    </a>
  );
}

export function EmbedRefusal({ message, href }: { message: string; href: string }) {
  return (
    <div className="p-4" data-testid="embed-refused">
      <p className="text-slate-700">{message}</p>
      <p className="mt-2">
        <OpenInDockyard href={href} />
      </p>
    </div>
  );
}
