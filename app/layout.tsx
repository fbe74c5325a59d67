import type { Metadata } from "next";
import Link from "next/link";
import { AccountNav } from "./_components/AccountNav";
import { OutsideEmbed } from "./_components/OutsideEmbed";
import "./globals.css";

export const metadata: Metadata = {
  title: "Dockyard",
  description: "Learn Docker and orchestration by doing it, in a real sandbox in your browser.",
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen bg-slate-50 text-slate-900">
        <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:bg-white focus:p-2">
          Skip to content
        </a>
        <OutsideEmbed>
          <header className="border-b border-slate-200 bg-white">
            <nav className="mx-auto flex max-w-7xl items-center gap-6 px-4 py-3">
              <Link href="/" className="text-lg font-bold text-sky-700">
                ⚓ Dockyard
              </Link>
              <Link href="/" className="text-sm text-slate-600 hover:text-slate-900">
                Course
              </Link>
              <AccountNav />
            </nav>
          </header>
        </OutsideEmbed>
        <main id="main">{children}</main>
      </body>
    </html>
  );
}
